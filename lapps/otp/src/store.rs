//! The key-value store ("default"), through `wasi:keyvalue` 0.2.0-draft2,
//! which spin-sdk 5.2 binds (`spin_sdk::wit::wasi::keyvalue`).
//!
//! ## Concurrency
//! Counters and approvals change only through [`Store::update`]: a guarded
//! compare-and-swap loop on a versioned record. Each try opens a CAS handle
//! (`atomics::Cas::new`), reads the value it guards, decides, and swaps in
//! the new value with a version one higher; the swap fails if anyone wrote
//! the key since the handle was made, and the loop tries again from a fresh
//! read. The version makes every write's bytes new, so a store that compares
//! values (as recrules-host's does) can never confuse an old state with a
//! newer identical one (no ABA). So parallel verifies of one code give
//! exactly one `approved`, and no more than five `wrong_code` are counted.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use spin_sdk::wit::wasi::keyvalue::{atomics, store};

use crate::reply::Failure;

/// The store's label.
const LABEL: &str = "default";
/// How many times [`Store::update`] tries before answering 503.
const MAX_TRIES: usize = 64;

/// A record as stored: its value and a version raised by every write.
#[derive(Serialize, Deserialize)]
struct Versioned<T> {
    version: u64,
    value: T,
}

/// What an update decided.
pub enum Change<T, R> {
    /// Write `T`, then answer `R`.
    Write(T, R),
    /// Write nothing; answer `R`.
    Keep(R),
}

/// The opened store.
pub struct Store {
    bucket: store::Bucket,
}

impl Store {
    /// Opens the "default" store.
    pub fn open() -> Result<Self, Failure> {
        let bucket = store::open(LABEL).map_err(|e| unavailable("open the key-value store", &e))?;
        Ok(Self { bucket })
    }

    /// Reads a plain JSON value.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Failure> {
        let bytes = self.bucket.get(key).map_err(|e| unavailable("read", &e))?;
        bytes.map(|b| decode(key, &b)).transpose()
    }

    /// Writes a plain JSON value (last writer wins).
    pub fn set<T: Serialize>(&self, key: &str, value: &T) -> Result<(), Failure> {
        let bytes = serde_json::to_vec(value).map_err(|e| Failure::Unavailable(e.to_string()))?;
        self.bucket
            .set(key, &bytes)
            .map_err(|e| unavailable("write", &e))
    }

    /// Updates the versioned record at `key` atomically: `decide` gets the
    /// current value (`T::default()` when absent) and may be called again
    /// after a conflict, so it must be safe to repeat.
    pub fn update<T, R>(
        &self,
        key: &str,
        mut decide: impl FnMut(T) -> Result<Change<T, R>, Failure>,
    ) -> Result<R, Failure>
    where
        T: Serialize + DeserializeOwned + Default,
    {
        for _ in 0..MAX_TRIES {
            let cas = atomics::Cas::new(&self.bucket, key).map_err(|e| unavailable("read", &e))?;
            let current = cas.current().map_err(|e| unavailable("read", &e))?;
            let (version, value) = match current {
                Some(bytes) => {
                    let stored: Versioned<T> = decode(key, &bytes)?;
                    (stored.version, stored.value)
                }
                None => (0, T::default()),
            };
            let (value, answer) = match decide(value)? {
                Change::Keep(answer) => return Ok(answer),
                Change::Write(value, answer) => (value, answer),
            };
            let next = Versioned {
                version: version + 1,
                value,
            };
            let bytes =
                serde_json::to_vec(&next).map_err(|e| Failure::Unavailable(e.to_string()))?;
            match atomics::swap(cas, &bytes) {
                Ok(()) => return Ok(answer),
                Err(atomics::CasError::CasFailed(_)) => continue,
                Err(atomics::CasError::StoreError(e)) => return Err(unavailable("write", &e)),
            }
        }
        Err(Failure::Unavailable(format!(
            "`{key}` kept changing under {MAX_TRIES} tries"
        )))
    }
}

/// A stored value that is not what the Lapp wrote is a server fault.
fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, Failure> {
    serde_json::from_slice(bytes).map_err(|e| {
        Failure::Unavailable(format!("the stored value of `{key}` is unreadable ({e})"))
    })
}

/// A store error as a 503.
fn unavailable(doing: &str, e: &store::Error) -> Failure {
    Failure::Unavailable(format!("could not {doing} the key-value store: {e:?}"))
}
