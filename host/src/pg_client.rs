//! PostgreSQL connections for `spin:postgres/postgres@4.0.0`, pooled per
//! address like Spin's `PooledTokioClientFactory`: a `deadpool-postgres`
//! pool of at most 64 connections per address (16 addresses kept),
//! connections cleaned when they return to the pool.
//!
//! `sslmode=disable` connects without TLS; any other mode negotiates TLS
//! (rustls, the system's root certificates) and verifies the server's
//! certificate and name: there is no way to skip verification.

use crate::bindings::spin::postgres::postgres::{DbError, Error, QueryError};
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use tokio_postgres::config::SslMode;

/// Connections in one address's pool, as Spin.
const POOL_SIZE: usize = 64;

/// Addresses whose pools are kept, as Spin.
const POOLS_KEPT: usize = 16;

/// The connection pools, by address, shared by every instance.
#[derive(Clone, Default)]
pub struct PgPools {
    pools: Arc<Mutex<HashMap<String, Pool>>>,
}

impl PgPools {
    /// A connection to `address` from its pool (made on first use).
    pub async fn connect(&self, address: &str) -> Result<Object, String> {
        let pool = self.pool(address)?;
        pool.get().await.map_err(|e| error_chain(&e))
    }

    fn pool(&self, address: &str) -> Result<Pool, String> {
        let mut pools = self
            .pools
            .lock()
            .map_err(|_| "the pool table was poisoned by an earlier failure".to_string())?;
        if let Some(pool) = pools.get(address) {
            return Ok(pool.clone());
        }
        let pool = create_pool(address)?;
        if pools.len() >= POOLS_KEPT {
            if let Some(old) = pools.keys().next().cloned() {
                pools.remove(&old);
            }
        }
        pools.insert(address.to_owned(), pool.clone());
        Ok(pool)
    }
}

/// A pool for `address`, with TLS unless its `sslmode` is `disable`.
fn create_pool(address: &str) -> Result<Pool, String> {
    let config = address
        .parse::<tokio_postgres::Config>()
        .map_err(|e| format!("parsing Postgres connection string: {e}"))?;
    let mgr_config = ManagerConfig {
        recycling_method: RecyclingMethod::Clean,
    };
    let manager = if config.get_ssl_mode() == SslMode::Disable {
        Manager::from_config(config, tokio_postgres::NoTls, mgr_config)
    } else {
        Manager::from_config(config, tls()?, mgr_config)
    };
    Pool::builder(manager)
        .max_size(POOL_SIZE)
        .build()
        .map_err(|e| format!("building Postgres connection pool: {e}"))
}

/// The TLS connector: rustls (ring) with the system's root certificates.
pub fn tls() -> Result<tokio_postgres_rustls::MakeRustlsConnect, String> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let mut roots = rustls::RootCertStore::empty();
        let found = rustls_native_certs::load_native_certs();
        for cert in found.certs {
            // A certificate the store cannot use is skipped, as OpenSSL does.
            let _ = roots.add(cert);
        }
        if roots.is_empty() {
            return Err(format!(
                "TLS: no usable root certificate in the system store ({} errors); install the ca-certificates package, or use sslmode=disable for a loopback or private cluster without TLS",
                found.errors.len()
            ));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Arc::new(config))
    });
    config
        .clone()
        .map(|c| tokio_postgres_rustls::MakeRustlsConnect::new((*c).clone()))
}

/// A driver error as the guest's `query-failed`, as Spin builds it: a
/// database error keeps its SQLSTATE code, message, detail and extras.
pub fn query_failed(e: &tokio_postgres::Error) -> Error {
    let as_text = format!("{e:?}");
    Error::QueryFailed(match e.as_db_error() {
        None => QueryError::Text(as_text),
        Some(db) => {
            let mut extras = Vec::new();
            let mut extra = |name: &str, value: Option<String>| {
                if let Some(v) = value {
                    extras.push((name.to_owned(), v));
                }
            };
            extra("column", db.column().map(str::to_owned));
            extra("constraint", db.constraint().map(str::to_owned));
            extra("routine", db.routine().map(str::to_owned));
            extra("hint", db.hint().map(str::to_owned));
            extra("table", db.table().map(str::to_owned));
            extra("datatype", db.datatype().map(str::to_owned));
            extra("schema", db.schema().map(str::to_owned));
            extra("file", db.file().map(str::to_owned));
            extra("line", db.line().map(|l| l.to_string()));
            extra("where_", db.where_().map(str::to_owned));
            QueryError::DbError(DbError {
                as_text,
                severity: db.severity().to_owned(),
                code: db.code().code().to_owned(),
                message: db.message().to_owned(),
                detail: db.detail().map(str::to_owned),
                extras,
            })
        }
    })
}

/// An error and its causes, one line.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}
