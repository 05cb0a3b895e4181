//! The Lapps' state: one SQL table of keyed, versioned records, in Spin's
//! SQLite database "default" or in PostgreSQL.
//!
//! ## Which database
//! The Spin variable `state_store` chooses (see `spin.toml`):
//! - `sqlite` (the default, and what a component that declares no such
//!   variable gets): `fermyon:spin/sqlite@2.0.0`, database "default", which
//!   `spin up` serves with no configuration (`sqlite_databases =
//!   ["default"]`). One machine.
//! - `postgres`: `spin:postgres/postgres@4.0.0` at the address in the secret
//!   variable `postgres_url` (its `postgres://host:port` listed in
//!   `allowed_outbound_hosts`). Any number of replicas on one database.
//!
//! ## Concurrency
//! Records that requests race on change only through [`Store::update`] and
//! [`Store::swap`], and every write they make is one statement that the
//! database makes atomic on its own ([`recrules_sdk::state`]): a record is
//! created by `INSERT … ON CONFLICT DO NOTHING`, changed by `UPDATE … WHERE
//! key = … AND version = …` and removed by `DELETE … WHERE key = … AND
//! version = …`. A statement that finds the record changed since it was read
//! touches no row, and the update reads again and decides again. No
//! transaction is held across calls: under Spin every `open` is a connection
//! of its own, and a transaction held while the component works would hold
//! the database's locks for that long.
//!
//! The table is made on first use: a statement that finds it missing makes
//! it (`CREATE TABLE IF NOT EXISTS`) and runs once more.
//!
//! Every error is a [`StoreError`], a server fault the Lapps answer 503. A
//! Lapp opens a `Store<Failure>` (its own error type, made from a
//! [`StoreError`] by `From`), so its methods and the closures given to
//! [`Store::update`] answer that type and `?` needs no annotations.

use std::marker::PhantomData;

use recrules_sdk::state::{Dialect, Statement};
use serde::de::DeserializeOwned;
use serde::Serialize;
use spin_sdk::sqlite;
use spin_sdk::wit::pg4;
use thiserror::Error;

/// The Spin variable that chooses the database: `sqlite` or `postgres`.
pub const STORE_VARIABLE: &str = "state_store";
/// The Spin variable holding the PostgreSQL address (`state_store = postgres`).
pub const POSTGRES_URL_VARIABLE: &str = "postgres_url";
/// The SQLite database the Lapps use.
const SQLITE_DATABASE: &str = "default";
/// How many times [`Store::update`] tries before giving up.
pub const MAX_TRIES: usize = 64;

/// Why the store could not do what was asked. Its text is the message the
/// Lapps put in their 503 answers.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database failed while the Lapp was `doing` something (`read`,
    /// `write`, `delete`, `open the SQLite database "default"`, ...).
    #[error("could not {doing}: {detail}")]
    Store {
        /// What the Lapp was doing.
        doing: &'static str,
        /// The database's error, in words.
        detail: String,
    },
    /// The variables choosing the database say something unusable.
    #[error("the state store is misconfigured: {0}")]
    Config(String),
    /// A stored value is not what the Lapps wrote.
    #[error("the stored value of `{key}` is unreadable ({detail})")]
    Unreadable {
        /// The key read.
        key: String,
        /// Why it does not parse.
        detail: String,
    },
    /// A value could not be written as JSON.
    #[error("{0}")]
    Encode(String),
    /// The record kept changing under every try of [`Store::update`].
    #[error("`{key}` kept changing under {tries} tries")]
    Busy {
        /// The key updated.
        key: String,
        /// How many times it was tried.
        tries: usize,
    },
}

/// What an update decided.
pub enum Change<T, R> {
    /// Write `T`, then answer `R`.
    Write(T, R),
    /// Remove the record (if there is one), then answer `R`.
    Remove(R),
    /// Write nothing; answer `R`.
    Keep(R),
}

/// A parameter of a statement, in the form both databases take.
enum Param<'a> {
    Text(&'a str),
    Integer(i64),
    Bytes(&'a [u8]),
}

/// An open connection to the database that holds the state.
enum Connection {
    Sqlite(sqlite::Connection),
    Postgres(pg4::Connection),
}

/// The opened store, answering errors of type `E`.
pub struct Store<E = StoreError> {
    connection: Connection,
    error: PhantomData<fn() -> E>,
}

impl<E: From<StoreError>> Store<E> {
    /// Opens the database that `state_store` names.
    pub fn open() -> Result<Self, E> {
        let connection = match chosen_store()?.as_str() {
            "" | "sqlite" => Connection::Sqlite(
                sqlite::Connection::open(SQLITE_DATABASE)
                    .map_err(|e| failed("open the SQLite database \"default\"", &e))?,
            ),
            "postgres" => {
                let url = spin_sdk::variables::get(POSTGRES_URL_VARIABLE).unwrap_or_default();
                if url.trim().is_empty() {
                    return Err(StoreError::Config(format!(
                        "`{STORE_VARIABLE}` is `postgres` but `{POSTGRES_URL_VARIABLE}` is empty: set it to the database's address, e.g. postgres://user:password@db.internal:5432/recrules"
                    ))
                    .into());
                }
                Connection::Postgres(
                    pg4::Connection::open(url.trim())
                        .map_err(|e| failed("connect to PostgreSQL", &e))?,
                )
            }
            other => {
                return Err(StoreError::Config(format!(
                    "`{STORE_VARIABLE}` is `{other}`: use `sqlite` (one machine) or `postgres` (replicas)"
                ))
                .into())
            }
        };
        Ok(Self {
            connection,
            error: PhantomData,
        })
    }

    /// Reads raw bytes.
    pub fn get_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, E> {
        Ok(self.read(key)?.map(|(_, value)| value))
    }

    /// Writes raw bytes (last writer wins).
    pub fn set_bytes(&self, key: &str, bytes: &[u8]) -> Result<(), E> {
        self.write(
            "write",
            Statement::Put,
            &[Param::Text(key), Param::Bytes(bytes)],
        )?;
        Ok(())
    }

    /// Deletes a key (no error when absent).
    pub fn delete(&self, key: &str) -> Result<(), E> {
        self.write("delete", Statement::Delete, &[Param::Text(key)])?;
        Ok(())
    }

    /// Reads a JSON value.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, E> {
        Ok(self.get_bytes(key)?.map(|b| decode(key, &b)).transpose()?)
    }

    /// Writes a JSON value (last writer wins).
    pub fn set<T: Serialize>(&self, key: &str, value: &T) -> Result<(), E> {
        self.set_bytes(key, &encode(value)?)
    }

    /// Writes `new` at `key` only if it still holds exactly `expected`;
    /// answers whether it did.
    pub fn swap(&self, key: &str, expected: &[u8], new: &[u8]) -> Result<bool, E> {
        let params = [Param::Text(key), Param::Bytes(expected), Param::Bytes(new)];
        Ok(self.write("write", Statement::Swap, &params)? == 1)
    }

    /// Updates the record at `key` atomically: `decide` gets the current
    /// value (`T::default()` when absent) and may be called again after a
    /// conflict, so it must be safe to repeat. After [`MAX_TRIES`] conflicts
    /// it gives up with [`StoreError::Busy`].
    pub fn update<T, R>(
        &self,
        key: &str,
        mut decide: impl FnMut(T) -> Result<Change<T, R>, E>,
    ) -> Result<R, E>
    where
        T: Serialize + DeserializeOwned + Default,
    {
        for _ in 0..MAX_TRIES {
            let (version, value) = match self.read(key)? {
                Some((version, bytes)) => (Some(version), decode(key, &bytes)?),
                None => (None, T::default()),
            };
            let done = match (decide(value)?, version) {
                (Change::Keep(answer), _) | (Change::Remove(answer), None) => return Ok(answer),
                (Change::Write(value, answer), None) => {
                    let params = [Param::Text(key), Param::Bytes(&encode(&value)?)];
                    (
                        self.write("write", Statement::Insert, &params)? == 1,
                        answer,
                    )
                }
                (Change::Write(value, answer), Some(version)) => {
                    let bytes = encode(&value)?;
                    let params = [
                        Param::Text(key),
                        Param::Integer(version),
                        Param::Bytes(&bytes),
                    ];
                    (
                        self.write("write", Statement::Update, &params)? == 1,
                        answer,
                    )
                }
                (Change::Remove(answer), Some(version)) => {
                    let params = [Param::Text(key), Param::Integer(version)];
                    (
                        self.write("delete", Statement::Remove, &params)? == 1,
                        answer,
                    )
                }
            };
            if let (true, answer) = done {
                return Ok(answer);
            }
        }
        Err(StoreError::Busy {
            key: key.to_owned(),
            tries: MAX_TRIES,
        }
        .into())
    }

    /// Reads the record at `key` with its version (for [`Store::remove_at`]).
    pub fn get_versioned(&self, key: &str) -> Result<Option<(i64, Vec<u8>)>, E> {
        Ok(self.read(key)?)
    }

    /// Removes the record at `key` only if it is still at `version`; answers whether it did.
    pub fn remove_at(&self, key: &str, version: i64) -> Result<bool, E> {
        let params = [Param::Text(key), Param::Integer(version)];
        Ok(self.write("delete", Statement::Remove, &params)? == 1)
    }

    /// The keys after `after` that start with `prefix`, in key order, at
    /// most `limit`, each with its version: a page of a walk over records.
    pub fn scan(&self, prefix: &str, after: &str, limit: u32) -> Result<Vec<(String, i64)>, E> {
        let params = [
            Param::Text(after),
            Param::Text(prefix),
            Param::Integer(i64::from(limit)),
        ];
        let bad = || StoreError::Unreadable {
            key: prefix.to_owned(),
            detail: "a row scanned is not (key, version)".to_owned(),
        };
        let mut keys = Vec::new();
        match &self.connection {
            Connection::Sqlite(db) => {
                let result = self.retrying_missing_table(|| {
                    db.execute(
                        Dialect::Sqlite.sql(Statement::Scan),
                        &sqlite_params(&params),
                    )
                    .map_err(|e| failed("scan", &e))
                })?;
                for row in &result.rows {
                    match row.values.as_slice() {
                        [sqlite::Value::Null, sqlite::Value::Null] => {}
                        [sqlite::Value::Text(key), sqlite::Value::Integer(version)] => {
                            keys.push((key.clone(), *version))
                        }
                        _ => return Err(bad().into()),
                    }
                }
            }
            Connection::Postgres(db) => {
                let result = self.retrying_missing_table(|| {
                    db.query(
                        Dialect::Postgres.sql(Statement::Scan),
                        &postgres_params(&params),
                    )
                    .map_err(|e| failed("scan", &e))
                })?;
                for row in &result.rows {
                    match row.as_slice() {
                        [pg4::DbValue::DbNull, pg4::DbValue::DbNull] => {}
                        [pg4::DbValue::Str(key), pg4::DbValue::Int64(version)] => {
                            keys.push((key.clone(), *version))
                        }
                        _ => return Err(bad().into()),
                    }
                }
            }
        }
        Ok(keys)
    }

    /// How many keys after `after` start with `prefix`.
    pub fn count(&self, prefix: &str, after: &str) -> Result<u64, E> {
        let params = [Param::Text(after), Param::Text(prefix)];
        let bad = || StoreError::Unreadable {
            key: prefix.to_owned(),
            detail: "the count is not a number".to_owned(),
        };
        let count = match &self.connection {
            Connection::Sqlite(db) => {
                let result = self.retrying_missing_table(|| {
                    db.execute(
                        Dialect::Sqlite.sql(Statement::Count),
                        &sqlite_params(&params),
                    )
                    .map_err(|e| failed("count", &e))
                })?;
                match result.rows.first().map(|row| row.values.as_slice()) {
                    Some([sqlite::Value::Integer(n)]) => *n,
                    _ => return Err(bad().into()),
                }
            }
            Connection::Postgres(db) => {
                let result = self.retrying_missing_table(|| {
                    db.query(
                        Dialect::Postgres.sql(Statement::Count),
                        &postgres_params(&params),
                    )
                    .map_err(|e| failed("count", &e))
                })?;
                match result.rows.first().map(Vec::as_slice) {
                    Some([pg4::DbValue::Int64(n)]) => *n,
                    _ => return Err(bad().into()),
                }
            }
        };
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Reads the record at `key`: its version and value, if it exists.
    fn read(&self, key: &str) -> Result<Option<(i64, Vec<u8>)>, StoreError> {
        let params = [Param::Text(key)];
        let unreadable = |detail: &str| StoreError::Unreadable {
            key: key.to_owned(),
            detail: detail.to_owned(),
        };
        match &self.connection {
            Connection::Sqlite(db) => {
                let result = self.retrying_missing_table(|| {
                    db.execute(
                        Dialect::Sqlite.sql(Statement::Read),
                        &sqlite_params(&params),
                    )
                    .map_err(|e| failed("read", &e))
                })?;
                match result.rows.first().map(|row| row.values.as_slice()) {
                    Some([sqlite::Value::Null, sqlite::Value::Null]) => Ok(None),
                    Some([sqlite::Value::Integer(version), sqlite::Value::Blob(value)]) => {
                        Ok(Some((*version, value.clone())))
                    }
                    _ => Err(unreadable("the row read is not (version, bytes)")),
                }
            }
            Connection::Postgres(db) => {
                let result = self.retrying_missing_table(|| {
                    db.query(
                        Dialect::Postgres.sql(Statement::Read),
                        &postgres_params(&params),
                    )
                    .map_err(|e| failed("read", &e))
                })?;
                match result.rows.first().map(Vec::as_slice) {
                    Some([pg4::DbValue::DbNull, pg4::DbValue::DbNull]) => Ok(None),
                    Some([pg4::DbValue::Int64(version), pg4::DbValue::Binary(value)]) => {
                        Ok(Some((*version, value.clone())))
                    }
                    _ => Err(unreadable("the row read is not (version, bytes)")),
                }
            }
        }
    }

    /// Runs a write statement and answers how many rows it touched.
    fn write(
        &self,
        doing: &'static str,
        statement: Statement,
        params: &[Param<'_>],
    ) -> Result<u64, StoreError> {
        match &self.connection {
            Connection::Sqlite(db) => self.retrying_missing_table(|| {
                db.execute(Dialect::Sqlite.sql(statement), &sqlite_params(params))
                    .map(|result| result.rows.len() as u64)
                    .map_err(|e| failed(doing, &e))
            }),
            Connection::Postgres(db) => self.retrying_missing_table(|| {
                db.execute(Dialect::Postgres.sql(statement), &postgres_params(params))
                    .map_err(|e| failed(doing, &e))
            }),
        }
    }

    /// Runs `run`; when the database says the table is missing, makes it and
    /// runs `run` once more.
    fn retrying_missing_table<T>(
        &self,
        mut run: impl FnMut() -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match run() {
            Err(StoreError::Store { detail, .. }) if self.dialect().is_missing_table(&detail) => {
                self.create_table()?;
                run()
            }
            answer => answer,
        }
    }

    /// Makes the table. Two requests may race to do so: PostgreSQL can then
    /// refuse one (a unique violation in its catalogue), whose statement
    /// finds the table when it runs again, so that refusal is not an error.
    fn create_table(&self) -> Result<(), StoreError> {
        let sql = self.dialect().sql(Statement::CreateTable);
        match &self.connection {
            Connection::Sqlite(db) => db
                .execute(sql, &[])
                .map(drop)
                .map_err(|e| failed("create the state table", &e)),
            Connection::Postgres(db) => {
                let _ = db.execute(sql, &[]);
                Ok(())
            }
        }
    }

    fn dialect(&self) -> Dialect {
        match self.connection {
            Connection::Sqlite(_) => Dialect::Sqlite,
            Connection::Postgres(_) => Dialect::Postgres,
        }
    }
}

/// The value of `state_store`; a component that does not declare it gets
/// the embedded default.
fn chosen_store() -> Result<String, StoreError> {
    match spin_sdk::variables::get(STORE_VARIABLE) {
        Ok(value) => Ok(value.trim().to_ascii_lowercase()),
        Err(spin_sdk::variables::Error::Undefined(_)) => Ok(String::new()),
        Err(e) => Err(StoreError::Config(format!(
            "`{STORE_VARIABLE}` cannot be read: {e}"
        ))),
    }
}

fn sqlite_params(params: &[Param<'_>]) -> Vec<sqlite::Value> {
    params
        .iter()
        .map(|param| match param {
            Param::Text(text) => sqlite::Value::Text((*text).to_owned()),
            Param::Integer(n) => sqlite::Value::Integer(*n),
            Param::Bytes(bytes) => sqlite::Value::Blob(bytes.to_vec()),
        })
        .collect()
}

fn postgres_params(params: &[Param<'_>]) -> Vec<pg4::ParameterValue> {
    params
        .iter()
        .map(|param| match param {
            Param::Text(text) => pg4::ParameterValue::Str((*text).to_owned()),
            Param::Integer(n) => pg4::ParameterValue::Int64(*n),
            Param::Bytes(bytes) => pg4::ParameterValue::Binary(bytes.to_vec()),
        })
        .collect()
}

/// Parses a stored JSON value; one that is not what the Lapps wrote is a
/// [`StoreError::Unreadable`].
pub fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Unreadable {
        key: key.to_owned(),
        detail: e.to_string(),
    })
}

/// A value as stored: its JSON.
fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError::Encode(e.to_string()))
}

/// A database error while `doing` something. PostgreSQL's errors keep their
/// SQLSTATE code in the text, which [`Dialect::is_missing_table`] reads.
fn failed(doing: &'static str, e: &impl std::fmt::Debug) -> StoreError {
    StoreError::Store {
        doing,
        detail: format!("{e:?}"),
    }
}
