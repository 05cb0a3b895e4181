//! The sweep: a maintenance pass over the state that releases what requests
//! left behind when they died, and removes expired recordings.
//!
//! The Lapp walks the org's records in key order, a bounded number per call,
//! and asks [`decide`] about each one it recognises. Held state (a
//! recording held by an End, a Start's claim, a used OTP approval, a CRM
//! post's draft) belongs to the request named by its idempotency key, and
//! what may happen to it depends on that request's record ([`owner`]):
//!
//! - **live** (pending or of unknown outcome for less than
//!   [`ABANDONED_AFTER_S`]; or being resolved by a sweep): kept, its retry
//!   may still come;
//! - **posted** (answered): kept, the activity carries it;
//! - **abandoned** (pending or of unknown outcome for longer): kept until the
//!   request itself is resolved: the sweep then acts as the request's own
//!   retry would ([`Action::Resolve`]): it looks for what the request posted
//!   and keeps its answer, or, finding nothing, removes its record;
//! - **gone** (no record: the request failed, or its abandoned record was
//!   resolved as not posted): released. The Lapp first writes a sweep's
//!   guard ([`guard`]) where the record was absent, so that a retry arriving
//!   meanwhile waits (409 `request_in_progress`) instead of running while
//!   its state is released; it removes the guard once done.
//!
//! So nothing that a live request can still own is released, and a retry
//! that comes back after a sweep either finds its answer or runs again from
//! the start under its own, fresh holds.

use chrono::Duration;
use serde::{Deserialize, Serialize};

use super::removal::{bytes_at, Bytes, Removal};
use crate::idempotency::{KeyRecord, KeyState, PENDING_TTL_S};
use crate::meeting::{Hold, UsedApproval, LEAD_HOLD_TTL_S};
use crate::time::Instant;
use crate::upload::StoredUpload;

/// A request pending, or of unknown outcome, for this many seconds is
/// abandoned: its client has not retried it in an hour.
pub const ABANDONED_AFTER_S: i64 = 3600;

/// An upload's mark ([`Record::UploadMark`]) older than this many seconds
/// belongs to an upload that died (the host's deadline is 30 s).
pub const UPLOAD_MARK_TTL_S: i64 = 600;

/// The fingerprint of a sweep's guard record: no request has it.
pub const GUARD_FINGERPRINT: &str = "sweep";

/// A record the sweep met, with what it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Record {
    /// A lead held while a request checks and posts there (it lapses).
    LeadHold(Hold),
    /// A recording held by an End (`by`: its request).
    RecordingHold(Hold),
    /// A Start claimed by the End that closes it.
    StartClaim {
        /// The End's request.
        by: String,
    },
    /// The draft a CRM post kept before the CRM created it.
    CrmPosting {
        /// The request.
        by: String,
    },
    /// An OTP approval that a meeting used up.
    UsedApproval(UsedApproval),
    /// An idempotency key's record.
    Request(KeyRecord),
    /// One chunk of a recording's bytes, with the upload mark of its hash
    /// (when an upload of it is under way) and the recording's committed metadata.
    Chunk {
        /// The hash the chunk was written under.
        sha256: String,
        /// Since when an upload of these bytes is marked under way.
        #[serde(default)]
        mark: Option<Instant>,
        /// The recording's committed metadata.
        #[serde(default)]
        committed: Option<StoredUpload>,
    },
    /// The mark an upload leaves while it writes its chunks.
    UploadMark {
        /// When the upload began.
        since: Instant,
    },
    /// A recording's committed metadata.
    Recording(StoredUpload),
}

impl Record {
    /// The request (idempotency key) whose record decides this held state, if it is held state.
    pub fn owner_key(&self) -> Option<&str> {
        match self {
            Record::RecordingHold(hold) => Some(&hold.by),
            Record::StartClaim { by } | Record::CrmPosting { by } => Some(by),
            Record::UsedApproval(used) => Some(&used.by),
            _ => None,
        }
    }
}

/// What the sweep does with a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Leave it.
    Keep,
    /// Held state of a gone request: give it back under a guard (remove the
    /// hold, the claim or the draft; reopen the approval).
    Release,
    /// Remove it: it lapsed (a lead hold, an upload mark, a dead guard) or
    /// no committed recording reads it (a chunk).
    Remove,
    /// An abandoned request: resolve it as its retry would.
    Resolve,
    /// Remove the recording's bytes and mark its metadata.
    Expire {
        /// The mark.
        removal: Removal,
    },
}

/// Where the request that owns held state stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Owner {
    /// It may still be retried, or a sweep is resolving it.
    Live,
    /// It was answered.
    Posted,
    /// Not retried for [`ABANDONED_AFTER_S`].
    Abandoned,
    /// It has no record.
    Gone,
}

/// Where the request whose record is `record` stands at `now`.
pub fn owner(record: Option<&KeyRecord>, now: Instant) -> Owner {
    let Some(record) = effective(record, now) else {
        return Owner::Gone;
    };
    match &record.state {
        KeyState::Done { .. } => Owner::Posted,
        KeyState::Pending { since } | KeyState::OutcomeUnknown { since } => {
            if *since + Duration::seconds(ABANDONED_AFTER_S) <= now {
                Owner::Abandoned
            } else {
                Owner::Live
            }
        }
        KeyState::Sweeping { .. } => Owner::Live,
    }
}

/// The record that stands for `record` at `now`: a sweep's guard or
/// resolution that died (older than the pending time) stands for the record
/// it replaced (none for a guard); anything else for itself.
pub fn effective(record: Option<&KeyRecord>, now: Instant) -> Option<&KeyRecord> {
    let mut record = record?;
    while let KeyState::Sweeping { since, previous } = &record.state {
        if now < *since + Duration::seconds(PENDING_TTL_S) {
            break;
        }
        record = previous.as_deref()?;
    }
    Some(record)
}

/// Decides what the sweep does at `now` with `record`, whose owner's
/// idempotency record is `owner_record` (read for held state only), under
/// the org's retention (`None`: recordings are kept forever).
pub fn decide(
    record: &Record,
    owner_record: Option<&KeyRecord>,
    retention_days: Option<u32>,
    now: Instant,
) -> Action {
    let lapsed = |since: Instant, ttl_s: i64| since + Duration::seconds(ttl_s) <= now;
    match record {
        Record::LeadHold(hold) if lapsed(hold.since, LEAD_HOLD_TTL_S) => Action::Remove,
        Record::LeadHold(_) => Action::Keep,
        Record::RecordingHold(_)
        | Record::StartClaim { .. }
        | Record::CrmPosting { .. }
        | Record::UsedApproval(_) => match owner(owner_record, now) {
            Owner::Gone => Action::Release,
            Owner::Live | Owner::Posted | Owner::Abandoned => Action::Keep,
        },
        Record::Request(key_record) => match effective(Some(key_record), now) {
            None => Action::Remove,
            Some(_) if owner(Some(key_record), now) == Owner::Abandoned => Action::Resolve,
            Some(_) => Action::Keep,
        },
        Record::Chunk {
            sha256,
            mark,
            committed,
        } => {
            let under_way = mark.is_some_and(|since| !lapsed(since, UPLOAD_MARK_TTL_S));
            let read = committed
                .as_ref()
                .is_some_and(|c| &c.sha256 == sha256 && c.removed.is_none());
            if under_way || read {
                Action::Keep
            } else {
                Action::Remove
            }
        }
        Record::UploadMark { since } if lapsed(*since, UPLOAD_MARK_TTL_S) => Action::Remove,
        Record::UploadMark { .. } => Action::Keep,
        Record::Recording(upload) => match (&upload.removed, bytes_at(upload, retention_days, now))
        {
            (None, Bytes::Removed(removal)) => Action::Expire { removal },
            _ => Action::Keep,
        },
    }
}

/// The guard a sweep writes where a gone request's record was, while it
/// releases that request's state: a retry meanwhile is told to wait.
pub fn guard(now: Instant) -> KeyRecord {
    KeyRecord {
        fingerprint: GUARD_FINGERPRINT.to_owned(),
        request: None,
        state: KeyState::Sweeping {
            since: now,
            previous: None,
        },
    }
}

/// What a sweep writes over an abandoned request's `record` while it
/// resolves it: a retry meanwhile is told to wait, and if the sweep dies the
/// record stands again for what it was.
pub fn resolving(record: &KeyRecord, now: Instant) -> KeyRecord {
    KeyRecord {
        fingerprint: record.fingerprint.clone(),
        request: record.request.clone(),
        state: KeyState::Sweeping {
            since: now,
            previous: Some(Box::new(record.clone())),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idempotency::{claim, done, outcome_unknown, Claim};
    use chrono::{TimeZone, Utc};

    fn t(s: i64) -> Instant {
        Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap() + Duration::seconds(s)
    }

    fn held(by: &str) -> Record {
        Record::RecordingHold(Hold {
            by: by.into(),
            since: t(0),
        })
    }

    #[test]
    fn held_state_is_released_only_when_its_request_is_gone() {
        let pending = KeyRecord {
            fingerprint: "f".into(),
            request: None,
            state: KeyState::Pending { since: t(0) },
        };
        let later = t(ABANDONED_AFTER_S);
        assert_eq!(decide(&held("K"), None, None, t(5)), Action::Release);
        assert_eq!(decide(&held("K"), Some(&pending), None, t(5)), Action::Keep);
        // Abandoned: resolved first (at its own record), never released from here.
        assert_eq!(
            decide(&held("K"), Some(&pending), None, later),
            Action::Keep
        );
        assert_eq!(
            decide(&Record::Request(pending.clone()), None, None, later),
            Action::Resolve
        );
        assert_eq!(
            decide(&Record::Request(pending.clone()), None, None, t(5)),
            Action::Keep
        );
        let answered = done("f", 201, "{}".into());
        assert_eq!(
            decide(&held("K"), Some(&answered), None, later),
            Action::Keep
        );
        assert_eq!(
            decide(&Record::Request(answered), None, None, later),
            Action::Keep
        );
        let unknown = outcome_unknown("f", t(0));
        assert_eq!(
            decide(&Record::Request(unknown), None, None, later),
            Action::Resolve
        );
    }

    #[test]
    fn a_guard_makes_a_retry_wait_and_a_dead_guard_stands_for_nothing() {
        let g = guard(t(0));
        assert_eq!(claim(Some(&g), "any", t(1)), Claim::InProgress);
        assert_eq!(owner(Some(&g), t(1)), Owner::Live);
        let after = t(PENDING_TTL_S);
        assert!(matches!(claim(Some(&g), "any", after), Claim::Proceed(_)));
        assert_eq!(owner(Some(&g), after), Owner::Gone);
        assert_eq!(
            decide(&Record::Request(g), None, None, after),
            Action::Remove
        );
    }

    #[test]
    fn a_dead_resolution_stands_for_the_record_it_replaced() {
        let unknown = outcome_unknown("f", t(0));
        let r = resolving(&unknown, t(ABANDONED_AFTER_S));
        assert_eq!(
            claim(Some(&r), "f", t(ABANDONED_AFTER_S + 1)),
            Claim::InProgress
        );
        let after = t(ABANDONED_AFTER_S + PENDING_TTL_S);
        // Its retry resumes the earlier attempt, so it looks for what it posted.
        assert!(matches!(claim(Some(&r), "f", after), Claim::Resume { .. }));
        assert_eq!(
            decide(&Record::Request(r), None, None, after),
            Action::Resolve
        );
    }

    #[test]
    fn chunks_go_when_no_committed_recording_reads_them_and_no_upload_is_under_way() {
        let committed = StoredUpload {
            sha256: "a".repeat(64),
            size_bytes: 1,
            chunks: 1,
            stored_at: t(0),
            content_type: None,
            removed: None,
        };
        let chunk =
            |sha: &str, mark: Option<Instant>, committed: Option<StoredUpload>| Record::Chunk {
                sha256: sha.into(),
                mark,
                committed,
            };
        let a = "a".repeat(64);
        let b = "b".repeat(64);
        assert_eq!(
            decide(&chunk(&a, None, Some(committed.clone())), None, None, t(9)),
            Action::Keep
        );
        assert_eq!(
            decide(&chunk(&b, None, Some(committed.clone())), None, None, t(9)),
            Action::Remove
        );
        assert_eq!(
            decide(&chunk(&b, Some(t(0)), None), None, None, t(9)),
            Action::Keep
        );
        assert_eq!(
            decide(
                &chunk(&b, Some(t(0)), None),
                None,
                None,
                t(UPLOAD_MARK_TTL_S)
            ),
            Action::Remove
        );
        let gone = StoredUpload {
            removed: Some(Removal {
                at: t(1),
                reason: super::super::removal::RemovalReason::Erased {
                    erasure: "E".into(),
                },
            }),
            ..committed
        };
        assert_eq!(
            decide(&chunk(&a, None, Some(gone)), None, None, t(9)),
            Action::Remove
        );
    }
}
