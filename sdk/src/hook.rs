//! Tenant validation Lapps: the protocol the server's hook speaks with them,
//! and how their answers join a decision.
//!
//! The hook posts a [`HookContext`] to each Lapp listed in the entry's
//! `LappValidations`, in order, and reads back a [`HookOutcome`]. A Lapp that
//! does not answer, answers late or answers nonsense refuses the recording
//! (fail closed): a validation that cannot be checked is not passed.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

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

/// The request header carrying the secret the meetings Lapp shares with the
/// tenant Lapps it calls: a tenant Lapp answers a request without it 401.
pub const SECRET_HEADER: &str = "x-lapp-secret";

/// The Spin variable holding that secret (mark it `secret = true`), in the
/// meetings component and in every tenant Lapp's component.
pub const SECRET_VARIABLE: &str = "tenant_lapp_secret";

/// Whether `given` is the shared `secret`, compared in constant time (the
/// SHA-256 of each, so not even the length is told). An empty secret is
/// never met: a tenant Lapp without one refuses every call.
pub fn secret_matches(given: &str, secret: &str) -> bool {
    let same = Sha256::digest(given.as_bytes()).ct_eq(&Sha256::digest(secret.as_bytes()));
    !secret.is_empty() && bool::from(same)
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

    #[test]
    fn only_the_shared_secret_matches() {
        assert!(secret_matches("s3cret-0123456789", "s3cret-0123456789"));
        assert!(!secret_matches("s3cret-012345678", "s3cret-0123456789"));
        assert!(!secret_matches("", "s3cret-0123456789"));
        assert!(!secret_matches("", ""));
    }
}
