//! The key-value store ("default"), through `wasi:keyvalue` 0.2.0-draft2,
//! which spin-sdk 5.2 binds (`spin_sdk::wit::wasi::keyvalue`).
//!
//! ## Concurrency
//! Records that requests race on change only through [`Store::update`]: a
//! guarded compare-and-swap loop on a versioned record. Each try opens a CAS
//! handle (`atomics::Cas::new`), reads the value it guards, decides, and
//! swaps in the new value with a version one higher; the swap fails if
//! anyone wrote the key since the handle was made, and the loop tries again
//! from a fresh read. The version makes every write's bytes new, so a store
//! that compares values (as recrules-host's does) can never confuse an old
//! state with a newer identical one (no ABA). Records written unversioned
//! (by another Lapp) can be used up with [`Store::swap`]: a swap from
//! exactly the bytes read.
//!
//! Every error is a [`StoreError`], a server fault the Lapps answer 503. A
//! Lapp opens a `Store<Failure>` (its own error type, made from a
//! [`StoreError`] by `From`), so its methods and the closures given to
//! [`Store::update`] answer that type and `?` needs no annotations.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use spin_sdk::wit::wasi::keyvalue::{atomics, store};
use thiserror::Error;

/// The store's label.
const LABEL: &str = "default";
/// How many times [`Store::update`] tries before giving up.
pub const MAX_TRIES: usize = 64;

/// Why the store could not do what was asked. Its text is the message the
/// Lapps put in their 503 answers.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The store itself failed while `doing` something (`read`, `write`,
    /// `delete`, `open the key-value store`).
    #[error("could not {doing} the key-value store: {detail}")]
    Store {
        /// What the Lapp was doing.
        doing: &'static str,
        /// The store's error, in words.
        detail: String,
    },
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

/// The opened store, answering errors of type `E`.
pub struct Store<E = StoreError> {
    bucket: store::Bucket,
    error: PhantomData<fn() -> E>,
}

impl<E: From<StoreError>> Store<E> {
    /// Opens the "default" store.
    pub fn open() -> Result<Self, E> {
        let bucket = store::open(LABEL).map_err(|e| failed("open the key-value store", &e))?;
        Ok(Self {
            bucket,
            error: PhantomData,
        })
    }

    /// Reads raw bytes.
    pub fn get_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, E> {
        Ok(self.bucket.get(key).map_err(|e| failed("read", &e))?)
    }

    /// Writes raw bytes (last writer wins).
    pub fn set_bytes(&self, key: &str, bytes: &[u8]) -> Result<(), E> {
        Ok(self
            .bucket
            .set(key, bytes)
            .map_err(|e| failed("write", &e))?)
    }

    /// Deletes a key (no error when absent).
    pub fn delete(&self, key: &str) -> Result<(), E> {
        Ok(self.bucket.delete(key).map_err(|e| failed("delete", &e))?)
    }

    /// Reads a plain JSON value.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, E> {
        Ok(self.get_bytes(key)?.map(|b| decode(key, &b)).transpose()?)
    }

    /// Writes a plain JSON value (last writer wins).
    pub fn set<T: Serialize>(&self, key: &str, value: &T) -> Result<(), E> {
        let bytes = serde_json::to_vec(value).map_err(|e| StoreError::Encode(e.to_string()))?;
        self.set_bytes(key, &bytes)
    }

    /// Reads a versioned record's value, as [`Store::update`] writes it.
    pub fn get_versioned<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, E> {
        Ok(self.get::<Versioned<T>>(key)?.map(|stored| stored.value))
    }

    /// Writes `new` at `key` only if it still holds exactly `expected`;
    /// answers whether it did.
    pub fn swap(&self, key: &str, expected: &[u8], new: &[u8]) -> Result<bool, E> {
        let cas = atomics::Cas::new(&self.bucket, key).map_err(|e| failed("read", &e))?;
        let current = cas.current().map_err(|e| failed("read", &e))?;
        if current.as_deref() != Some(expected) {
            return Ok(false);
        }
        match atomics::swap(cas, new) {
            Ok(()) => Ok(true),
            Err(atomics::CasError::CasFailed(_)) => Ok(false),
            Err(atomics::CasError::StoreError(e)) => Err(failed("write", &e).into()),
        }
    }

    /// Updates the versioned record at `key` atomically: `decide` gets the
    /// current value (`T::default()` when absent) and may be called again
    /// after a conflict, so it must be safe to repeat. After [`MAX_TRIES`] conflicts it gives up with
    /// [`StoreError::Busy`].
    pub fn update<T, R>(
        &self,
        key: &str,
        mut decide: impl FnMut(T) -> Result<Change<T, R>, E>,
    ) -> Result<R, E>
    where
        T: Serialize + DeserializeOwned + Default,
    {
        for _ in 0..MAX_TRIES {
            let cas = atomics::Cas::new(&self.bucket, key).map_err(|e| failed("read", &e))?;
            let current = cas.current().map_err(|e| failed("read", &e))?;
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
            let bytes = serde_json::to_vec(&next).map_err(|e| StoreError::Encode(e.to_string()))?;
            match atomics::swap(cas, &bytes) {
                Ok(()) => return Ok(answer),
                Err(atomics::CasError::CasFailed(_)) => continue,
                Err(atomics::CasError::StoreError(e)) => return Err(failed("write", &e).into()),
            }
        }
        Err(StoreError::Busy {
            key: key.to_owned(),
            tries: MAX_TRIES,
        }
        .into())
    }
}

/// Parses a stored JSON value; one that is not what the Lapps wrote is a
/// [`StoreError::Unreadable`].
pub fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Unreadable {
        key: key.to_owned(),
        detail: e.to_string(),
    })
}

/// A store error while `doing` something.
fn failed(doing: &'static str, e: &store::Error) -> StoreError {
    StoreError::Store {
        doing,
        detail: format!("{e:?}"),
    }
}
