//! The key-value store: one embedded SQLite file (`.spin/sqlite_key_value.db`).
//!
//! The table has the same shape as Spin's own SQLite key-value store
//! (`spin_key_value(store, key, value)`, counters as 8-byte little-endian
//! integers), so the data carries over to `spin up`. The database runs in
//! WAL mode; every write is a transaction (`BEGIN IMMEDIATE`), and the
//! read-modify-write operations (increment, compare-and-swap) read and write
//! in one transaction, so they are atomic also against other processes.

use crate::error::HostError;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// An error from the store, as text for the guest's `other(string)` error case.
pub type KvResult<T> = Result<T, String>;

/// The shared key-value database.
#[derive(Clone)]
pub struct KvStore {
    conn: Arc<Mutex<Connection>>,
}

/// Outcome of a compare-and-swap.
#[derive(Debug, PartialEq, Eq)]
pub enum Swap {
    /// The value was as expected and is now replaced.
    Done,
    /// Another writer changed the value; this is the value now stored.
    Changed(Option<Vec<u8>>),
}

impl KvStore {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<KvStore, HostError> {
        let err = |source| HostError::KeyValueOpen {
            path: path.to_owned(),
            source,
        };
        let conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS spin_key_value (
                store TEXT NOT NULL,
                key   TEXT NOT NULL,
                value BLOB NOT NULL,
                PRIMARY KEY (store, key)
            )",
        )
        .map_err(err)?;
        Ok(KvStore {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` on the connection; a poisoned lock is reported, not propagated as a panic.
    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> KvResult<T> {
        let mut conn = self
            .conn
            .lock()
            .map_err(|_| "key-value store lock poisoned by an earlier failure".to_string())?;
        f(&mut conn).map_err(|e| format!("key-value store: {e}"))
    }

    /// Runs `f` in a write transaction, committed if `f` succeeds.
    fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> KvResult<T> {
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
    }

    /// The value of `key` in `store`.
    pub fn get(&self, store: &str, key: &str) -> KvResult<Option<Vec<u8>>> {
        self.with(|c| read(c, store, key))
    }

    /// Sets `key` in `store` to `value`.
    pub fn set(&self, store: &str, key: &str, value: &[u8]) -> KvResult<()> {
        self.write(|tx| put(tx, store, key, value))
    }

    /// Deletes `key` from `store` (no error if absent).
    pub fn delete(&self, store: &str, key: &str) -> KvResult<()> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2",
                params![store, key],
            )
            .map(drop)
        })
    }

    /// Whether `key` exists in `store`.
    pub fn exists(&self, store: &str, key: &str) -> KvResult<bool> {
        self.with(|c| {
            c.prepare_cached("SELECT 1 FROM spin_key_value WHERE store = ?1 AND key = ?2")?
                .exists(params![store, key])
        })
    }

    /// All keys of `store`, sorted.
    pub fn keys(&self, store: &str) -> KvResult<Vec<String>> {
        self.with(|c| {
            let mut stmt =
                c.prepare_cached("SELECT key FROM spin_key_value WHERE store = ?1 ORDER BY key")?;
            let rows = stmt.query_map(params![store], |row| row.get(0))?;
            rows.collect()
        })
    }

    /// Values of `keys` in `store`, in the order asked.
    pub fn get_many(&self, store: &str, keys: &[String]) -> KvResult<Vec<Option<Vec<u8>>>> {
        self.with(|c| keys.iter().map(|k| read(c, store, k)).collect())
    }

    /// Sets every pair in one transaction.
    pub fn set_many(&self, store: &str, pairs: &[(String, Vec<u8>)]) -> KvResult<()> {
        self.write(|tx| pairs.iter().try_for_each(|(k, v)| put(tx, store, k, v)))
    }

    /// Deletes every key in one transaction.
    pub fn delete_many(&self, store: &str, keys: &[String]) -> KvResult<()> {
        self.write(|tx| {
            keys.iter().try_for_each(|k| {
                tx.execute(
                    "DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2",
                    params![store, k],
                )
                .map(drop)
            })
        })
    }

    /// Adds `delta` to the counter at `key` (absent counts as 0) and returns the new value.
    ///
    /// A counter is stored as 8 bytes, little-endian, as Spin stores it.
    pub fn increment(&self, store: &str, key: &str, delta: i64) -> KvResult<i64> {
        let outcome = self.write(|tx| {
            let current = match read(tx, store, key)? {
                None => 0,
                Some(bytes) => match <[u8; 8]>::try_from(bytes.as_slice()) {
                    Ok(b) => i64::from_le_bytes(b),
                    Err(_) => return Ok(Err(format!(
                        "key `{key}` holds {} bytes, not an 8-byte little-endian counter written by increment",
                        bytes.len()
                    ))),
                },
            };
            let Some(next) = current.checked_add(delta) else {
                return Ok(Err(format!(
                    "incrementing key `{key}` ({current}) by {delta} overflows a signed 64-bit counter"
                )));
            };
            put(tx, store, key, &next.to_le_bytes())?;
            Ok(Ok(next))
        })?;
        outcome
    }

    /// Writes `value` at `key` if the stored value still equals `expected` (`None`: absent).
    pub fn compare_and_swap(
        &self,
        store: &str,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
    ) -> KvResult<Swap> {
        self.write(|tx| {
            let now = read(tx, store, key)?;
            if now.as_deref() != expected {
                return Ok(Swap::Changed(now));
            }
            put(tx, store, key, value)?;
            Ok(Swap::Done)
        })
    }
}

/// Reads one value.
fn read(c: &Connection, store: &str, key: &str) -> rusqlite::Result<Option<Vec<u8>>> {
    c.prepare_cached("SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2")?
        .query_row(params![store, key], |row| row.get(0))
        .optional()
}

/// Writes one value.
fn put(c: &Connection, store: &str, key: &str, value: &[u8]) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (store, key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![store, key, value])
    .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, KvStore) {
        let dir = tempfile::tempdir().expect("tempdir");
        let kv = KvStore::open(&dir.path().join("kv.db")).expect("open");
        (dir, kv)
    }

    #[test]
    fn crud_and_batches() {
        let (_dir, kv) = store();
        assert_eq!(kv.get("default", "a"), Ok(None));
        kv.set("default", "a", b"1").expect("set");
        kv.set_many(
            "default",
            &[("b".into(), b"2".to_vec()), ("c".into(), b"3".to_vec())],
        )
        .expect("set_many");
        assert_eq!(kv.get("default", "a"), Ok(Some(b"1".to_vec())));
        assert_eq!(kv.exists("default", "b"), Ok(true));
        assert_eq!(kv.exists("other", "b"), Ok(false));
        assert_eq!(
            kv.keys("default"),
            Ok(vec!["a".into(), "b".into(), "c".into()])
        );
        kv.delete_many("default", &["a".into(), "zz".into()])
            .expect("delete_many");
        kv.delete("default", "b").expect("delete");
        assert_eq!(
            kv.get_many("default", &["b".into(), "c".into()]),
            Ok(vec![None, Some(b"3".to_vec())])
        );
    }

    #[test]
    fn increment_is_atomic_across_threads() {
        let (_dir, kv) = store();
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let kv = kv.clone();
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        kv.increment("default", "n", 1).expect("increment");
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("thread");
        }
        assert_eq!(kv.increment("default", "n", 0), Ok(200));
        kv.set("default", "text", b"abc").expect("set");
        assert!(kv.increment("default", "text", 1).is_err());
        kv.set("default", "max", &i64::MAX.to_le_bytes())
            .expect("set");
        assert!(kv.increment("default", "max", 1).is_err());
    }

    #[test]
    fn compare_and_swap_detects_interlopers() {
        let (_dir, kv) = store();
        assert_eq!(
            kv.compare_and_swap("default", "k", None, b"1"),
            Ok(Swap::Done)
        );
        assert_eq!(
            kv.compare_and_swap("default", "k", None, b"2"),
            Ok(Swap::Changed(Some(b"1".to_vec())))
        );
        assert_eq!(
            kv.compare_and_swap("default", "k", Some(b"1"), b"2"),
            Ok(Swap::Done)
        );
        assert_eq!(kv.get("default", "k"), Ok(Some(b"2".to_vec())));
    }

    #[test]
    fn data_survives_reopening() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("kv.db");
        KvStore::open(&path)
            .expect("open")
            .set("default", "k", b"v")
            .expect("set");
        let again = KvStore::open(&path).expect("reopen");
        assert_eq!(again.get("default", "k"), Ok(Some(b"v".to_vec())));
    }
}
