//! Idempotency keys: a retried request never posts twice.
//!
//! A client sends `Idempotency-Key` with each POST that posts an activity. The
//! server claims the key before it acts ([`claim`]): the first request of a
//! key proceeds and leaves a pending record; once it succeeds, the record
//! keeps its answer, which a replay (same key, same request) gets back
//! unchanged. A failed request releases its key, so the client may retry
//! with it once the cause is fixed. The same key with another request is
//! refused. A pending record older than [`PENDING_TTL_S`] is taken over (its
//! request died midway).

use chrono::Duration;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::time::Instant;

/// The request header carrying the key.
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";

/// The longest key accepted.
pub const MAX_KEY_LEN: usize = 128;

/// After this many seconds a pending claim is taken to have died.
pub const PENDING_TTL_S: i64 = 120;

/// Why an idempotency key is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdempotencyError {
    /// No key was sent.
    #[error("`Idempotency-Key` is required: send a fresh random key (a UUID) with each new request, and the same key when you retry it")]
    Missing,
    /// The key has characters or a length the server does not accept.
    #[error("`Idempotency-Key` must be 1 to {MAX_KEY_LEN} characters among A-Z a-z 0-9 . _ : -")]
    Malformed,
}

/// Checks a key: 1 to 128 of `A-Z a-z 0-9 . _ : -`.
pub fn check_key(key: Option<&str>) -> Result<&str, IdempotencyError> {
    let key = key.ok_or(IdempotencyError::Missing)?;
    let ok = (1..=MAX_KEY_LEN).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
    if ok {
        Ok(key)
    } else {
        Err(IdempotencyError::Malformed)
    }
}

/// What identifies a request: the SHA-256 (hex) of its method, path and body.
pub fn fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    for part in [method.as_bytes(), b"\n", path.as_bytes(), b"\n", body] {
        hash.update(part);
    }
    hex::encode(hash.finalize())
}

/// A key's record in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRecord {
    /// The request's [`fingerprint`].
    pub fingerprint: String,
    /// Which route and lead the request is about, so that a sweep can look
    /// for what an abandoned request posted ([`crate::lifecycle::sweep`]);
    /// absent in records written before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestRef>,
    /// Where the request stands.
    pub state: KeyState,
}

/// The route and lead a request is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestRef {
    /// The request's path (`/meetings/end`).
    pub path: String,
    /// The lead it posts on.
    pub lead: String,
}

impl KeyRecord {
    /// The record, noting which route and lead its request is about.
    pub fn about(self, request: RequestRef) -> Self {
        KeyRecord {
            request: Some(request),
            ..self
        }
    }
}

/// Where the request of a key stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum KeyState {
    /// Being answered since `since`.
    Pending {
        /// When the request claimed the key.
        since: Instant,
    },
    /// Its post failed and may have been carried out all the same (see
    /// the module's text): the key stays the request's, and a retry of the
    /// same request resumes it.
    OutcomeUnknown {
        /// When the request (the first attempt whose outcome is unknown) claimed the key.
        since: Instant,
    },
    /// A sweep is at the key ([`crate::lifecycle::sweep`]) since `since`:
    /// releasing what a gone request left (`previous` none), or resolving
    /// an abandoned one (`previous`: its record). A sweep that died (older
    /// than [`PENDING_TTL_S`]) leaves the key as `previous` stood.
    Sweeping {
        /// When the sweep took the key.
        since: Instant,
        /// The record it replaced, if there was one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        previous: Option<Box<KeyRecord>>,
    },
    /// Answered: the status and JSON body to replay.
    Done {
        /// The HTTP status.
        status: u16,
        /// The body.
        body: String,
    },
}

/// What a request with a key may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Go ahead: store this pending record first.
    Proceed(KeyRecord),
    /// Go ahead as the same request's retry: store `pending` first, then
    /// look for what the earlier attempt posted (its claim died, or its
    /// post's outcome is unknown; the posted activity carries the request's
    /// tag, [`crate::meeting::request_tag`]), answer that if found, and post
    /// only if not. If that cannot be told, store `previous` back.
    Resume {
        /// The pending record to store.
        pending: KeyRecord,
        /// The record found, to store back while the earlier attempt's outcome stays unknown.
        previous: KeyRecord,
        /// When the earlier attempt claimed the key.
        since: Instant,
    },
    /// Answer the stored answer again.
    Replay {
        /// The HTTP status.
        status: u16,
        /// The body.
        body: String,
    },
    /// The same request is being answered right now: retry shortly.
    InProgress,
    /// The key was used for another request.
    Mismatch,
}

/// Decides what a request with `fingerprint` may do, given the key's record.
pub fn claim(existing: Option<&KeyRecord>, fingerprint: &str, now: Instant) -> Claim {
    let pending = || KeyRecord {
        fingerprint: fingerprint.to_owned(),
        request: None,
        state: KeyState::Pending { since: now },
    };
    let Some(record) = existing else {
        return Claim::Proceed(pending());
    };
    if let KeyState::Sweeping { since, previous } = &record.state {
        // A sweep is at the key: wait for it; one that died left it as it was.
        return if now < *since + Duration::seconds(PENDING_TTL_S) {
            Claim::InProgress
        } else {
            claim(previous.as_deref(), fingerprint, now)
        };
    }
    let resume = |since: Instant| Claim::Resume {
        pending: pending(),
        previous: record.clone(),
        since,
    };
    let same = record.fingerprint == fingerprint;
    match &record.state {
        KeyState::Pending { since } if now >= *since + Duration::seconds(PENDING_TTL_S) => {
            if same {
                resume(*since)
            } else {
                Claim::Proceed(pending())
            }
        }
        _ if !same => Claim::Mismatch,
        KeyState::Pending { .. } | KeyState::Sweeping { .. } => Claim::InProgress,
        KeyState::OutcomeUnknown { since } => resume(*since),
        KeyState::Done { status, body } => Claim::Replay {
            status: *status,
            body: body.clone(),
        },
    }
}

/// The record of a request answered with `status` and `body`.
pub fn done(fingerprint: &str, status: u16, body: String) -> KeyRecord {
    KeyRecord {
        fingerprint: fingerprint.to_owned(),
        request: None,
        state: KeyState::Done { status, body },
    }
}

/// The record of a request whose post's outcome is unknown, first claimed at `since`.
pub fn outcome_unknown(fingerprint: &str, since: Instant) -> KeyRecord {
    KeyRecord {
        fingerprint: fingerprint.to_owned(),
        request: None,
        state: KeyState::OutcomeUnknown { since },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn t(s: u32) -> Instant {
        Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, s).unwrap()
    }

    #[test]
    fn keys() {
        assert_eq!(check_key(None), Err(IdempotencyError::Missing));
        assert_eq!(check_key(Some("")), Err(IdempotencyError::Malformed));
        assert_eq!(check_key(Some("a/b")), Err(IdempotencyError::Malformed));
        assert_eq!(
            check_key(Some(&"a".repeat(129))),
            Err(IdempotencyError::Malformed)
        );
        let uuid = "0b6f4c3e-6a43-4b59-9d56-2bd4a3c1f0aa";
        assert_eq!(check_key(Some(uuid)), Ok(uuid));
    }

    #[test]
    fn first_replay_mismatch_and_in_progress() {
        let fp = fingerprint("POST", "/meetings/end", b"{}");
        assert_ne!(fp, fingerprint("POST", "/meetings/end", b"{ }"));
        let Claim::Proceed(pending) = claim(None, &fp, t(0)) else {
            panic!("a fresh key proceeds");
        };
        assert_eq!(claim(Some(&pending), &fp, t(1)), Claim::InProgress);
        assert_eq!(claim(Some(&pending), "other", t(1)), Claim::Mismatch);
        let answered = done(&fp, 201, "{\"ok\":true}".into());
        assert_eq!(
            claim(Some(&answered), &fp, t(2)),
            Claim::Replay {
                status: 201,
                body: "{\"ok\":true}".into()
            }
        );
        assert_eq!(claim(Some(&answered), "other", t(2)), Claim::Mismatch);
    }

    #[test]
    fn a_dead_pending_claim_is_taken_over() {
        let pending = KeyRecord {
            fingerprint: "a".into(),
            request: None,
            state: KeyState::Pending { since: t(0) },
        };
        let later = t(0) + Duration::seconds(PENDING_TTL_S);
        assert!(matches!(
            claim(Some(&pending), "b", later),
            Claim::Proceed(_)
        ));
        // The same request looks for what the dead one posted first.
        let Claim::Resume {
            pending: mine,
            previous,
            since,
        } = claim(Some(&pending), "a", later)
        else {
            panic!("the same request resumes a dead claim");
        };
        assert_eq!(mine.state, KeyState::Pending { since: later });
        assert_eq!((previous, since), (pending, t(0)));
    }

    #[test]
    fn an_unknown_outcome_keeps_the_key_for_the_same_request_only() {
        let unknown = outcome_unknown("a", t(0));
        let Claim::Resume {
            pending,
            previous,
            since,
        } = claim(Some(&unknown), "a", t(1))
        else {
            panic!("its retry resumes it");
        };
        assert_eq!(pending.state, KeyState::Pending { since: t(1) });
        assert_eq!((&previous, since), (&unknown, t(0)));
        // However late: it is not a dead claim that another request may take.
        let much_later = t(0) + Duration::days(30);
        assert_eq!(claim(Some(&unknown), "b", much_later), Claim::Mismatch);
        let text = serde_json::to_string(&unknown).unwrap();
        assert!(text.contains("\"state\":\"outcome_unknown\""), "{text}");
    }
}
