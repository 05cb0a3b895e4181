//! Erasing one lead's recordings on an admin's request (GDPR Art. 17, India's
//! DPDP Act 2023).
//!
//! An erasure covers every recording that an activity of the lead carries
//! when the erasure holds the lead ([`covered`]): their bytes are removed and
//! their metadata marked ([`super::removal`]), so they answer 410 Gone. It is
//! idempotent: a recording removed already is counted as such and left as it
//! is. Its [`ErasureRecord`] states who asked, when, and how many recordings
//! and bytes were removed; it names no recording and holds nothing of the
//! content. Copies that the CRM holds as attachments cannot be removed from
//! here: the erasure lists them for the admin to remove there.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::removal::{Removal, RemovalReason};
use crate::plan::RecordingMeta;
use crate::time::Instant;
use crate::upload::StoredUpload;

/// The longest `requested_by` accepted.
pub const MAX_REQUESTED_BY_LEN: usize = 200;

/// Why an erasure request is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ErasureError {
    /// `requested_by` is missing, blank, too long or holds control characters.
    #[error("`requested_by` must name who asked for the erasure (the person or ticket), 1 to {MAX_REQUESTED_BY_LEN} characters without control characters; it was {found}")]
    RequestedBy {
        /// What was given, described.
        found: String,
    },
}

impl ErasureError {
    /// The request field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            ErasureError::RequestedBy { .. } => "requested_by",
        }
    }
}

/// Checks who asked: trimmed, 1 to [`MAX_REQUESTED_BY_LEN`] characters, no control characters.
pub fn check_requested_by(text: &str) -> Result<String, ErasureError> {
    let trimmed = text.trim();
    let found = if trimmed.is_empty() {
        "blank".to_owned()
    } else if trimmed.chars().count() > MAX_REQUESTED_BY_LEN {
        format!("{} characters long", trimmed.chars().count())
    } else if trimmed.chars().any(char::is_control) {
        "holding a control character".to_owned()
    } else {
        return Ok(trimmed.to_owned());
    };
    Err(ErasureError::RequestedBy { found })
}

/// The recordings an erasure covers: every recording the lead's activities
/// carry, each once, in the order met.
pub fn covered<'a>(recordings: impl IntoIterator<Item = &'a RecordingMeta>) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for recording in recordings {
        if !ids.contains(&recording.id) {
            ids.push(recording.id.clone());
        }
    }
    ids
}

/// What an erasure does with one covered recording, given its stored metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Erase {
    /// Remove its bytes (`bytes` of them) and store this metadata.
    Remove {
        /// How many bytes go.
        bytes: u64,
        /// The metadata to store, marked removed.
        marked: StoredUpload,
    },
    /// Its bytes were removed already (an earlier erasure, or retention).
    AlreadyRemoved,
    /// No bytes were ever stored under its id.
    NotStored,
}

/// Decides what erasure `erasure` (at `now`) does with a recording whose metadata is `upload`.
pub fn erase(upload: Option<&StoredUpload>, erasure: &str, now: Instant) -> Erase {
    match upload {
        None => Erase::NotStored,
        Some(up) if up.removed.is_some() => Erase::AlreadyRemoved,
        Some(up) => Erase::Remove {
            bytes: up.size_bytes,
            marked: super::removal::removed(
                up,
                Removal {
                    at: now,
                    reason: RemovalReason::Erased {
                        erasure: erasure.to_owned(),
                    },
                },
            ),
        },
    }
}

/// The record an erasure leaves: who asked, when, how much went. It names
/// no recording and holds nothing of their content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErasureRecord {
    /// The erasure's id (`E-...`).
    pub id: String,
    /// The lead whose recordings were erased.
    pub lead: String,
    /// Who asked (a person, a ticket), as the admin gave it.
    pub requested_by: String,
    /// When the erasure ran.
    pub at: Instant,
    /// Recordings whose bytes this erasure removed.
    pub recordings_removed: u32,
    /// How many bytes it removed.
    pub bytes_removed: u64,
    /// Covered recordings whose bytes were gone already.
    pub already_removed: u32,
    /// Covered recordings of which the CRM holds (or may hold) a copy, for the admin to remove there.
    pub crm_copies: u32,
}

impl ErasureRecord {
    /// A record of erasure `id` of `lead`, asked by `requested_by` at `at`, with nothing counted yet.
    pub fn new(id: &str, lead: &str, requested_by: &str, at: Instant) -> Self {
        ErasureRecord {
            id: id.to_owned(),
            lead: lead.to_owned(),
            requested_by: requested_by.to_owned(),
            at,
            recordings_removed: 0,
            bytes_removed: 0,
            already_removed: 0,
            crm_copies: 0,
        }
    }

    /// Counts what was done with one covered recording.
    pub fn count(&mut self, done: &Erase) {
        match done {
            Erase::Remove { bytes, .. } => {
                self.recordings_removed += 1;
                self.bytes_removed += bytes;
            }
            Erase::AlreadyRemoved => self.already_removed += 1,
            Erase::NotStored => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn meta(id: &str) -> RecordingMeta {
        serde_json::from_value(serde_json::json!({
            "id": id, "started_at": "2026-11-20T10:00:00Z", "ended_at": "2026-11-20T10:01:00Z",
            "duration_s": 60, "size_bytes": 5, "sha256": "0".repeat(64)
        }))
        .unwrap()
    }

    #[test]
    fn an_erasure_covers_each_recording_once_in_order() {
        let list = [meta("R-2"), meta("R-1"), meta("R-2")];
        assert_eq!(covered(&list), ["R-2", "R-1"]);
    }

    #[test]
    fn erasing_twice_removes_once_and_the_record_names_no_recording() {
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
        let stored = StoredUpload {
            sha256: "0".repeat(64),
            size_bytes: 1234,
            chunks: 1,
            stored_at: at,
            content_type: None,
            removed: None,
        };
        let first = erase(Some(&stored), "E-1", at);
        let Erase::Remove { bytes, marked } = &first else {
            panic!("stored bytes are removed: {first:?}");
        };
        assert_eq!(*bytes, 1234);
        assert_eq!(erase(Some(marked), "E-2", at), Erase::AlreadyRemoved);
        assert_eq!(erase(None, "E-2", at), Erase::NotStored);
        let mut record = ErasureRecord::new("E-1", "L-1", "dpo@example.com", at);
        record.count(&first);
        record.count(&Erase::AlreadyRemoved);
        assert_eq!(
            (
                record.recordings_removed,
                record.bytes_removed,
                record.already_removed
            ),
            (1, 1234, 1)
        );
        let text = serde_json::to_string(&record).unwrap();
        assert!(
            !text.contains("R-") && !text.contains(&"0".repeat(64)),
            "{text}"
        );
    }

    #[test]
    fn who_asked_must_be_said() {
        assert_eq!(
            check_requested_by("  DPO ticket 42 "),
            Ok("DPO ticket 42".to_owned())
        );
        for bad in ["", "   ", "a\u{7}b", &"x".repeat(MAX_REQUESTED_BY_LEN + 1)] {
            let e = check_requested_by(bad).unwrap_err();
            assert_eq!(e.field(), "requested_by");
        }
    }
}
