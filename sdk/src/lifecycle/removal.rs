//! Removing a recording's bytes, and the mark its metadata keeps.
//!
//! A recording's bytes go for one of two reasons: the org's retention
//! (`RecordingRetentionDays`, counted from when the bytes were stored) ran
//! out, or an admin erased the lead's recordings ([`super::erasure`]). The
//! metadata stays, with a [`Removal`] saying when and why, so the End
//! activity still lists the recording and a download answers 410 Gone with
//! the reason.

use serde::{Deserialize, Serialize};

use crate::time::{days, Instant};
use crate::upload::StoredUpload;

/// Why a recording's bytes were removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case", deny_unknown_fields)]
pub enum RemovalReason {
    /// The org keeps recordings `retention_days` days (`RecordingRetentionDays`).
    Expired {
        /// The retention in force when the bytes were removed.
        retention_days: u32,
    },
    /// An admin erased the lead's recordings.
    Erased {
        /// The erasure's id ([`super::erasure::ErasureRecord::id`]).
        erasure: String,
    },
}

/// When and why a recording's bytes were removed (in JSON, `at` beside the
/// reason's keys: `{"at": ..., "reason": "erased", "erasure": "E-..."}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removal {
    /// When the bytes were (or, for an expiry not swept yet, are taken to be) removed.
    pub at: Instant,
    /// Why.
    #[serde(flatten)]
    pub reason: RemovalReason,
}

impl Removal {
    /// The sentence a download of the recording answers with (410 Gone).
    pub fn explain(&self, id: &str) -> String {
        match &self.reason {
            RemovalReason::Expired { retention_days } => format!(
                "recording `{id}` was removed at {}: the account keeps recordings {retention_days} days (`RecordingRetentionDays`); its End activity keeps its fields",
                self.at.to_rfc3339()
            ),
            RemovalReason::Erased { erasure } => format!(
                "recording `{id}` was erased at {} on an admin's request (erasure `{erasure}`); its End activity keeps its fields",
                self.at.to_rfc3339()
            ),
        }
    }
}

/// When bytes stored at `stored_at` expire under a retention of
/// `retention_days` days of 24 hours (counted like the activity windows of
/// rule 8); `None` past the latest instant (never).
pub fn expires_at(stored_at: Instant, retention_days: u32) -> Option<Instant> {
    stored_at.checked_add_signed(days(retention_days))
}

/// Where a recording's bytes stand at `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bytes {
    /// Stored and served.
    Kept,
    /// Removed (or expired and not swept yet: then removed as of their expiry).
    Removed(Removal),
}

/// Whether the bytes of `upload` are served at `now` under the org's
/// retention (`None`: kept forever). Expired bytes count as removed from
/// the moment they expire, whether or not a sweep deleted them yet, so a
/// download never depends on when the sweep ran.
pub fn bytes_at(upload: &StoredUpload, retention_days: Option<u32>, now: Instant) -> Bytes {
    if let Some(removal) = &upload.removed {
        return Bytes::Removed(removal.clone());
    }
    match retention_days.and_then(|d| Some((d, expires_at(upload.stored_at, d)?))) {
        Some((retention_days, at)) if at <= now => Bytes::Removed(Removal {
            at,
            reason: RemovalReason::Expired { retention_days },
        }),
        _ => Bytes::Kept,
    }
}

/// `upload` once its bytes are removed for `removal`: the same metadata,
/// marked. Already removed: unchanged (the first removal stands).
pub fn removed(upload: &StoredUpload, removal: Removal) -> StoredUpload {
    StoredUpload {
        removed: Some(upload.removed.clone().unwrap_or(removal)),
        ..upload.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};

    fn upload(stored_at: Instant) -> StoredUpload {
        StoredUpload {
            sha256: "0".repeat(64),
            size_bytes: 10,
            chunks: 1,
            stored_at,
            content_type: None,
            removed: None,
        }
    }

    #[test]
    fn bytes_expire_exactly_n_days_after_they_were_stored() {
        let at = Utc.with_ymd_and_hms(2026, 11, 1, 10, 0, 0).unwrap();
        let up = upload(at);
        let expiry = at + days(30);
        assert_eq!(
            bytes_at(&up, Some(30), expiry - Duration::seconds(1)),
            Bytes::Kept
        );
        assert_eq!(
            bytes_at(&up, Some(30), expiry),
            Bytes::Removed(Removal {
                at: expiry,
                reason: RemovalReason::Expired { retention_days: 30 }
            })
        );
        assert_eq!(bytes_at(&up, None, expiry + days(3650)), Bytes::Kept);
    }

    #[test]
    fn the_first_removal_stands() {
        let at = Utc.with_ymd_and_hms(2026, 11, 1, 10, 0, 0).unwrap();
        let erased = Removal {
            at,
            reason: RemovalReason::Erased {
                erasure: "E-1".into(),
            },
        };
        let once = removed(&upload(at), erased.clone());
        let twice = removed(
            &once,
            Removal {
                at: at + days(1),
                reason: RemovalReason::Expired { retention_days: 1 },
            },
        );
        assert_eq!(twice.removed, Some(erased.clone()));
        // A removed recording stays removed whatever the retention says.
        assert_eq!(bytes_at(&twice, None, at), Bytes::Removed(erased));
    }

    #[test]
    fn the_explanation_says_why_and_keeps_the_activity() {
        let at = Utc.with_ymd_and_hms(2026, 11, 1, 10, 0, 0).unwrap();
        let text = Removal {
            at,
            reason: RemovalReason::Expired { retention_days: 30 },
        }
        .explain("R-1");
        assert!(
            text.contains("RecordingRetentionDays") && text.contains("R-1"),
            "{text}"
        );
        let json = serde_json::to_value(Removal {
            at,
            reason: RemovalReason::Erased {
                erasure: "E-1".into(),
            },
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"at": "2026-11-01T10:00:00Z", "reason": "erased", "erasure": "E-1"})
        );
    }
}
