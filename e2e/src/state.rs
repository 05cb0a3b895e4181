//! The database a test host keeps the Lapps' state in.
//!
//! By default each host has its own SQLite file (`sqlite_db.db` in its state
//! directory, served as Spin's database "default"). With
//! `RECRULES_E2E_STORE=postgres` each host gets a fresh PostgreSQL database
//! of its own, made on the server at `RECRULES_POSTGRES_URL` (`bash
//! scripts/postgres.sh start` prints it) and dropped with it; replicas share
//! one ([`StateDb::postgres`]). Tests read and write records straight into
//! it through [`StateDb::get`] and [`StateDb::put`], in the table of
//! [`recrules_sdk::state`].

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use recrules_sdk::state::{Dialect, Statement, TABLE};

/// The environment variable choosing the store of every test host.
pub const STORE_ENV: &str = "RECRULES_E2E_STORE";
/// The environment variable holding the test PostgreSQL server's URL.
pub const POSTGRES_ENV: &str = "RECRULES_POSTGRES_URL";

/// Where one host's (or one set of replicas') state lives.
pub enum StateDb {
    /// A SQLite file.
    Sqlite {
        /// The file.
        file: PathBuf,
    },
    /// A PostgreSQL database of this test's own.
    Postgres {
        /// The database's URL.
        url: String,
        /// Its name, dropped with it.
        name: String,
        /// The server's URL as given (its database is where `name` is made and dropped).
        server: String,
    },
}

impl StateDb {
    /// The store `RECRULES_E2E_STORE` names (`sqlite`, the default, or
    /// `postgres`) for a host whose state directory is `state_dir`.
    pub fn for_host(state_dir: &Path) -> StateDb {
        match std::env::var(STORE_ENV).as_deref() {
            Err(_) | Ok("") | Ok("sqlite") => StateDb::Sqlite {
                file: state_dir.join("sqlite_db.db"),
            },
            Ok("postgres") => StateDb::postgres(),
            Ok(other) => panic!("{STORE_ENV}={other}: use `sqlite` or `postgres`"),
        }
    }

    /// A fresh PostgreSQL database on the server at `RECRULES_POSTGRES_URL`.
    pub fn postgres() -> StateDb {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let server = std::env::var(POSTGRES_ENV).unwrap_or_else(|_| {
            panic!(
                "{POSTGRES_ENV} is not set: these tests need a real PostgreSQL; run `bash scripts/postgres.sh start` and export {POSTGRES_ENV} with the URL it prints"
            )
        });
        let name = format!(
            "e2e_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = connect(&server);
        // Two statements: CREATE DATABASE cannot run in the implicit
        // transaction of a multi-statement batch.
        for statement in [
            format!("DROP DATABASE IF EXISTS {name}"),
            format!("CREATE DATABASE {name}"),
        ] {
            admin
                .batch_execute(&statement)
                .unwrap_or_else(|e| panic!("{statement}: {e:?}"));
        }
        StateDb::Postgres {
            url: with_database(&server, &name),
            name,
            server,
        }
    }

    /// The Spin variables that point the Lapps at this database.
    pub fn variables(&self) -> Vec<(&'static str, String)> {
        match self {
            StateDb::Sqlite { .. } => vec![("state_store", "sqlite".to_owned())],
            StateDb::Postgres { url, .. } => vec![
                ("state_store", "postgres".to_owned()),
                ("postgres_url", url.clone()),
                ("postgres_origin", origin(url)),
            ],
        }
    }

    /// The value stored at `key`, if any.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        match self {
            StateDb::Sqlite { file } => sqlite(file)
                .query_row(Dialect::Sqlite.sql(Statement::Read), [key], |row| {
                    row.get::<_, Option<Vec<u8>>>(1)
                })
                .unwrap_or_else(|e| panic!("read `{key}` in {}: {e}", file.display())),
            StateDb::Postgres { url, .. } => connect(url)
                .query_one(Dialect::Postgres.sql(Statement::Read), &[&key])
                .and_then(|row| row.try_get::<_, Option<Vec<u8>>>(1))
                .unwrap_or_else(|e| panic!("read `{key}`: {e}")),
        }
    }

    /// Writes `value` at `key` (last writer wins), as the Lapps would.
    pub fn put(&self, key: &str, value: &[u8]) {
        self.ensure_table();
        match self {
            StateDb::Sqlite { file } => {
                sqlite(file)
                    .query_row(
                        Dialect::Sqlite.sql(Statement::Put),
                        (key, value),
                        |_| Ok(()),
                    )
                    .unwrap_or_else(|e| panic!("write `{key}`: {e}"));
            }
            StateDb::Postgres { url, .. } => {
                connect(url)
                    .execute(Dialect::Postgres.sql(Statement::Put), &[&key, &value])
                    .unwrap_or_else(|e| panic!("write `{key}`: {e}"));
            }
        }
    }

    /// How many keys start with `prefix`.
    pub fn count_prefix(&self, prefix: &str) -> i64 {
        let like = format!("{}%", prefix.replace('%', "\\%").replace('_', "\\_"));
        let sql = format!("SELECT COUNT(*) FROM {TABLE} WHERE key LIKE $1 ESCAPE '\\'");
        match self {
            StateDb::Sqlite { file } => sqlite(file)
                .query_row(&sql.replace("$1", "?1"), [like], |row| row.get(0))
                .unwrap_or_else(|e| panic!("count `{prefix}`: {e}")),
            StateDb::Postgres { url, .. } => connect(url)
                .query_one(&sql, &[&like])
                .and_then(|row| row.try_get(0))
                .unwrap_or_else(|e| panic!("count `{prefix}`: {e}")),
        }
    }

    /// Makes the table if no request has yet.
    fn ensure_table(&self) {
        match self {
            StateDb::Sqlite { file } => {
                if let Some(dir) = file.parent() {
                    std::fs::create_dir_all(dir).expect("create the state directory");
                }
                sqlite(file)
                    .execute(Dialect::Sqlite.sql(Statement::CreateTable), [])
                    .expect("create the state table");
            }
            StateDb::Postgres { url, .. } => {
                connect(url)
                    .batch_execute(Dialect::Postgres.sql(Statement::CreateTable))
                    .expect("create the state table");
            }
        }
    }
}

impl Drop for StateDb {
    fn drop(&mut self) {
        if let StateDb::Postgres { name, server, .. } = self {
            if let Ok(mut admin) = postgres::Client::connect(server, postgres::NoTls) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// A connection to the SQLite file, waiting as Spin's would when it is busy.
fn sqlite(file: &Path) -> rusqlite::Connection {
    let db =
        rusqlite::Connection::open(file).unwrap_or_else(|e| panic!("open {}: {e}", file.display()));
    db.busy_timeout(std::time::Duration::from_secs(5))
        .expect("set a busy timeout");
    db
}

/// A connection to the test server (no TLS: the test cluster has none).
fn connect(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("connect to PostgreSQL at {url}: {e}"))
}

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, ""), |(b, q)| (b, q));
    let authority_end = base
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| base[start..].find('/').map(|i| start + i))
        .unwrap_or(base.len());
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    format!("{}/{name}{query}", &base[..authority_end])
}

/// `postgres://host:port` of `url`, for `allowed_outbound_hosts`.
fn origin(url: &str) -> String {
    let config: postgres::Config = url.parse().expect("a PostgreSQL URL");
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(host)) => host.clone(),
        _ => "127.0.0.1".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("postgres://{host}:{port}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_database_and_origin() {
        let server = "postgres://recrules@127.0.0.1:55432/recrules?sslmode=disable";
        assert_eq!(
            with_database(server, "e2e_1_0"),
            "postgres://recrules@127.0.0.1:55432/e2e_1_0?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h:1", "x"), "postgres://u@h:1/x");
        assert_eq!(origin(server), "postgres://127.0.0.1:55432");
    }
}
