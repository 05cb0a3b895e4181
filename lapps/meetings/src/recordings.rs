//! `PUT /recordings/{id}` and `GET /recordings/{id}`: a recording's bytes,
//! uploaded once per id and hash (rule 17) and downloaded whole or by range.
//!
//! The bytes are stored in chunks of [`CHUNK_BYTES`] under keys holding the
//! id and the hash, then the metadata record is created by compare-and-swap:
//! it is the commit, so a reader never sees a partial upload, and of two
//! uploads racing on one id the first to commit wins (the same bytes: 200
//! for the second; other bytes: 409, and the loser deletes the chunks it
//! wrote). While it writes its chunks an upload keeps a mark
//! ([`keys::upload_mark`]); chunks that no committed record reads and no
//! live mark covers (an upload that died before its commit) are deleted by
//! the sweep ([`crate::sweep`]).
//!
//! A recording whose bytes were removed (retention, erasure:
//! [`crate::removal`]) answers 410 Gone, to downloads and to uploads of its id.

use recrules_lapp_support::store::Change;
use recrules_sdk::attachment::{content_type, UNKNOWN_CONTENT_TYPE};
use recrules_sdk::otp::OrgId;
use recrules_sdk::plan::is_valid_id;
use recrules_sdk::range::{parse_range, unsatisfied_content_range, RangeAnswer};
use recrules_sdk::upload::{
    against_stored, check_hash, check_request, chunk_count, sha256_hex, StoredUpload, UploadError,
    UploadVerdict, CHUNK_BYTES, SHA256_HEADER,
};
use serde_json::json;
use spin_sdk::http::{Request, Response};

use crate::keys;
use crate::removal::{delete_chunks, gone};
use crate::reply::{json, Failure, Store};
use crate::request::{header, now};
use crate::settings::retention_days;
use recrules_sdk::lifecycle::removal::{bytes_at, Bytes};

/// `PUT /recordings/{id}` with the raw bytes and `x-content-sha256`: 201
/// stored; 200 the same bytes were already stored (nothing written); 400
/// bad id, hash header or empty body; 409 the id holds other bytes; 413 over
/// 10 MB; 422 the bytes do not match the hash.
pub fn put(req: &Request, org: &OrgId, id: &str) -> Result<Response, Failure> {
    let bytes = req.body();
    let declared = header(req, SHA256_HEADER);
    check_request(id, declared, bytes.len() as u64).map_err(upload_failure)?;
    let declared = declared.unwrap_or_default();
    let actual = sha256_hex(bytes);
    check_hash(declared, &actual).map_err(upload_failure)?;
    let store = Store::open()?;
    let meta_key = keys::upload(org, id);
    let existing = store.get::<Option<StoredUpload>>(&meta_key)?.flatten();
    if let Some(removal) = existing.as_ref().and_then(|e| e.removed.as_ref()) {
        return Err(gone(id, removal));
    }
    if against_stored(id, &actual, existing.as_ref()).map_err(upload_failure)?
        == UploadVerdict::AlreadyStored
    {
        return Ok(answer(200, id, existing.as_ref(), false));
    }
    let head = &bytes[..bytes.len().min(64)];
    let record = StoredUpload {
        sha256: actual.clone(),
        size_bytes: bytes.len() as u64,
        chunks: chunk_count(bytes.len() as u64),
        stored_at: now()?,
        content_type: Some(content_type(head, header(req, "content-type"))),
        removed: None,
    };
    let mark = keys::upload_mark(org, id, &actual);
    store.set(&mark, &record.stored_at)?;
    for (index, chunk) in (0u32..).zip(bytes.chunks(CHUNK_BYTES)) {
        store.set_bytes(&keys::chunk(org, id, &actual, index), chunk)?;
    }
    let verdict = store.update(&meta_key, |current: Option<StoredUpload>| {
        Ok(match against_stored(id, &actual, current.as_ref()) {
            Ok(UploadVerdict::Store) => {
                Change::Write(Some(record.clone()), Ok(UploadVerdict::Store))
            }
            other => Change::Keep(other),
        })
    })?;
    if let Err(UploadError::Conflict { .. }) = &verdict {
        // Another upload of other bytes committed first: the chunks under this
        // hash are no one's (only a committed record's hash is ever read, and
        // that one is not this hash), so they go.
        let _ = delete_chunks(&store, org, id, &record);
    }
    // Committed or refused, the chunks no longer need the mark; one left
    // behind lapses (UPLOAD_MARK_TTL_S).
    let _ = store.delete(&mark);
    match verdict.map_err(upload_failure)? {
        UploadVerdict::Store => Ok(answer(201, id, Some(&record), true)),
        UploadVerdict::AlreadyStored => Ok(answer(200, id, Some(&record), false)),
    }
}

/// `GET /recordings/{id}`: 200 the bytes; with `Range: bytes=...`, 206 and
/// `Content-Range`; 416 when the range is unsatisfiable; 404 unknown id.
pub fn get(req: &Request, org: &OrgId, id: &str) -> Result<Response, Failure> {
    if !is_valid_id(id) {
        return Err(upload_failure(UploadError::BadId));
    }
    let store = Store::open()?;
    let meta = store
        .get::<Option<StoredUpload>>(&keys::upload(org, id))?
        .flatten()
        .ok_or_else(|| Failure::not_found("id", format!("no recording `{id}` was uploaded")))?;
    if let Bytes::Removed(removal) = bytes_at(&meta, retention_days(&store, org)?, now()?) {
        return Err(gone(id, &removal));
    }
    let length = meta.size_bytes;
    let (status, first, last) = match parse_range(header(req, "range"), length) {
        RangeAnswer::Whole => (200, 0, length - 1),
        RangeAnswer::Part(r) => (206, r.first, r.last),
        RangeAnswer::Unsatisfiable => {
            let mut answer = Failure::new(
                416,
                "range_not_satisfiable",
                Some("Range"),
                format!(
                    "the recording has {length} bytes; ask for a range that starts before its end"
                ),
            )
            .response();
            answer.set_header("content-range", unsatisfied_content_range(length));
            return Ok(answer);
        }
    };
    let body = read_range(&store, org, id, &meta, first, last)?;
    let mut builder = Response::builder();
    builder
        .status(status)
        .header(
            "content-type",
            meta.content_type.as_deref().unwrap_or(UNKNOWN_CONTENT_TYPE),
        )
        .header("accept-ranges", "bytes")
        .header(SHA256_HEADER, meta.sha256.as_str())
        .header("etag", format!("\"{}\"", meta.sha256));
    if status == 206 {
        builder.header("content-range", format!("bytes {first}-{last}/{length}"));
    }
    Ok(builder.body(body).build())
}

/// A stored recording's metadata and all its bytes; 404 naming `id` when
/// it was not uploaded, 410 when its bytes were removed.
pub fn stored(store: &Store, org: &OrgId, id: &str) -> Result<(StoredUpload, Vec<u8>), Failure> {
    let meta = store
        .get::<Option<StoredUpload>>(&keys::upload(org, id))?
        .flatten()
        .ok_or_else(|| Failure::not_found("id", format!("no recording `{id}` was uploaded")))?;
    if let Some(removal) = &meta.removed {
        return Err(gone(id, removal));
    }
    let bytes = match meta.size_bytes {
        0 => Vec::new(),
        size => read_range(store, org, id, &meta, 0, size - 1)?,
    };
    Ok((meta, bytes))
}

/// Reads bytes `first..=last` from the chunks that hold them.
fn read_range(
    store: &Store,
    org: &OrgId,
    id: &str,
    meta: &StoredUpload,
    first: u64,
    last: u64,
) -> Result<Vec<u8>, Failure> {
    let chunk = CHUNK_BYTES as u64;
    let mut out = Vec::with_capacity((last - first + 1) as usize);
    for index in (first / chunk)..=(last / chunk) {
        let index = u32::try_from(index).map_err(|e| Failure::unavailable(e.to_string()))?;
        let key = keys::chunk(org, id, &meta.sha256, index);
        let bytes = store.get_bytes(&key)?.ok_or_else(|| {
            Failure::unavailable(format!("chunk `{key}` of a stored recording is missing"))
        })?;
        let start = u64::from(index) * chunk;
        let from = first.saturating_sub(start) as usize;
        let to = ((last - start + 1) as usize).min(bytes.len());
        out.extend_from_slice(bytes.get(from..to).unwrap_or_default());
    }
    Ok(out)
}

/// The answer of a stored (or already stored) upload.
fn answer(status: u16, id: &str, meta: Option<&StoredUpload>, stored: bool) -> Response {
    json(
        status,
        &json!({
            "id": id,
            "sha256": meta.map(|m| m.sha256.as_str()),
            "size_bytes": meta.map(|m| m.size_bytes),
            "stored_at": meta.map(|m| m.stored_at),
            "stored_now": stored,
        }),
    )
}

/// An upload refused: 413 too large, 422 hash mismatch, 409 conflict, else 400.
fn upload_failure(e: UploadError) -> Failure {
    let (status, code) = match &e {
        UploadError::TooLarge { .. } => (413, "recording_too_large"),
        UploadError::HashMismatch { .. } => (422, "hash_mismatch"),
        UploadError::Conflict { .. } => (409, "recording_conflict"),
        UploadError::BadId | UploadError::BadHash | UploadError::Empty => (400, "bad_request"),
    };
    Failure::new(status, code, Some(e.field()), e.to_string())
}
