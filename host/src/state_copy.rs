//! `recrules-host state copy --from <sqlite file> --to <postgres URL>`: moves
//! an installation's whole state (the `recrules_state` table of
//! [`recrules_sdk::state`]) from Spin's SQLite file to PostgreSQL.
//!
//! It creates the table in PostgreSQL if missing, then, inside one
//! PostgreSQL transaction that locks the table against writers, compares
//! every record: one already there with the same version and value counts
//! as `already there`; a key present in both with different data makes it
//! refuse, naming the first differing keys, and write nothing; the others
//! are inserted with their versions. Running it again is harmless.

use crate::pg_client::{error_chain, tls};
use recrules_sdk::state::{Dialect, Statement, TABLE};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Options of `state copy`.
#[derive(clap::Args)]
pub struct CopyArgs {
    /// The SQLite file holding the state (e.g. `.spin/sqlite_db.db`).
    #[arg(long)]
    from: PathBuf,
    /// The PostgreSQL URL to copy into, e.g.
    /// `postgres://user:password@host:5432/db` (TLS verified; add
    /// `?sslmode=disable` only for a loopback or private cluster without TLS).
    #[arg(long)]
    to: String,
}

/// How many keys differ before the message stops naming them.
const KEYS_SHOWN: usize = 5;

/// Why a copy did not happen.
#[derive(Debug, thiserror::Error)]
pub enum StateCopyError {
    /// The SQLite file does not exist.
    #[error("no SQLite file at {0}: pass the installation's `.spin/sqlite_db.db` with --from")]
    MissingFile(PathBuf),
    /// The SQLite file could not be read.
    #[error("cannot read the state from {path}: {source}")]
    SqliteRead {
        /// The file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The SQLite file has no state table.
    #[error("{0} has no `{TABLE}` table: it is not a recrules state file (or the Lapps never wrote to it)")]
    NoTable(PathBuf),
    /// A record's value is neither a blob nor text.
    #[error("record `{key}` in {path} has a value of SQLite type {kind}, not a blob")]
    BadValue {
        /// The file.
        path: PathBuf,
        /// The record's key.
        key: String,
        /// The value's type.
        kind: String,
    },
    /// The PostgreSQL URL does not parse.
    #[error("the PostgreSQL URL is not valid ({0}); expected postgres://user[:password]@host[:port]/database[?sslmode=disable]")]
    BadUrl(String),
    /// PostgreSQL could not be reached or refused the connection.
    #[error("cannot connect to PostgreSQL at {target}: {why}")]
    Connect {
        /// Host, port and database (never the password).
        target: String,
        /// Why.
        why: String,
    },
    /// A statement failed in PostgreSQL.
    #[error("PostgreSQL failed to {doing}: {why} (nothing was written)")]
    Postgres {
        /// What the copy was doing.
        doing: &'static str,
        /// The database's error.
        why: String,
    },
    /// Keys present in both databases with different data.
    #[error("{count} key(s) are in both databases with different versions or values, first: {}; nothing was written. Resolve them (e.g. delete the stale rows in PostgreSQL) and copy again", keys.join(", "))]
    Conflict {
        /// How many keys differ.
        count: usize,
        /// The first of them.
        keys: Vec<String>,
    },
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(String),
}

/// What a copy did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CopyReport {
    /// Records inserted into PostgreSQL.
    pub copied: usize,
    /// Records already in PostgreSQL with the same version and value.
    pub already_there: usize,
    /// Records only in PostgreSQL, left as they were.
    pub only_in_postgres: usize,
}

/// One record: version and value.
type Record = (i64, Vec<u8>);

/// Runs `state copy` and prints its counts on stdout.
pub fn run(args: CopyArgs) -> Result<(), StateCopyError> {
    let records = read_sqlite(&args.from)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StateCopyError::Runtime(e.to_string()))?;
    let (report, target) = runtime.block_on(copy_to_postgres(&records, &args.to))?;
    println!(
        "copied {}, already there {}, only in PostgreSQL {} (from {} to {target})",
        report.copied,
        report.already_there,
        report.only_in_postgres,
        args.from.display()
    );
    Ok(())
}

/// Every record of the SQLite file, by key.
fn read_sqlite(path: &Path) -> Result<Vec<(String, Record)>, StateCopyError> {
    if !path.is_file() {
        return Err(StateCopyError::MissingFile(path.to_owned()));
    }
    let read_err = |source| StateCopyError::SqliteRead {
        path: path.to_owned(),
        source,
    };
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(read_err)?;
    let mut stmt = match conn.prepare(Dialect::Sqlite.sql(Statement::All)) {
        Ok(s) => s,
        Err(e) if Dialect::Sqlite.is_missing_table(&e.to_string()) => {
            return Err(StateCopyError::NoTable(path.to_owned()))
        }
        Err(e) => return Err(read_err(e)),
    };
    let mut rows = stmt.query([]).map_err(read_err)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(read_err)? {
        let key: String = row.get(0).map_err(read_err)?;
        let version: i64 = row.get(1).map_err(read_err)?;
        let value = match row.get_ref(2).map_err(read_err)? {
            rusqlite::types::ValueRef::Blob(b) => b.to_vec(),
            rusqlite::types::ValueRef::Text(t) => t.to_vec(),
            other => {
                return Err(StateCopyError::BadValue {
                    path: path.to_owned(),
                    key,
                    kind: other.data_type().to_string(),
                })
            }
        };
        out.push((key, (version, value)));
    }
    Ok(out)
}

/// Host, port and database of a PostgreSQL config, for messages.
fn describe(config: &tokio_postgres::Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let host = match h {
                tokio_postgres::config::Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
            };
            let port = config
                .get_ports()
                .get(i)
                .or(config.get_ports().first())
                .copied()
                .unwrap_or(5432);
            format!("{host}:{port}")
        })
        .collect();
    format!(
        "postgres://{}/{}",
        hosts.join(","),
        config.get_dbname().unwrap_or("")
    )
}

/// Copies `records` into the PostgreSQL database at `url`, all or nothing.
async fn copy_to_postgres(
    records: &[(String, Record)],
    url: &str,
) -> Result<(CopyReport, String), StateCopyError> {
    let config: tokio_postgres::Config = url
        .parse()
        .map_err(|e: tokio_postgres::Error| StateCopyError::BadUrl(e.to_string()))?;
    let target = describe(&config);
    let connect_err = |why: String| StateCopyError::Connect {
        target: target.clone(),
        why,
    };
    let mut client = if config.get_ssl_mode() == tokio_postgres::config::SslMode::Disable {
        let (client, conn) = config
            .connect(tokio_postgres::NoTls)
            .await
            .map_err(|e| connect_err(error_chain(&e)))?;
        tokio::spawn(conn);
        client
    } else {
        let (client, conn) = config
            .connect(tls().map_err(connect_err)?)
            .await
            .map_err(|e| connect_err(error_chain(&e)))?;
        tokio::spawn(conn);
        client
    };
    let pg = |doing: &'static str| {
        move |e: tokio_postgres::Error| StateCopyError::Postgres {
            doing,
            why: db_message(&e),
        }
    };
    client
        .batch_execute(Dialect::Postgres.sql(Statement::CreateTable))
        .await
        .map_err(pg("create the state table"))?;
    let tx = client
        .transaction()
        .await
        .map_err(pg("begin a transaction"))?;
    // Writers wait until the copy commits; readers go on.
    tx.batch_execute(&format!("LOCK TABLE {TABLE} IN SHARE ROW EXCLUSIVE MODE"))
        .await
        .map_err(pg("lock the state table"))?;
    let existing: HashMap<String, Record> = tx
        .query(Dialect::Postgres.sql(Statement::All), &[])
        .await
        .map_err(pg("read the state table"))?
        .into_iter()
        .map(|row| {
            Ok((
                row.try_get::<_, String>(0)?,
                (row.try_get::<_, i64>(1)?, row.try_get::<_, Vec<u8>>(2)?),
            ))
        })
        .collect::<Result<_, tokio_postgres::Error>>()
        .map_err(pg("read the state table"))?;
    let plan = plan(records, &existing)?;
    let insert = format!("INSERT INTO {TABLE} (key, version, value) VALUES ($1, $2, $3)");
    let statement = tx
        .prepare(&insert)
        .await
        .map_err(pg("prepare the insert"))?;
    for (key, (version, value)) in &plan.to_copy {
        tx.execute(&statement, &[key, version, value])
            .await
            .map_err(pg("insert a record"))?;
    }
    tx.commit().await.map_err(pg("commit the copy"))?;
    Ok((plan.report, target))
}

/// What to copy, decided before anything is written.
struct Plan<'a> {
    to_copy: Vec<&'a (String, Record)>,
    report: CopyReport,
}

/// Compares the SQLite records with PostgreSQL's; refuses on any difference.
fn plan<'a>(
    records: &'a [(String, Record)],
    existing: &HashMap<String, Record>,
) -> Result<Plan<'a>, StateCopyError> {
    let mut report = CopyReport::default();
    let mut to_copy = Vec::new();
    let mut differing = Vec::new();
    for entry in records {
        match existing.get(&entry.0) {
            None => to_copy.push(entry),
            Some(there) if *there == entry.1 => report.already_there += 1,
            Some(_) => differing.push(entry.0.clone()),
        }
    }
    if !differing.is_empty() {
        let count = differing.len();
        differing.truncate(KEYS_SHOWN);
        return Err(StateCopyError::Conflict {
            count,
            keys: differing,
        });
    }
    report.copied = to_copy.len();
    report.only_in_postgres = existing.len() - report.already_there;
    Ok(Plan { to_copy, report })
}

/// A PostgreSQL error's message with its SQLSTATE code.
fn db_message(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => error_chain(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(key: &str, version: i64, value: &[u8]) -> (String, Record) {
        (key.to_owned(), (version, value.to_vec()))
    }

    #[test]
    fn plans_copies_and_refuses_conflicts() {
        let records = vec![rec("a", 1, b"x"), rec("b", 2, b"y")];
        let mut existing = HashMap::new();
        existing.insert("a".to_owned(), (1, b"x".to_vec()));
        existing.insert("z".to_owned(), (4, b"w".to_vec()));
        let p = plan(&records, &existing).expect("no conflict");
        assert_eq!(
            p.report,
            CopyReport {
                copied: 1,
                already_there: 1,
                only_in_postgres: 1
            }
        );
        existing.insert("b".to_owned(), (3, b"y".to_vec()));
        let err = plan(&records, &existing).err().expect("conflict");
        assert!(err.to_string().contains("first: b;"), "{err}");
    }

    #[test]
    fn describes_without_the_password() {
        let config: tokio_postgres::Config = "postgres://u:secret@db.example:6543/app"
            .parse()
            .expect("url");
        assert_eq!(describe(&config), "postgres://db.example:6543/app");
    }
}
