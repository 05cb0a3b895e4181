//! The per-request state of a component instance (the `T` of `Store<T>`).

use crate::outbound::OutboundPolicy;
use crate::pg_client::PgPools;
use crate::sqlite_guest::SqliteDatabases;
use std::collections::BTreeMap;
use std::sync::Arc;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// What a component may use, fixed at startup and shared by its requests.
#[derive(Clone)]
pub struct Grants {
    /// The component's id (for messages).
    pub component: Arc<str>,
    /// The SQLite databases the host serves.
    pub sqlite: SqliteDatabases,
    /// The SQLite labels the component may open (`sqlite_databases`).
    pub sqlite_labels: Arc<[String]>,
    /// The PostgreSQL connection pools (shared by all components).
    pub pg: PgPools,
    /// The component variables, rendered.
    pub variables: Arc<BTreeMap<String, String>>,
    /// The outbound policy (`allowed_outbound_hosts`), for HTTP and PostgreSQL.
    pub outbound: OutboundPolicy,
    /// The `environment` of the component's WASI context.
    pub environment: Arc<[(String, String)]>,
}

/// The state of one instance serving one request.
pub struct RequestState {
    /// WASI 0.2 context (clocks, random, stdio, environment; no preopened directories, no sockets).
    pub wasi: WasiCtx,
    /// `wasi:http` context.
    pub http: WasiHttpCtx,
    /// Resources handed to the guest.
    pub table: ResourceTable,
    /// What the component may use.
    pub grants: Grants,
    /// SQLite connections this instance holds open.
    pub sqlite_connections: usize,
}

impl RequestState {
    /// A fresh state for one request of the component that `grants` describes.
    pub fn new(grants: Grants) -> RequestState {
        let mut wasi = WasiCtx::builder();
        wasi.inherit_stdout().inherit_stderr();
        for (k, v) in grants.environment.iter() {
            wasi.env(k, v);
        }
        RequestState {
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            grants,
            sqlite_connections: 0,
        }
    }
}

impl WasiView for RequestState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for RequestState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.grants.outbound,
        }
    }
}
