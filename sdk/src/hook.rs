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
use crate::plan::is_valid_id;
use crate::settings::{LappEnv, LappRef};
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

/// The request header naming the deployment of the tenant Lapp the caller
/// means to call: `Live` or `Test` ([`LappEnv::name`]); signed with the
/// call ([`sign`]).
pub const ENV_HEADER: &str = "x-lapp-env";

/// The request header carrying the caller's clock when it signed the
/// request, in unix seconds.
pub const TIMESTAMP_HEADER: &str = "x-lapp-timestamp";

/// The request header carrying the request's signature: [`SIGNATURE_PREFIX`]
/// and the lowercase hex HMAC-SHA256, keyed with the shared secret, of the
/// timestamp, the called Lapp's `LappId`, its [`ENV_HEADER`] and the body,
/// each but the body followed by a newline ([`sign`]).
pub const SIGNATURE_HEADER: &str = "x-lapp-signature";

/// The version of the signature scheme, before the hex digest in
/// [`SIGNATURE_HEADER`]. `v2` signs the called Lapp and its environment
/// with the body; `v1` (the timestamp and body only) is not accepted.
pub const SIGNATURE_PREFIX: &str = "v2=";

/// The last segment of the path of every tenant Lapp: the hook calls
/// `{tenant_lapp_base_url}/{LappId}/validate` ([`validate_url`]).
pub const VALIDATE_SEGMENT: &str = "validate";

/// How many seconds a request's timestamp may be from the tenant Lapp's
/// clock, either way; an older (or later) one is refused, and a tenant Lapp
/// keeps the signatures it accepted this long to refuse their replay.
pub const MAX_CLOCK_SKEW_S: i64 = 300;

/// Where the hook calls the Lapp `lapp_id`: `{base_url}/{lapp_id}/validate`.
pub fn validate_url(base_url: &str, lapp_id: &str) -> String {
    format!("{base_url}/{lapp_id}/{VALIDATE_SEGMENT}")
}

/// The `LappId` a tenant Lapp is called as, read from the request's `path`
/// (without query): the segment before the last, `validate` (one trailing
/// `/` allowed), whatever comes before it (`/tenant`, a base path, a
/// proxy's prefix). `None` when the path does not end so, or the segment is
/// not a `LappId` (1 to 128 letters, digits, `-`, `_` or `.`).
pub fn lapp_id_in_path(path: &str) -> Option<&str> {
    let path = path.strip_suffix('/').unwrap_or(path);
    let rest = path.strip_suffix(VALIDATE_SEGMENT)?.strip_suffix('/')?;
    let lapp_id = rest.rsplit('/').next()?;
    is_valid_id(lapp_id).then_some(lapp_id)
}

/// The HMAC-SHA256, keyed with `secret`, of `{timestamp}\n{lapp_id}\n{env}\n{body}`.
///
/// Newlines separate the parts because none of the first three can hold
/// one (digits; a `LappId`, whose characters exclude it; `Live` or `Test`),
/// so each signed text splits one way only; a `.` would not do, since a
/// `LappId` may hold dots (`a.Live` in Test and `a` in Live would sign
/// alike with a body starting `Test.`).
fn mac(secret: &str, timestamp: i64, lapp_id: &str, env: LappEnv, body: &[u8]) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    for part in [&timestamp.to_string(), lapp_id, env.name()] {
        mac.update(part.as_bytes());
        mac.update(b"\n");
    }
    mac.update(body);
    mac
}

/// The [`SIGNATURE_HEADER`] value of a call with `body` to the tenant Lapp
/// `lapp_id` in `env` (sent in [`ENV_HEADER`]), signed at `timestamp` (unix
/// seconds, sent in [`TIMESTAMP_HEADER`]) with the shared `secret`: `v2=`
/// and the hex HMAC-SHA256 of `{timestamp}\n{lapp_id}\n{env}\n{body}`. A
/// call signed for one Lapp or environment verifies for no other.
pub fn sign(secret: &str, lapp_id: &str, env: LappEnv, timestamp: i64, body: &[u8]) -> String {
    let digest = mac(secret, timestamp, lapp_id, env, body)
        .finalize()
        .into_bytes();
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
    /// A signed header was not sent.
    #[error("`{header}` is missing: only the meetings Lapp, which signs its calls with the shared `{SECRET_VARIABLE}`, may call this Lapp")]
    Missing {
        /// [`ENV_HEADER`], [`TIMESTAMP_HEADER`] or [`SIGNATURE_HEADER`].
        header: &'static str,
    },
    /// A signed header is not of its form.
    #[error("`{header}` is not {expected}")]
    Malformed {
        /// [`ENV_HEADER`], [`TIMESTAMP_HEADER`] or [`SIGNATURE_HEADER`].
        header: &'static str,
        /// Its form, in words.
        expected: &'static str,
    },
    /// The signature is not the one of this call under the secret.
    #[error("`{SIGNATURE_HEADER}` is not the signature, with this Lapp's `{SECRET_VARIABLE}`, of this timestamp, body, `{ENV_HEADER}` and this Lapp's `LappId` (a call signed for another Lapp or environment is refused)")]
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

/// Checks the signature of a call received by the tenant Lapp `lapp_id`
/// (read from its path: [`lapp_id_in_path`]): `env`, `timestamp` and
/// `signature` are its [`ENV_HEADER`], [`TIMESTAMP_HEADER`] and
/// [`SIGNATURE_HEADER`], `now` the tenant Lapp's clock (unix seconds). The
/// digest is compared in constant time; a timestamp more than
/// [`MAX_CLOCK_SKEW_S`] from `now` is refused. An empty `secret`, or a
/// `lapp_id` that is not a `LappId`, verifies nothing. A replay is refused
/// by [`SeenSignatures`].
pub fn verify(
    secret: &str,
    lapp_id: &str,
    env: Option<&str>,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<Signed, SignatureError> {
    let missing = |header| SignatureError::Missing { header };
    let timestamp = timestamp.ok_or(missing(TIMESTAMP_HEADER))?;
    let signature = signature.ok_or(missing(SIGNATURE_HEADER))?;
    let env = env.ok_or(missing(ENV_HEADER))?;
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
            expected: "`v2=` and 64 hex digits",
        })?;
    let env = LappEnv::from_name(env.trim()).ok_or(SignatureError::Malformed {
        header: ENV_HEADER,
        expected: "`Live` or `Test`",
    })?;
    if secret.is_empty()
        || !is_valid_id(lapp_id)
        || mac(secret, timestamp, lapp_id, env, body)
            .verify_slice(&digest)
            .is_err()
    {
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
    const LAPP: &str = "tenant_closed_stage";

    fn signed_now(body: &[u8]) -> String {
        sign(SECRET, LAPP, LappEnv::Live, AT, body)
    }

    fn check(
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<Signed, SignatureError> {
        verify(SECRET, LAPP, Some("Live"), timestamp, signature, body, now)
    }

    #[test]
    fn a_signature_is_v2_and_the_hmac_of_the_timestamp_lapp_env_and_body() {
        // Python: hmac.new(SECRET, b"1795000000\ntenant_closed_stage\nLive\n" + BODY, sha256).hexdigest()
        assert_eq!(
            signed_now(BODY),
            "v2=14a7c0c6edbdd25312ce039770912d8229aeccbdd2f04a84775edae791d0da36"
        );
        assert_ne!(
            signed_now(BODY),
            sign(SECRET, LAPP, LappEnv::Live, AT + 1, BODY)
        );
        assert_ne!(
            signed_now(BODY),
            sign("another-secret", LAPP, LappEnv::Live, AT, BODY)
        );
        assert_ne!(
            signed_now(BODY),
            sign(SECRET, LAPP, LappEnv::Test, AT, BODY)
        );
        assert_ne!(
            signed_now(BODY),
            sign(SECRET, "other", LappEnv::Live, AT, BODY)
        );
    }

    #[test]
    fn only_the_signed_body_timestamp_lapp_and_env_verify() {
        let signature = signed_now(BODY);
        let timestamp = AT.to_string();
        let signed = check(Some(&timestamp), Some(&signature), BODY, AT).expect("verified");
        assert_eq!(signed.timestamp, AT);
        // Upper-case hex is the same digest (so a replay cannot hide behind it).
        let upper = format!("v2={}", signature[3..].to_uppercase());
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
        let verify_as = |secret: &str, lapp: &str, env: &str, signature: &str| {
            verify(
                secret,
                lapp,
                Some(env),
                Some(&timestamp),
                Some(signature),
                BODY,
                AT,
            )
        };
        // Another secret, another Lapp, another environment: all refused.
        for (secret, lapp, env) in [
            ("another-secret", LAPP, "Live"),
            (SECRET, "tenant_other", "Live"),
            (SECRET, "tenant_closed_stage.x", "Live"),
            (SECRET, LAPP, "Test"),
        ] {
            assert_eq!(
                verify_as(secret, lapp, env, &signature),
                Err(SignatureError::Mismatch),
                "{secret} {lapp} {env}"
            );
        }
        // A call signed for Test is refused as Live, and the other way round.
        let test = sign(SECRET, LAPP, LappEnv::Test, AT, BODY);
        assert!(verify_as(SECRET, LAPP, "Test", &test).is_ok());
        assert_eq!(
            verify_as(SECRET, LAPP, "Live", &test),
            Err(SignatureError::Mismatch)
        );
        // The parts cannot be shifted: `a.Live` in Test is not `a` in Live.
        let shifted = sign(SECRET, "a.Live", LappEnv::Test, AT, b"B");
        assert!(verify(
            SECRET,
            "a",
            Some("Live"),
            Some(&timestamp),
            Some(&shifted),
            b"Test.B",
            AT
        )
        .is_err());
        // A path segment that is not a LappId verifies nothing.
        let odd = sign(SECRET, "a\nb", LappEnv::Live, AT, BODY);
        assert_eq!(
            verify_as(SECRET, "a\nb", "Live", &odd),
            Err(SignatureError::Mismatch)
        );
        let unkeyed = sign("", LAPP, LappEnv::Live, AT, BODY);
        assert_eq!(
            verify_as("", LAPP, "Live", &unkeyed),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_missing_or_malformed_header_is_named() {
        let signature = signed_now(BODY);
        let timestamp = AT.to_string();
        let v1 = format!("v1={}", &signature[3..]);
        let with_env = |env: Option<&str>| {
            verify(
                SECRET,
                LAPP,
                env,
                Some(&timestamp),
                Some(&signature),
                BODY,
                AT,
            )
        };
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
            (with_env(None), "missing_signature", ENV_HEADER),
            (with_env(Some("live")), "bad_signature", ENV_HEADER),
            (with_env(Some("Staging")), "bad_signature", ENV_HEADER),
            (with_env(Some("")), "bad_signature", ENV_HEADER),
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
            // v1 is not accepted, not even with the right digest.
            (
                check(Some(&timestamp), Some(&v1), BODY, AT),
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
            assert!(
                error.to_string().contains(&format!("`{header}`")),
                "{error}"
            );
        }
    }

    #[test]
    fn the_lapp_id_is_the_segment_before_validate() {
        for (path, lapp) in [
            ("/tenant/tenant_closed_stage/validate", Some(LAPP)),
            ("/tenant/tenant_closed_stage/validate/", Some(LAPP)),
            (
                "/base/path/tenant/da_46224.x-1/validate",
                Some("da_46224.x-1"),
            ),
            ("/my_lapp/validate", Some("my_lapp")),
            ("/tenant/validate", Some("tenant")),
            ("/validate", None),
            ("/tenant/x/validated", None),
            ("/tenant/x/validate/more", None),
            ("/tenant/x%2Fy/validate", None),
            ("/tenant//validate", None),
            ("", None),
        ] {
            assert_eq!(lapp_id_in_path(path), lapp, "{path}");
        }
        let url = validate_url("http://127.0.0.1:3000/tenant", LAPP);
        assert_eq!(
            url,
            "http://127.0.0.1:3000/tenant/tenant_closed_stage/validate"
        );
        assert_eq!(lapp_id_in_path(&url), Some(LAPP));
    }

    #[test]
    fn the_timestamp_may_be_off_by_the_skew_and_no_more() {
        let timestamp = AT.to_string();
        let signature = signed_now(BODY);
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
