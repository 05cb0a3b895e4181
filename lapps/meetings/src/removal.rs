//! Removing a recording's bytes (retention, erasure), and the 410 Gone a
//! removed recording answers ([`recrules_sdk::lifecycle::removal`]).
//!
//! The metadata record is marked first, by compare-and-swap: from then on
//! the recording answers 410 and no one reads its chunks, which are deleted
//! next. A removal that dies between the two leaves chunks that the sweep
//! deletes (no committed recording reads them).

use recrules_lapp_support::store::Change;
use recrules_sdk::lifecycle::removal::Removal;
use recrules_sdk::otp::OrgId;
use recrules_sdk::upload::StoredUpload;

use crate::keys;
use crate::reply::{Failure, Store};

/// The answer of a recording whose bytes were removed: 410 `recording_removed`, with the removal.
pub fn gone(id: &str, removal: &Removal) -> Failure {
    Failure::new(410, "recording_removed", Some("id"), removal.explain(id)).with("removed", removal)
}

/// Marks recording `id` with what `mark` decides from its stored metadata
/// (the marked record, or `None` to leave it), then deletes its chunks;
/// answers the record as it was before, when this call marked it.
pub fn remove_bytes(
    store: &Store,
    org: &OrgId,
    id: &str,
    mut mark: impl FnMut(Option<&StoredUpload>) -> Option<StoredUpload>,
) -> Result<Option<StoredUpload>, Failure> {
    let marked = store.update(&keys::upload(org, id), |current: Option<StoredUpload>| {
        Ok(match mark(current.as_ref()) {
            Some(marked) => Change::Write(Some(marked), current),
            None => Change::Keep(None),
        })
    })?;
    if let Some(before) = &marked {
        delete_chunks(store, org, id, before)?;
    }
    Ok(marked)
}

/// Deletes the chunks of `upload`, stored under recording `id`.
pub fn delete_chunks(
    store: &Store,
    org: &OrgId,
    id: &str,
    upload: &StoredUpload,
) -> Result<(), Failure> {
    for index in 0..upload.chunks {
        store.delete(&keys::chunk(org, id, &upload.sha256, index))?;
    }
    Ok(())
}
