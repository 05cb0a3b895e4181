//! A recording as the End activity lists it, and its checks (rule 17).

use serde::{Deserialize, Serialize};

use super::duration::seconds_to_millis;
use crate::limits::MAX_RECORDING_BYTES;
use crate::time::Instant;

/// One recorded file, as the client describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct RecordingMeta {
    /// The client-chosen id.
    pub id: String,
    /// When the file's recording started.
    pub started_at: Instant,
    /// When it ended.
    pub ended_at: Instant,
    /// Its audio length in seconds (pauses excluded).
    pub duration_s: f64,
    /// Its size in bytes.
    pub size_bytes: u64,
    /// The SHA-256 of its bytes, 64 lowercase hex digits.
    pub sha256: String,
}

/// What is wrong with one recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordingFault {
    /// Malformed: the reason says how.
    Bad(String),
    /// Larger than 10 MB.
    TooLarge,
}

/// Whether `text` is a SHA-256 in lowercase hex.
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether `id` is a usable recording id: 1 to 128 of `A-Z a-z 0-9 - _ .`.
pub fn is_valid_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

impl RecordingMeta {
    /// Checks one recording: malformed first, then size.
    pub fn fault(&self) -> Option<RecordingFault> {
        let bad = |reason: &str| Some(RecordingFault::Bad(reason.to_owned()));
        if !is_valid_id(&self.id) {
            return bad("its id must be 1 to 128 letters, digits, `-`, `_` or `.`");
        }
        if self.size_bytes == 0 {
            return bad("it is empty (0 bytes)");
        }
        if seconds_to_millis(self.duration_s).is_none() {
            return bad("its duration is negative or not a number");
        }
        if self.ended_at < self.started_at {
            return bad("it ends before it starts");
        }
        if !is_sha256_hex(&self.sha256) {
            return bad("its sha256 must be 64 lowercase hex digits");
        }
        if self.size_bytes > MAX_RECORDING_BYTES {
            return Some(RecordingFault::TooLarge);
        }
        None
    }
}
