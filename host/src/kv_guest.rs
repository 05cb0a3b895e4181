//! The key-value interfaces as the guest sees them, on top of [`KvStore`](crate::kv_store::KvStore):
//! `fermyon:spin/key-value@2.0.0` and `wasi:keyvalue/{store,atomics,batch}@0.2.0-draft2`.
//!
//! A component may open only the labels in its `key_value_stores`; any other
//! label answers `access-denied`, as Spin does.

use crate::bindings::fermyon::spin::key_value as spin_kv;
use crate::bindings::wasi::keyvalue::{atomics, batch, store as wasi_kv};
use crate::kv_store::Swap;
use crate::state::RequestState;
use wasmtime::component::Resource;

/// An open `fermyon:spin/key-value` store: its label.
pub struct SpinStore {
    label: String,
}

/// An open `wasi:keyvalue` bucket: its label.
pub struct Bucket {
    label: String,
}

/// A `wasi:keyvalue/atomics` compare-and-swap handle: the value read when it was made.
pub struct CasHandle {
    label: String,
    key: String,
    current: Option<Vec<u8>>,
}

impl RequestState {
    /// Whether the component may open store `label`.
    fn may_open(&self, label: &str) -> bool {
        self.grants.kv_labels.iter().any(|l| l == label)
    }

    fn spin_label(&self, store: &Resource<SpinStore>) -> wasmtime::Result<String> {
        Ok(self.table.get(store)?.label.clone())
    }

    fn bucket_label(&self, bucket: &Resource<Bucket>) -> wasmtime::Result<String> {
        Ok(self.table.get(bucket)?.label.clone())
    }
}

impl spin_kv::Host for RequestState {}

impl spin_kv::HostStore for RequestState {
    fn open(
        &mut self,
        label: String,
    ) -> wasmtime::Result<Result<Resource<SpinStore>, spin_kv::Error>> {
        if !self.may_open(&label) {
            return Ok(Err(spin_kv::Error::AccessDenied));
        }
        Ok(Ok(self.table.push(SpinStore { label })?))
    }

    fn get(
        &mut self,
        store: Resource<SpinStore>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, spin_kv::Error>> {
        let label = self.spin_label(&store)?;
        Ok(self
            .grants
            .kv
            .get(&label, &key)
            .map_err(spin_kv::Error::Other))
    }

    fn set(
        &mut self,
        store: Resource<SpinStore>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), spin_kv::Error>> {
        let label = self.spin_label(&store)?;
        Ok(self
            .grants
            .kv
            .set(&label, &key, &value)
            .map_err(spin_kv::Error::Other))
    }

    fn delete(
        &mut self,
        store: Resource<SpinStore>,
        key: String,
    ) -> wasmtime::Result<Result<(), spin_kv::Error>> {
        let label = self.spin_label(&store)?;
        Ok(self
            .grants
            .kv
            .delete(&label, &key)
            .map_err(spin_kv::Error::Other))
    }

    fn exists(
        &mut self,
        store: Resource<SpinStore>,
        key: String,
    ) -> wasmtime::Result<Result<bool, spin_kv::Error>> {
        let label = self.spin_label(&store)?;
        Ok(self
            .grants
            .kv
            .exists(&label, &key)
            .map_err(spin_kv::Error::Other))
    }

    fn get_keys(
        &mut self,
        store: Resource<SpinStore>,
    ) -> wasmtime::Result<Result<Vec<String>, spin_kv::Error>> {
        let label = self.spin_label(&store)?;
        Ok(self.grants.kv.keys(&label).map_err(spin_kv::Error::Other))
    }

    fn drop(&mut self, store: Resource<SpinStore>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        Ok(())
    }
}

impl wasi_kv::Host for RequestState {
    fn open(
        &mut self,
        identifier: String,
    ) -> wasmtime::Result<Result<Resource<Bucket>, wasi_kv::Error>> {
        if !self.may_open(&identifier) {
            return Ok(Err(wasi_kv::Error::AccessDenied));
        }
        Ok(Ok(self.table.push(Bucket { label: identifier })?))
    }
}

impl wasi_kv::HostBucket for RequestState {
    fn get(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, wasi_kv::Error>> {
        let label = self.bucket_label(&bucket)?;
        Ok(self
            .grants
            .kv
            .get(&label, &key)
            .map_err(wasi_kv::Error::Other))
    }

    fn set(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), wasi_kv::Error>> {
        let label = self.bucket_label(&bucket)?;
        Ok(self
            .grants
            .kv
            .set(&label, &key, &value)
            .map_err(wasi_kv::Error::Other))
    }

    fn delete(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> wasmtime::Result<Result<(), wasi_kv::Error>> {
        let label = self.bucket_label(&bucket)?;
        Ok(self
            .grants
            .kv
            .delete(&label, &key)
            .map_err(wasi_kv::Error::Other))
    }

    fn exists(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> wasmtime::Result<Result<bool, wasi_kv::Error>> {
        let label = self.bucket_label(&bucket)?;
        Ok(self
            .grants
            .kv
            .exists(&label, &key)
            .map_err(wasi_kv::Error::Other))
    }

    /// Answers every key at once (no cursor), as Spin does.
    fn list_keys(
        &mut self,
        bucket: Resource<Bucket>,
        cursor: Option<String>,
    ) -> wasmtime::Result<Result<wasi_kv::KeyResponse, wasi_kv::Error>> {
        if cursor.is_some() {
            return Ok(Err(wasi_kv::Error::Other(
                "list-keys returns all keys in one response; there is no cursor to continue from"
                    .into(),
            )));
        }
        let label = self.bucket_label(&bucket)?;
        Ok(self
            .grants
            .kv
            .keys(&label)
            .map(|keys| wasi_kv::KeyResponse { keys, cursor: None })
            .map_err(wasi_kv::Error::Other))
    }

    fn drop(&mut self, bucket: Resource<Bucket>) -> wasmtime::Result<()> {
        self.table.delete(bucket)?;
        Ok(())
    }
}

impl atomics::Host for RequestState {
    fn increment(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        delta: i64,
    ) -> wasmtime::Result<Result<i64, wasi_kv::Error>> {
        let label = self.bucket_label(&bucket)?;
        Ok(self
            .grants
            .kv
            .increment(&label, &key, delta)
            .map_err(wasi_kv::Error::Other))
    }

    fn swap(
        &mut self,
        cas: Resource<CasHandle>,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), atomics::CasError>> {
        let cas = self.table.delete(cas)?;
        match self
            .grants
            .kv
            .compare_and_swap(&cas.label, &cas.key, cas.current.as_deref(), &value)
        {
            Ok(Swap::Done) => Ok(Ok(())),
            Ok(Swap::Changed(now)) => {
                let fresh = self.table.push(CasHandle {
                    label: cas.label,
                    key: cas.key,
                    current: now,
                })?;
                Ok(Err(atomics::CasError::CasFailed(fresh)))
            }
            Err(e) => Ok(Err(atomics::CasError::StoreError(wasi_kv::Error::Other(e)))),
        }
    }
}

impl atomics::HostCas for RequestState {
    fn new(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> wasmtime::Result<Result<Resource<CasHandle>, wasi_kv::Error>> {
        let label = self.bucket_label(&bucket)?;
        let current = match self.grants.kv.get(&label, &key) {
            Ok(v) => v,
            Err(e) => return Ok(Err(wasi_kv::Error::Other(e))),
        };
        Ok(Ok(self.table.push(CasHandle {
            label,
            key,
            current,
        })?))
    }

    fn current(
        &mut self,
        cas: Resource<CasHandle>,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, wasi_kv::Error>> {
        Ok(Ok(self.table.get(&cas)?.current.clone()))
    }

    fn drop(&mut self, cas: Resource<CasHandle>) -> wasmtime::Result<()> {
        self.table.delete(cas)?;
        Ok(())
    }
}

impl batch::Host for RequestState {
    fn get_many(
        &mut self,
        bucket: Resource<Bucket>,
        keys: Vec<String>,
    ) -> wasmtime::Result<Result<Vec<(String, Option<Vec<u8>>)>, wasi_kv::Error>> {
        let label = self.bucket_label(&bucket)?;
        Ok(self
            .grants
            .kv
            .get_many(&label, &keys)
            .map(|values| keys.into_iter().zip(values).collect())
            .map_err(wasi_kv::Error::Other))
    }

    fn set_many(
        &mut self,
        bucket: Resource<Bucket>,
        key_values: Vec<(String, Vec<u8>)>,
    ) -> wasmtime::Result<Result<(), wasi_kv::Error>> {
        let label = self.bucket_label(&bucket)?;
        Ok(self
            .grants
            .kv
            .set_many(&label, &key_values)
            .map_err(wasi_kv::Error::Other))
    }

    fn delete_many(
        &mut self,
        bucket: Resource<Bucket>,
        keys: Vec<String>,
    ) -> wasmtime::Result<Result<(), wasi_kv::Error>> {
        let label = self.bucket_label(&bucket)?;
        Ok(self
            .grants
            .kv
            .delete_many(&label, &keys)
            .map_err(wasi_kv::Error::Other))
    }
}
