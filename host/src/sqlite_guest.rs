//! `fermyon:spin/sqlite@2.0.0` as the guest sees it, like Spin's in-process
//! SQLite (`spin-sqlite-inproc`).
//!
//! The one database is `default`, the file `.spin/sqlite_db.db` in the
//! host's state directory (Spin's own default file). A component may open
//! only the labels in its `sqlite_databases` (else `access-denied`). Each
//! `open` gets a rusqlite connection of its own, opened at its first
//! statement (rusqlite's default busy timeout of 5 s, as Spin has), which
//! refuses to `ATTACH` files; statements are prepared with
//! `prepare_cached`, parameters bound by index, and run on a blocking
//! thread. Any SQLite error is `io(message)` with SQLite's message.

use crate::bindings::fermyon::spin::sqlite::{
    Error, Host, HostConnection, QueryResult, RowResult, Value,
};
use crate::error::HostError;
use crate::state::RequestState;
use rusqlite::types::ValueRef;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use wasmtime::component::Resource;

/// The label of the one database the host serves.
pub const DEFAULT_DATABASE: &str = "default";

/// The default database's file name in the state directory (Spin's own).
pub const DEFAULT_FILE: &str = "sqlite_db.db";

/// Connections one instance may hold open at once, as Spin's resource table.
const MAX_CONNECTIONS: usize = 256;

/// Largest result one statement may return, as Spin's `MAX_HOST_BUFFERED_BYTES`.
const MAX_RESULT_BYTES: usize = 128 << 20;

/// The SQLite databases the host serves (only `default`).
#[derive(Clone)]
pub struct SqliteDatabases {
    default: Arc<PathBuf>,
}

impl SqliteDatabases {
    /// Prepares the default database at `path`: creates the file and sets its
    /// journal mode to WAL (which SQLite keeps in the file).
    pub fn open(path: &Path) -> Result<SqliteDatabases, HostError> {
        let err = |source| HostError::SqliteOpen {
            path: path.to_owned(),
            source,
        };
        let conn = rusqlite::Connection::open(path).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        Ok(SqliteDatabases {
            default: Arc::new(path.to_owned()),
        })
    }

    /// The file of database `label`, if the host serves it.
    fn file(&self, label: &str) -> Option<Arc<PathBuf>> {
        (label == DEFAULT_DATABASE).then(|| self.default.clone())
    }
}

/// An open `connection` resource: the database file and, after the first
/// statement, the rusqlite connection.
pub struct SqliteConnection {
    path: Arc<PathBuf>,
    conn: Arc<Mutex<Option<rusqlite::Connection>>>,
}

impl Host for RequestState {}

impl HostConnection for RequestState {
    async fn open(
        &mut self,
        database: String,
    ) -> wasmtime::Result<Result<Resource<SqliteConnection>, Error>> {
        if !self.grants.sqlite_labels.contains(&database) {
            return Ok(Err(Error::AccessDenied));
        }
        let Some(path) = self.grants.sqlite.file(&database) else {
            return Ok(Err(Error::NoSuchDatabase));
        };
        if self.sqlite_connections >= MAX_CONNECTIONS {
            return Ok(Err(Error::Io("too many connections opened".into())));
        }
        self.sqlite_connections += 1;
        Ok(Ok(self.table.push(SqliteConnection {
            path,
            conn: Arc::new(Mutex::new(None)),
        })?))
    }

    async fn execute(
        &mut self,
        connection: Resource<SqliteConnection>,
        statement: String,
        parameters: Vec<Value>,
    ) -> wasmtime::Result<Result<QueryResult, Error>> {
        let Ok(conn) = self.table.get(&connection) else {
            return Ok(Err(Error::InvalidConnection));
        };
        let (path, conn) = (conn.path.clone(), conn.conn.clone());
        let outcome = tokio::task::spawn_blocking(move || {
            run(&path, &conn, &statement, parameters, MAX_RESULT_BYTES)
        })
        .await;
        Ok(outcome.unwrap_or_else(|e| Err(Error::Io(format!("internal runtime error: {e}")))))
    }

    async fn drop(&mut self, connection: Resource<SqliteConnection>) -> wasmtime::Result<()> {
        self.table.delete(connection)?;
        self.sqlite_connections = self.sqlite_connections.saturating_sub(1);
        Ok(())
    }
}

/// Opens a connection to `path` as Spin does: rusqlite's defaults (5 s busy
/// timeout) and an authorizer that denies attaching files.
fn connect(path: &Path) -> rusqlite::Result<rusqlite::Connection> {
    let mut conn = rusqlite::Connection::open(path)?;
    conn.authorizer(Some(|ctx: rusqlite::hooks::AuthContext<'_>| {
        use rusqlite::hooks::{AuthAction, Authorization};
        match ctx.action {
            // Only a temporary ("") or in-memory database may be attached.
            AuthAction::Attach { filename } if !matches!(filename, "" | ":memory:") => {
                Authorization::Deny
            }
            _ => Authorization::Allow,
        }
    }))?;
    Ok(conn)
}

/// Runs one statement on the connection (opened first if needed) and
/// collects its whole result.
fn run(
    path: &Path,
    conn: &Mutex<Option<rusqlite::Connection>>,
    statement: &str,
    parameters: Vec<Value>,
    max_bytes: usize,
) -> Result<QueryResult, Error> {
    let io = |e: rusqlite::Error| Error::Io(e.to_string());
    let mut guard = conn
        .lock()
        .map_err(|_| Error::Io("connection lock poisoned by an earlier failure".into()))?;
    if guard.is_none() {
        *guard = Some(connect(path).map_err(io)?);
    }
    let Some(conn) = guard.as_ref() else {
        return Err(Error::Io("connection unavailable".into()));
    };
    let mut stmt = conn.prepare_cached(statement).map_err(io)?;
    let columns: Vec<String> = stmt.column_names().map(str::to_owned).collect();
    let params = rusqlite::params_from_iter(parameters.into_iter().map(to_sql));
    let mut rows = stmt.query(params).map_err(io)?;
    let mut out = Vec::new();
    let mut bytes = std::mem::size_of::<QueryResult>();
    while let Some(row) = rows.next().map_err(io)? {
        let mut values = Vec::with_capacity(columns.len());
        for index in 0..columns.len() {
            let value = from_sql(row.get_ref(index).map_err(io)?, index)?;
            bytes += memory_size(&value);
            values.push(value);
        }
        if bytes > max_bytes {
            return Err(Error::Io(format!(
                "query result exceeds limit of {max_bytes} bytes"
            )));
        }
        out.push(RowResult { values });
    }
    Ok(QueryResult { columns, rows: out })
}

/// A guest value as SQLite's.
fn to_sql(value: Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as Sql;
    match value {
        Value::Null => Sql::Null,
        Value::Integer(i) => Sql::Integer(i),
        Value::Real(r) => Sql::Real(r),
        Value::Text(t) => Sql::Text(t),
        Value::Blob(b) => Sql::Blob(b),
    }
}

/// A SQLite value as the guest's. Text that is not UTF-8 is an error (Spin
/// would crash on it).
fn from_sql(value: ValueRef<'_>, column: usize) -> Result<Value, Error> {
    Ok(match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(r) => Value::Real(r),
        ValueRef::Text(t) => Value::Text(String::from_utf8(t.to_vec()).map_err(|_| {
            Error::Io(format!(
                "column {column} holds text that is not valid UTF-8: store it as a blob"
            ))
        })?),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    })
}

/// The bytes a value counts toward the result limit, as Spin counts them.
fn memory_size(value: &Value) -> usize {
    std::mem::size_of::<Value>()
        + match value {
            Value::Text(t) => t.len(),
            Value::Blob(b) => b.len(),
            _ => 0,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec(
        conn: &Mutex<Option<rusqlite::Connection>>,
        path: &Path,
        sql: &str,
        params: Vec<Value>,
    ) -> Result<QueryResult, Error> {
        run(path, conn, sql, params, MAX_RESULT_BYTES)
    }

    #[test]
    fn runs_statements_like_spin() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db.sqlite");
        SqliteDatabases::open(&path).expect("open");
        let conn = Mutex::new(None);
        let created = exec(
            &conn,
            &path,
            "CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB, n INTEGER, r REAL)",
            vec![],
        )
        .expect("create");
        assert!(created.columns.is_empty() && created.rows.is_empty());
        let inserted = exec(
            &conn,
            &path,
            "INSERT INTO t VALUES (?1, ?2, ?3, ?4) RETURNING n",
            vec![
                Value::Text("a".into()),
                Value::Blob(vec![1, 2]),
                Value::Integer(7),
                Value::Null,
            ],
        )
        .expect("insert");
        assert_eq!(inserted.columns, vec!["n".to_string()]);
        assert_eq!(inserted.rows.len(), 1);
        let read = exec(&conn, &path, "SELECT k, v, n, r FROM t", vec![]).expect("select");
        assert_eq!(read.rows.len(), 1);
        assert!(
            matches!(&read.rows[0].values[..], [Value::Text(k), Value::Blob(v), Value::Integer(7), Value::Null] if k == "a" && v == &vec![1, 2])
        );
        let missing = exec(&conn, &path, "SELECT * FROM nope", vec![]).expect_err("no table");
        assert!(
            matches!(&missing, Error::Io(m) if m.contains("no such table")),
            "{missing:?}"
        );
        let attach =
            exec(&conn, &path, "ATTACH DATABASE '/tmp/x.db' AS x", vec![]).expect_err("attach");
        assert!(
            matches!(&attach, Error::Io(m) if m.contains("not authorized")),
            "{attach:?}"
        );
        exec(&conn, &path, "ATTACH DATABASE ':memory:' AS m", vec![]).expect("memory attach");
        let journal = exec(&conn, &path, "PRAGMA journal_mode", vec![]).expect("pragma");
        assert!(matches!(&journal.rows[0].values[0], Value::Text(m) if m == "wal"));
    }

    #[test]
    fn refuses_results_over_the_limit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db.sqlite");
        let conn = Mutex::new(None);
        let err = run(&path, &conn, "SELECT zeroblob(1000)", vec![], 500).expect_err("too big");
        assert!(
            matches!(&err, Error::Io(m) if m.contains("exceeds limit")),
            "{err:?}"
        );
    }
}
