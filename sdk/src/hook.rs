//! Tenant validation Lapps: the protocol the server's hook speaks with them,
//! and how their answers join a decision.
//!
//! The hook posts a [`HookContext`] to each Lapp listed in the entry's
//! `LappValidations`, in order, and reads back a [`HookOutcome`]. A Lapp that
//! does not answer, answers late or answers nonsense refuses the recording
//! (fail closed): a validation that cannot be checked is not passed.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::lead::{Activity, EventCode, Lead};
use crate::settings::LappRef;
use crate::time::Instant;
use crate::validate::{Check, Decision, Position, Rule};

/// What a tenant validation Lapp is asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HookContext {
    /// The tenant.
    pub org: String,
    /// The lead, with its fields.
    pub lead: Lead,
    /// The lead's activities.
    pub history: Vec<Activity>,
    /// The activity about to be recorded.
    pub activity_code: EventCode,
    /// The sales user.
    pub user: String,
    /// Where the user is, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_location: Option<Position>,
    /// The server's time of the check.
    pub now: Instant,
}

/// What a tenant validation Lapp answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HookOutcome {
    /// Whether the recording may begin, as far as this Lapp is concerned.
    pub allowed: bool,
    /// Shown to the user when not allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Why a tenant Lapp gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum LappCallError {
    /// No answer within the time allowed.
    #[error("did not answer within {timeout_ms} ms")]
    Timeout {
        /// The time allowed.
        timeout_ms: u64,
    },
    /// It could not be reached, or answered with an HTTP error.
    #[error("could not be called: {detail}")]
    Unavailable {
        /// What went wrong.
        detail: String,
    },
    /// Its answer is not a [`HookOutcome`].
    #[error(
        "answered something other than `{{\"allowed\": bool, \"message\"?: string}}`: {detail}"
    )]
    BadAnswer {
        /// What was wrong with it.
        detail: String,
    },
}

/// The Spin variable holding the secret the meetings Lapp shares with the
/// tenant Lapps it calls (mark it `secret = true`), in the meetings
/// component and in every tenant Lapp's component: the key of the
/// requests' signatures.
pub const SECRET_VARIABLE: &str = "tenant_lapp_secret";

/// The request header carrying the caller's clock when it signed the
/// request, in unix seconds.
pub const TIMESTAMP_HEADER: &str = "x-lapp-timestamp";

/// The request header carrying the request's signature: [`SIGNATURE_PREFIX`]
/// and the lowercase hex HMAC-SHA256, keyed with the shared secret, of
/// `{timestamp}.{body}` ([`sign`]).
pub const SIGNATURE_HEADER: &str = "x-lapp-signature";

/// The version of the signature scheme, before the hex digest in
/// [`SIGNATURE_HEADER`].
pub const SIGNATURE_PREFIX: &str = "v1=";

/// How many seconds a request's timestamp may be from the tenant Lapp's
/// clock, either way; an older (or later) one is refused, and a tenant Lapp
/// keeps the signatures it accepted this long to refuse their replay.
pub const MAX_CLOCK_SKEW_S: i64 = 300;

/// The HMAC-SHA256 of `{timestamp}.{body}` keyed with `secret`.
fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The [`SIGNATURE_HEADER`] value of a request with `body`, signed at
/// `timestamp` (unix seconds, sent in [`TIMESTAMP_HEADER`]) with the shared
/// `secret`: `v1=` and the hex HMAC-SHA256 of `{timestamp}.{body}`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let digest = mac(secret, timestamp, body).finalize().into_bytes();
    format!("{SIGNATURE_PREFIX}{}", hex::encode(digest))
}

/// A request whose signature [`verify`] accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signed {
    /// When the caller signed it (unix seconds).
    pub timestamp: i64,
    /// The signature's digest: what a replay of it carries again.
    pub digest: [u8; 32],
}

/// Why a tenant Lapp refuses a request's signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// A header of the signature was not sent.
    #[error("`{header}` is missing: only the meetings Lapp, which signs its calls with the shared `{SECRET_VARIABLE}`, may call this Lapp")]
    Missing {
        /// [`TIMESTAMP_HEADER`] or [`SIGNATURE_HEADER`].
        header: &'static str,
    },
    /// A header of the signature is not of its form.
    #[error("`{header}` is not {expected}")]
    Malformed {
        /// [`TIMESTAMP_HEADER`] or [`SIGNATURE_HEADER`].
        header: &'static str,
        /// Its form, in words.
        expected: &'static str,
    },
    /// The signature is not the timestamp's and body's under the secret.
    #[error("`{SIGNATURE_HEADER}` is not the signature of this body and timestamp with this Lapp's `{SECRET_VARIABLE}`")]
    Mismatch,
    /// The timestamp is too far from the tenant Lapp's clock.
    #[error("`{TIMESTAMP_HEADER}` {timestamp} is more than {MAX_CLOCK_SKEW_S} s from this Lapp's clock ({now}): sign with the time of sending, on a synchronised clock")]
    Stale {
        /// The request's timestamp.
        timestamp: i64,
        /// The tenant Lapp's clock.
        now: i64,
    },
    /// The same signed request was accepted before.
    #[error("this signed request was already answered; a replay is refused")]
    Replayed,
}

impl SignatureError {
    /// The `error` code of the 401 answer: `missing_signature`,
    /// `bad_signature`, `stale_timestamp` or `replayed`.
    pub fn code(&self) -> &'static str {
        match self {
            SignatureError::Missing { .. } => "missing_signature",
            SignatureError::Malformed { .. } | SignatureError::Mismatch => "bad_signature",
            SignatureError::Stale { .. } => "stale_timestamp",
            SignatureError::Replayed => "replayed",
        }
    }

    /// The header at fault (the answer's `field`).
    pub fn header(&self) -> &'static str {
        match self {
            SignatureError::Missing { header } | SignatureError::Malformed { header, .. } => header,
            SignatureError::Stale { .. } => TIMESTAMP_HEADER,
            SignatureError::Mismatch | SignatureError::Replayed => SIGNATURE_HEADER,
        }
    }
}

/// Checks a request's signature: `timestamp` and `signature` are its
/// [`TIMESTAMP_HEADER`] and [`SIGNATURE_HEADER`], `now` the tenant Lapp's
/// clock (unix seconds). The digest is compared in constant time; a
/// timestamp more than [`MAX_CLOCK_SKEW_S`] from `now` is refused. An empty
/// `secret` verifies nothing. A replay is refused by [`SeenSignatures`].
pub fn verify(
    secret: &str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<Signed, SignatureError> {
    let timestamp = timestamp.ok_or(SignatureError::Missing {
        header: TIMESTAMP_HEADER,
    })?;
    let signature = signature.ok_or(SignatureError::Missing {
        header: SIGNATURE_HEADER,
    })?;
    let timestamp: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::Malformed {
            header: TIMESTAMP_HEADER,
            expected: "unix seconds (digits)",
        })?;
    let mut digest = [0u8; 32];
    signature
        .trim()
        .strip_prefix(SIGNATURE_PREFIX)
        .and_then(|hex_digest| hex::decode_to_slice(hex_digest, &mut digest).ok())
        .ok_or(SignatureError::Malformed {
            header: SIGNATURE_HEADER,
            expected: "`v1=` and 64 hex digits",
        })?;
    if secret.is_empty() || mac(secret, timestamp, body).verify_slice(&digest).is_err() {
        return Err(SignatureError::Mismatch);
    }
    if now.abs_diff(timestamp) > MAX_CLOCK_SKEW_S.unsigned_abs() {
        return Err(SignatureError::Stale { timestamp, now });
    }
    Ok(Signed { timestamp, digest })
}

/// The signatures a tenant Lapp accepted that are still within
/// [`MAX_CLOCK_SKEW_S`] of its clock: a replay of any other is refused
/// [`SignatureError::Stale`] anyway, so these are all it keeps to refuse
/// replays. Stored as JSON: `[[timestamp, "hex digest"], ...]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenSignatures(Vec<(i64, String)>);

impl SeenSignatures {
    /// Admits `signed` at `now`: forgets the signatures that can no longer
    /// be replayed, then refuses `signed` [`SignatureError::Replayed`] when
    /// it is one of those kept, else keeps it.
    pub fn admit(&mut self, signed: Signed, now: i64) -> Result<(), SignatureError> {
        self.0
            .retain(|(timestamp, _)| now.abs_diff(*timestamp) <= MAX_CLOCK_SKEW_S.unsigned_abs());
        let digest = hex::encode(signed.digest);
        if self.0.iter().any(|(_, seen)| *seen == digest) {
            return Err(SignatureError::Replayed);
        }
        self.0.push((signed.timestamp, digest));
        Ok(())
    }
}

/// The system's message when a tenant Lapp refuses without one, or cannot be asked.
pub const LAPP_REFUSED: &str =
    "This meeting cannot be recorded now: a validation of your organisation did not pass.";

/// Joins the tenant Lapps' answers (in `LappValidations` order) to a decision:
/// a refusal or a failed call is a failure of rule `LappValidations`.
pub fn with_lapp_outcomes(
    mut decision: Decision,
    answers: Vec<(LappRef, Result<HookOutcome, LappCallError>)>,
) -> Decision {
    for (index, (lapp, answer)) in answers.into_iter().enumerate() {
        let (passed, message, reason) = match answer {
            Ok(HookOutcome { allowed: true, .. }) => (
                true,
                String::new(),
                format!("Lapp `{}` allowed it", lapp.lapp_id),
            ),
            Ok(HookOutcome {
                allowed: false,
                message,
            }) => (
                false,
                message
                    .filter(|m| !m.trim().is_empty())
                    .unwrap_or_else(|| LAPP_REFUSED.to_owned()),
                format!("Lapp `{}` refused it", lapp.lapp_id),
            ),
            Err(e) => (
                false,
                LAPP_REFUSED.to_owned(),
                format!(
                    "Lapp `{}` {e}; refused, since it could not be checked",
                    lapp.lapp_id
                ),
            ),
        };
        let check = Check {
            index: Some(index),
            ..Check::verdict(Rule::LappValidations, passed, message, reason)
        };
        if passed {
            decision.passed.push(check);
        } else {
            decision.failures.push(check);
        }
    }
    decision.allowed = decision.failures.is_empty();
    decision
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::LappEnv;
    use chrono::{TimeZone, Utc};

    fn decision() -> Decision {
        Decision {
            allowed: true,
            provisional: false,
            evaluated_at: Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap(),
            entry: None,
            message: None,
            otp_phones: None,
            failures: Vec::new(),
            passed: Vec::new(),
        }
    }

    fn lapp(id: &str) -> LappRef {
        LappRef {
            lapp_id: id.into(),
            lapp_env: LappEnv::Live,
        }
    }

    #[test]
    fn a_refusal_and_a_timeout_both_refuse_and_keep_their_order() {
        let d = with_lapp_outcomes(
            decision(),
            vec![
                (
                    lapp("a"),
                    Ok(HookOutcome {
                        allowed: true,
                        message: None,
                    }),
                ),
                (
                    lapp("b"),
                    Ok(HookOutcome {
                        allowed: false,
                        message: Some("Lead is Closed".into()),
                    }),
                ),
                (lapp("c"), Err(LappCallError::Timeout { timeout_ms: 2000 })),
            ],
        );
        assert!(!d.allowed);
        let got: Vec<(Option<usize>, &str)> = d
            .failures
            .iter()
            .map(|f| (f.index, f.message.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![(Some(1), "Lead is Closed"), (Some(2), LAPP_REFUSED)]
        );
        assert!(d.failures[1]
            .reason
            .contains("did not answer within 2000 ms"));
        assert_eq!(d.passed.len(), 1);
    }

    #[test]
    fn all_allowed_keeps_the_decision_allowed() {
        let d = with_lapp_outcomes(
            decision(),
            vec![(
                lapp("a"),
                Ok(HookOutcome {
                    allowed: true,
                    message: None,
                }),
            )],
        );
        assert!(d.allowed);
    }

    const SECRET: &str = "s3cret-0123456789";
    const BODY: &[u8] = br#"{"org":"org-1"}"#;
    const AT: i64 = 1_795_000_000;

    fn check(
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<Signed, SignatureError> {
        verify(SECRET, timestamp, signature, body, now)
    }

    #[test]
    fn a_signature_is_v1_and_the_hmac_of_the_timestamp_and_body() {
        // Python: hmac.new(SECRET, b"1795000000." + BODY, sha256).hexdigest()
        assert_eq!(
            sign(SECRET, AT, BODY),
            "v1=0332d5e7c7767457aa132f60a5f4c6b5caad4835aacbe70093788df571d8d94c"
        );
        assert_ne!(sign(SECRET, AT, BODY), sign(SECRET, AT + 1, BODY));
        assert_ne!(sign(SECRET, AT, BODY), sign("another-secret", AT, BODY));
    }

    #[test]
    fn only_the_signed_body_and_timestamp_verify() {
        let signature = sign(SECRET, AT, BODY);
        let timestamp = AT.to_string();
        let signed = check(Some(&timestamp), Some(&signature), BODY, AT).expect("verified");
        assert_eq!(signed.timestamp, AT);
        // Upper-case hex is the same digest (so a replay cannot hide behind it).
        let upper = format!("v1={}", signature[3..].to_uppercase());
        assert_eq!(check(Some(&timestamp), Some(&upper), BODY, AT), Ok(signed));
        let tampered = br#"{"org":"org-2"}"#;
        assert_eq!(
            check(Some(&timestamp), Some(&signature), tampered, AT),
            Err(SignatureError::Mismatch)
        );
        let later = (AT + 1).to_string();
        assert_eq!(
            check(Some(&later), Some(&signature), BODY, AT),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(
                "another-secret",
                Some(&timestamp),
                Some(&signature),
                BODY,
                AT
            ),
            Err(SignatureError::Mismatch)
        );
        let unkeyed = sign("", AT, BODY);
        assert_eq!(
            verify("", Some(&timestamp), Some(&unkeyed), BODY, AT),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_missing_or_malformed_header_is_named() {
        let signature = sign(SECRET, AT, BODY);
        let timestamp = AT.to_string();
        let refused = [
            (
                check(None, Some(&signature), BODY, AT),
                "missing_signature",
                TIMESTAMP_HEADER,
            ),
            (
                check(Some(&timestamp), None, BODY, AT),
                "missing_signature",
                SIGNATURE_HEADER,
            ),
            (
                check(Some("soon"), Some(&signature), BODY, AT),
                "bad_signature",
                TIMESTAMP_HEADER,
            ),
            (
                check(Some(&timestamp), Some(&signature[3..]), BODY, AT),
                "bad_signature",
                SIGNATURE_HEADER,
            ),
            (
                check(Some(&timestamp), Some("v2=00"), BODY, AT),
                "bad_signature",
                SIGNATURE_HEADER,
            ),
            (
                check(Some(&timestamp), Some(&signature[..66]), BODY, AT),
                "bad_signature",
                SIGNATURE_HEADER,
            ),
        ];
        for (answer, code, header) in refused {
            let error = answer.expect_err("refused");
            assert_eq!((error.code(), error.header()), (code, header), "{error}");
        }
    }

    #[test]
    fn the_timestamp_may_be_off_by_the_skew_and_no_more() {
        let timestamp = AT.to_string();
        let signature = sign(SECRET, AT, BODY);
        for now in [AT - MAX_CLOCK_SKEW_S, AT + MAX_CLOCK_SKEW_S] {
            assert!(
                check(Some(&timestamp), Some(&signature), BODY, now).is_ok(),
                "{now}"
            );
        }
        for now in [AT - MAX_CLOCK_SKEW_S - 1, AT + MAX_CLOCK_SKEW_S + 1] {
            let error = check(Some(&timestamp), Some(&signature), BODY, now).expect_err("stale");
            assert_eq!(error, SignatureError::Stale { timestamp: AT, now });
            assert_eq!(
                (error.code(), error.header()),
                ("stale_timestamp", TIMESTAMP_HEADER)
            );
        }
    }

    #[test]
    fn a_signature_is_admitted_once_within_the_skew() {
        let signed = |timestamp: i64| Signed {
            timestamp,
            digest: [u8::try_from(timestamp % 251).unwrap(); 32],
        };
        let mut seen = SeenSignatures::default();
        assert_eq!(seen.admit(signed(AT), AT), Ok(()));
        assert_eq!(seen.admit(signed(AT + 1), AT), Ok(()));
        assert_eq!(
            seen.admit(signed(AT), AT + MAX_CLOCK_SKEW_S),
            Err(SignatureError::Replayed)
        );
        assert_eq!(SignatureError::Replayed.code(), "replayed");
        // Past the skew it is forgotten (a replay of it is stale by then), the later one kept.
        assert_eq!(
            seen.admit(signed(AT + 2), AT + MAX_CLOCK_SKEW_S + 1),
            Ok(())
        );
        assert_eq!(seen.0.len(), 2);
        assert_eq!(
            seen.admit(signed(AT + 1), AT + MAX_CLOCK_SKEW_S + 1),
            Err(SignatureError::Replayed)
        );
    }
}
