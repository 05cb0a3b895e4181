//! Recording uploads (rule 17): the checks of one upload, what a repeated
//! upload of an id means, how the bytes are cut into stored chunks, and
//! whether an End activity's recordings are the ones uploaded.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::limits::MAX_RECORDING_BYTES;
use crate::plan::{is_sha256_hex, is_valid_id, RecordingMeta};
use crate::time::Instant;

/// The request header carrying the SHA-256 of an upload's bytes.
pub const SHA256_HEADER: &str = "x-content-sha256";

/// The most bytes one stored chunk holds (1 MiB: under every key-value
/// store's value limit that Spin documents).
pub const CHUNK_BYTES: usize = 1024 * 1024;

/// A stored recording, as its metadata record keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredUpload {
    /// The SHA-256 of its bytes, 64 lowercase hex digits.
    pub sha256: String,
    /// Its size in bytes.
    pub size_bytes: u64,
    /// How many chunks hold its bytes.
    pub chunks: u32,
    /// When it was stored.
    pub stored_at: Instant,
    /// Its audio type (`audio/mp4`, ...: [`crate::attachment::content_type`]);
    /// absent in records stored before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// When and why its bytes were removed (retention, erasure:
    /// [`crate::lifecycle::removal`]); absent while they are kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed: Option<crate::lifecycle::removal::Removal>,
}

/// Why an upload is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UploadError {
    /// The id in the path is not usable.
    #[error("`id`: a recording id is 1 to 128 letters, digits, `-`, `_` or `.`")]
    BadId,
    /// The hash header is absent or not 64 lowercase hex digits.
    #[error("`x-content-sha256`: send the SHA-256 of the bytes as 64 lowercase hex digits")]
    BadHash,
    /// The body is empty.
    #[error("`body`: a recording cannot be empty")]
    Empty,
    /// The body is over 10 MB.
    #[error("`body`: the recording is {size_bytes} bytes; the limit is {MAX_RECORDING_BYTES} bytes (10 MB)")]
    TooLarge {
        /// Its size.
        size_bytes: u64,
    },
    /// The bytes do not have the hash sent with them.
    #[error("`x-content-sha256`: the bytes received hash to {actual}, not {declared}; the upload was corrupted, send it again")]
    HashMismatch {
        /// The hash sent.
        declared: String,
        /// The hash of the bytes received.
        actual: String,
    },
    /// The id already holds other bytes.
    #[error("`id`: recording `{id}` is already stored with SHA-256 {stored}; choose a new id for other bytes")]
    Conflict {
        /// The id.
        id: String,
        /// The hash of the bytes it holds.
        stored: String,
    },
}

impl UploadError {
    /// The request field at fault (`id`, `x-content-sha256` or `body`).
    pub fn field(&self) -> &'static str {
        match self {
            Self::BadId | Self::Conflict { .. } => "id",
            Self::BadHash | Self::HashMismatch { .. } => SHA256_HEADER,
            Self::Empty | Self::TooLarge { .. } => "body",
        }
    }
}

/// The SHA-256 of `bytes`, in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Checks what can be checked before the bytes are read: the id, the hash
/// header and the size.
pub fn check_request(id: &str, declared: Option<&str>, size_bytes: u64) -> Result<(), UploadError> {
    if !is_valid_id(id) {
        return Err(UploadError::BadId);
    }
    if !declared.is_some_and(is_sha256_hex) {
        return Err(UploadError::BadHash);
    }
    if size_bytes == 0 {
        return Err(UploadError::Empty);
    }
    if size_bytes > MAX_RECORDING_BYTES {
        return Err(UploadError::TooLarge { size_bytes });
    }
    Ok(())
}

/// Checks that the bytes hash to the hash sent (`actual`: [`sha256_hex`] of them).
pub fn check_hash(declared: &str, actual: &str) -> Result<(), UploadError> {
    if declared == actual {
        Ok(())
    } else {
        Err(UploadError::HashMismatch {
            declared: declared.to_owned(),
            actual: actual.to_owned(),
        })
    }
}

/// What a verified upload of `id` with `sha256` does, given what the id holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadVerdict {
    /// The id is new: store the bytes (answer 201).
    Store,
    /// The same bytes are already stored: store nothing (answer 200).
    AlreadyStored,
}

/// Decides a verified upload against the id's stored record (rule 17: the
/// same id and hash are stored once; the same id with other bytes is refused).
pub fn against_stored(
    id: &str,
    sha256: &str,
    stored: Option<&StoredUpload>,
) -> Result<UploadVerdict, UploadError> {
    match stored {
        None => Ok(UploadVerdict::Store),
        Some(s) if s.sha256 == sha256 => Ok(UploadVerdict::AlreadyStored),
        Some(s) => Err(UploadError::Conflict {
            id: id.to_owned(),
            stored: s.sha256.clone(),
        }),
    }
}

/// How many chunks of [`CHUNK_BYTES`] hold `size_bytes` bytes.
pub fn chunk_count(size_bytes: u64) -> u32 {
    let chunk = CHUNK_BYTES as u64;
    u32::try_from(size_bytes.div_ceil(chunk)).unwrap_or(u32::MAX)
}

/// Why an End activity's recording does not match an upload.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("`recordings[{index}]`: recording `{id}` {why}")]
pub struct UnmatchedRecording {
    /// Its place in the End's list.
    pub index: usize,
    /// Its id.
    pub id: String,
    /// What is wrong.
    pub why: String,
}

/// Checks that every recording an End lists was uploaded with the same size
/// and hash; `uploads` holds, in the same order, what each id holds.
pub fn match_uploads(
    recordings: &[RecordingMeta],
    uploads: &[Option<StoredUpload>],
) -> Result<(), UnmatchedRecording> {
    for (index, (r, stored)) in recordings.iter().zip(uploads).enumerate() {
        let why = match stored {
            None => Some("was not uploaded: PUT /recordings/{id} first".to_owned()),
            Some(s) if s.sha256 != r.sha256 => Some(format!(
                "was uploaded with SHA-256 {}, not {}",
                s.sha256, r.sha256
            )),
            Some(s) if s.size_bytes != r.size_bytes => Some(format!(
                "was uploaded with {} bytes, not {}",
                s.size_bytes, r.size_bytes
            )),
            Some(_) => None,
        };
        if let Some(why) = why {
            return Err(UnmatchedRecording {
                index,
                id: r.id.clone(),
                why,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    const EMPTY_SHA: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn stored(sha256: &str, size_bytes: u64) -> StoredUpload {
        StoredUpload {
            sha256: sha256.into(),
            size_bytes,
            chunks: chunk_count(size_bytes),
            stored_at: Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap(),
            content_type: None,
            removed: None,
        }
    }

    #[test]
    fn request_checks() {
        let sha = sha256_hex(b"abc");
        assert_eq!(sha256_hex(b""), EMPTY_SHA);
        assert_eq!(check_request("r-1", Some(&sha), 3), Ok(()));
        assert_eq!(check_request("r/1", Some(&sha), 3), Err(UploadError::BadId));
        assert_eq!(check_request("r-1", None, 3), Err(UploadError::BadHash));
        assert_eq!(
            check_request("r-1", Some(&sha.to_uppercase()), 3),
            Err(UploadError::BadHash)
        );
        assert_eq!(check_request("r-1", Some(&sha), 0), Err(UploadError::Empty));
        assert_eq!(
            check_request("r-1", Some(&sha), MAX_RECORDING_BYTES),
            Ok(())
        );
        let over = check_request("r-1", Some(&sha), MAX_RECORDING_BYTES + 1).unwrap_err();
        assert_eq!(over.field(), "body");
        let bad = check_hash(EMPTY_SHA, &sha).unwrap_err();
        assert_eq!(bad.field(), SHA256_HEADER);
    }

    #[test]
    fn a_repeated_upload_is_stored_once() {
        let sha = sha256_hex(b"abc");
        assert_eq!(against_stored("r", &sha, None), Ok(UploadVerdict::Store));
        let s = stored(&sha, 3);
        assert_eq!(
            against_stored("r", &sha, Some(&s)),
            Ok(UploadVerdict::AlreadyStored)
        );
        assert!(matches!(
            against_stored("r", EMPTY_SHA, Some(&s)),
            Err(UploadError::Conflict { .. })
        ));
    }

    #[test]
    fn chunks() {
        assert_eq!(chunk_count(1), 1);
        assert_eq!(chunk_count(CHUNK_BYTES as u64), 1);
        assert_eq!(chunk_count(CHUNK_BYTES as u64 + 1), 2);
        assert_eq!(chunk_count(MAX_RECORDING_BYTES), 10);
    }

    #[test]
    fn an_end_must_name_uploads_as_they_are() {
        let sha = sha256_hex(b"abc");
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
        let meta = RecordingMeta {
            id: "r".into(),
            started_at: at,
            ended_at: at,
            duration_s: 1.0,
            size_bytes: 3,
            sha256: sha.clone(),
        };
        let list = std::slice::from_ref(&meta);
        assert_eq!(match_uploads(list, &[Some(stored(&sha, 3))]), Ok(()));
        assert!(match_uploads(list, &[None])
            .unwrap_err()
            .why
            .contains("not uploaded"));
        assert!(match_uploads(list, &[Some(stored(&sha, 4))]).is_err());
        assert!(match_uploads(list, &[Some(stored(EMPTY_SHA, 3))]).is_err());
    }
}
