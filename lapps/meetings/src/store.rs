//! The key-value store ("default", shared with the OTP Lapp), through
//! `wasi:keyvalue` 0.2.0-draft2, which spin-sdk 5.2 binds.
//!
//! ## Concurrency
//! Records that requests race on (a lead's history, an upload's metadata, an
//! idempotency key, a Start's closing) change only through [`Store::update`]:
//! a compare-and-swap loop on a versioned record, as in the OTP Lapp. Each
//! try opens a CAS handle, reads the value it guards, decides, and swaps in
//! the new value with a version one higher; the swap fails if anyone wrote
//! the key since the handle was made, and the loop decides again from a
//! fresh read. OTP approvals, which the OTP Lapp writes unversioned, are used
//! up with [`Store::swap`]: a swap from exactly the bytes read.

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

    /// Reads raw bytes.
    pub fn get_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, Failure> {
        self.bucket.get(key).map_err(|e| unavailable("read", &e))
    }

    /// Writes raw bytes (last writer wins).
    pub fn set_bytes(&self, key: &str, bytes: &[u8]) -> Result<(), Failure> {
        self.bucket
            .set(key, bytes)
            .map_err(|e| unavailable("write", &e))
    }

    /// Deletes a key (no error when absent).
    pub fn delete(&self, key: &str) -> Result<(), Failure> {
        self.bucket
            .delete(key)
            .map_err(|e| unavailable("delete", &e))
    }

    /// Reads a plain JSON value.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Failure> {
        self.get_bytes(key)?.map(|b| decode(key, &b)).transpose()
    }

    /// Reads a versioned record's value, as [`Store::update`] writes it.
    pub fn get_versioned<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Failure> {
        Ok(self.get::<Versioned<T>>(key)?.map(|stored| stored.value))
    }

    /// Writes `new` at `key` only if it still holds exactly `expected`;
    /// answers whether it did.
    pub fn swap(&self, key: &str, expected: &[u8], new: &[u8]) -> Result<bool, Failure> {
        let cas = atomics::Cas::new(&self.bucket, key).map_err(|e| unavailable("read", &e))?;
        let current = cas.current().map_err(|e| unavailable("read", &e))?;
        if current.as_deref() != Some(expected) {
            return Ok(false);
        }
        match atomics::swap(cas, new) {
            Ok(()) => Ok(true),
            Err(atomics::CasError::CasFailed(_)) => Ok(false),
            Err(atomics::CasError::StoreError(e)) => Err(unavailable("write", &e)),
        }
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
                serde_json::to_vec(&next).map_err(|e| Failure::unavailable(e.to_string()))?;
            match atomics::swap(cas, &bytes) {
                Ok(()) => return Ok(answer),
                Err(atomics::CasError::CasFailed(_)) => continue,
                Err(atomics::CasError::StoreError(e)) => return Err(unavailable("write", &e)),
            }
        }
        Err(Failure::unavailable(format!(
            "`{key}` kept changing under {MAX_TRIES} tries"
        )))
    }
}

/// A stored value that is not what the Lapps wrote is a server fault.
pub fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, Failure> {
    serde_json::from_slice(bytes).map_err(|e| {
        Failure::unavailable(format!("the stored value of `{key}` is unreadable ({e})"))
    })
}

/// A store error as a 503.
fn unavailable(doing: &str, e: &store::Error) -> Failure {
    Failure::unavailable(format!("could not {doing} the key-value store: {e:?}"))
}
