//! `spin:postgres/postgres@4.0.0` as the guest sees it, like Spin's
//! `factor-outbound-pg`.
//!
//! `open(address)` checks every host:port of the address against the
//! component's `allowed_outbound_hosts` entries for scheme `postgres` (else
//! `connection-failed("address postgres://HOST:PORT is not permitted")`), then
//! takes a connection from the address's pool. `execute` answers the row
//! count; `query` answers the rows, its columns typed from the first row.
//!
//! One difference on purpose: a `query` whose result has no rows is refused
//! with `query-failed(text(...))`, because under Spin 4.0 to 4.1 such a query
//! never returns; tests then catch it before Spin hangs on it.

// The guest's `error` (with its `db-error` record) is what these functions
// answer; it is large, as in Spin, which allows the same lint.
#![allow(clippy::result_large_err)]

use crate::bindings::spin::postgres::postgres::{
    Error, Host, HostConnection, ParameterValue, QueryError, RowSet,
};
use crate::outbound::OutboundPolicy;
use crate::pg_client::query_failed;
use crate::pg_convert::{self, SqlParam};
use crate::state::RequestState;
use futures_util::TryStreamExt;
use std::sync::Arc;
use tokio_postgres::types::ToSql;
use wasmtime::component::Resource;

/// The message of the refusal of a `query` without rows.
pub const NO_ROWS: &str = "a query returned no rows: under Spin 4.0 to 4.1 such a query never returns; select at least one row, e.g. SELECT (SELECT ...)";

/// Largest result one query may return, as Spin's `MAX_HOST_BUFFERED_BYTES`.
const MAX_RESULT_BYTES: usize = 128 << 20;

/// PostgreSQL's well-known port, used when an address names none.
const DEFAULT_PORT: u16 = 5432;

/// An open `connection` resource: a pooled client.
pub struct PgConnection {
    client: Arc<deadpool_postgres::Object>,
}

/// Checks that every host of `address` is allowed by `policy`, as Spin's
/// `AllowedHostChecker` does.
pub fn ensure_address_allowed(policy: &OutboundPolicy, address: &str) -> Result<(), Error> {
    let config = address
        .parse::<tokio_postgres::Config>()
        .map_err(|e| Error::ConnectionFailed(e.to_string()))?;
    let ports = config.get_ports();
    for (i, host) in config.get_hosts().iter().enumerate() {
        match host {
            tokio_postgres::config::Host::Tcp(name) => {
                // The port at the host's index, or the only one given.
                let port = ports
                    .get(i)
                    .or_else(|| (ports.len() == 1).then(|| ports.first()).flatten());
                let shown = match port {
                    Some(p) => format!("{name}:{p}"),
                    None => name.clone(),
                };
                // Spin reads `host[:port]` as a URL: an IPv6 literal does not parse there,
                // so it is never permitted.
                let allowed = !name.contains(':')
                    && policy.allows_host("postgres", name, port.copied().unwrap_or(DEFAULT_PORT));
                if !allowed {
                    eprintln!(
                        "recrules-host: component `{}` may not connect to postgres://{shown}: add it to `allowed_outbound_hosts`",
                        policy.component()
                    );
                    return Err(Error::ConnectionFailed(format!(
                        "address postgres://{shown} is not permitted"
                    )));
                }
            }
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(_) => {
                return Err(Error::ConnectionFailed(
                    "Unix sockets are not supported on WebAssembly".into(),
                ));
            }
        }
    }
    Ok(())
}

impl Host for RequestState {}

impl RequestState {
    /// The client of an open connection.
    fn pg_client(
        &self,
        connection: &Resource<PgConnection>,
    ) -> Result<Arc<deadpool_postgres::Object>, Error> {
        self.table
            .get(connection)
            .map(|c| c.client.clone())
            .map_err(|_| Error::ConnectionFailed("no connection found".into()))
    }
}

/// The parameters as references for the driver.
fn refs(params: &[SqlParam]) -> Vec<&(dyn ToSql + Sync)> {
    params
        .iter()
        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

impl HostConnection for RequestState {
    async fn open(
        &mut self,
        address: String,
    ) -> wasmtime::Result<Result<Resource<PgConnection>, Error>> {
        if let Err(e) = ensure_address_allowed(&self.grants.outbound, &address) {
            return Ok(Err(e));
        }
        let client = match self.grants.pg.connect(&address).await {
            Ok(c) => c,
            Err(e) => return Ok(Err(Error::ConnectionFailed(e))),
        };
        Ok(Ok(self.table.push(PgConnection {
            client: Arc::new(client),
        })?))
    }

    async fn query(
        &mut self,
        connection: Resource<PgConnection>,
        statement: String,
        params: Vec<ParameterValue>,
    ) -> wasmtime::Result<Result<RowSet, Error>> {
        let client = match self.pg_client(&connection) {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        Ok(query(&client, &statement, params).await)
    }

    async fn execute(
        &mut self,
        connection: Resource<PgConnection>,
        statement: String,
        params: Vec<ParameterValue>,
    ) -> wasmtime::Result<Result<u64, Error>> {
        let client = match self.pg_client(&connection) {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        let params = match pg_convert::to_sql_parameters(params) {
            Ok(p) => p,
            Err(e) => return Ok(Err(e.into_error(false))),
        };
        Ok(client
            .execute(statement.as_str(), &refs(&params))
            .await
            .map_err(|e| query_failed(&e)))
    }

    async fn drop(&mut self, connection: Resource<PgConnection>) -> wasmtime::Result<()> {
        self.table.delete(connection)?;
        Ok(())
    }
}

/// Runs a query and collects its rows; refuses a result without rows.
async fn query(
    client: &deadpool_postgres::Object,
    statement: &str,
    params: Vec<ParameterValue>,
) -> Result<RowSet, Error> {
    let params = pg_convert::to_sql_parameters(params).map_err(|e| e.into_error(true))?;
    let stream = client
        .query_raw(statement, refs(&params))
        .await
        .map_err(|e| query_failed(&e))?;
    futures_util::pin_mut!(stream);
    let mut columns = None;
    let mut rows = Vec::new();
    let mut bytes = std::mem::size_of::<RowSet>();
    while let Some(row) = stream.try_next().await.map_err(|e| query_failed(&e))? {
        if columns.is_none() {
            columns = Some(pg_convert::columns(&row));
        }
        let values = pg_convert::convert_row(&row).map_err(pg_convert::ValueError::into_error)?;
        bytes += values.iter().map(pg_convert::memory_size).sum::<usize>();
        if bytes > MAX_RESULT_BYTES {
            return Err(Error::QueryFailed(QueryError::Text(format!(
                "query result exceeds limit of {MAX_RESULT_BYTES} bytes"
            ))));
        }
        rows.push(values);
    }
    let Some(columns) = columns else {
        eprintln!("recrules-host: refused a PostgreSQL query without rows (Spin 4.0 to 4.1 would hang on it): {statement}");
        return Err(Error::QueryFailed(QueryError::Text(NO_ROWS.to_owned())));
    };
    Ok(RowSet { columns, rows })
}
