//! What every OTP request answers (rule 23), and the offline resend countdown.

use serde::{Deserialize, Serialize};

use crate::time::Instant;

/// The outcome of a send, resend or verify. The names are stable (rule 23).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A code was sent.
    Sent,
    /// The code was right: the challenge is closed and an approval recorded.
    Approved,
    /// The code was wrong; `attempts_left` tells how many more may be tried.
    WrongCode,
    /// The code given (or every code of the challenge) has expired.
    Expired,
    /// Five wrong codes were given: the challenge takes no more.
    Locked,
    /// A send must wait `retry_after_s` seconds.
    ResendTooSoon,
    /// The Lapp's `RemainingRetryCount` resends are used up.
    NoResendsLeft,
    /// No open challenge for this user, lead, entry and phone.
    UnknownChallenge,
}

impl Outcome {
    /// The outcome's stable name (`sent`, `wrong_code`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Approved => "approved",
            Self::WrongCode => "wrong_code",
            Self::Expired => "expired",
            Self::Locked => "locked",
            Self::ResendTooSoon => "resend_too_soon",
            Self::NoResendsLeft => "no_resends_left",
            Self::UnknownChallenge => "unknown_challenge",
        }
    }
}

/// The answer to a send, resend or verify. A counter that does not apply is
/// `null` in JSON (never left out):
///
/// - `remaining_retry_count`: resends left, when the Lapp configures
///   `RemainingRetryCount` and the challenge is open (not locked, approved or
///   unknown);
/// - `retry_after_s`: the exact seconds until a resend is allowed (0: now),
///   when the Lapp configures `RetryTimeInterval`, the challenge is open and a
///   resend remains; and always with `resend_too_soon`;
/// - `expires_in_s`: seconds until the latest code expires (0: expired), while
///   the challenge is open;
/// - `attempts_left`: wrong codes still allowed, while the challenge exists
///   and is not closed (0 once locked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// What happened.
    pub outcome: Outcome,
    /// Resends left (see the type's doc).
    pub remaining_retry_count: Option<u32>,
    /// Seconds until a resend is allowed (see the type's doc).
    pub retry_after_s: Option<u64>,
    /// Seconds until the latest code expires.
    pub expires_in_s: Option<u64>,
    /// Wrong codes still allowed.
    pub attempts_left: Option<u32>,
    /// The phone number, masked (`+91******0001`).
    pub phone_masked: String,
    /// The Lapp's `DisplayMessage`, or the system message.
    pub display_message: String,
}

/// The seconds left until a resend is allowed, as the mobile app shows it
/// offline: `answer` is the server's last answer, received (by the device's
/// clock) at `received_at`; `now` is the device's time. `None` when the
/// answer shows no timer. A clock set back never shows more than the answer.
pub fn resend_countdown(answer: &Answer, received_at: Instant, now: Instant) -> Option<u64> {
    let total = answer.retry_after_s?;
    let elapsed = (now - received_at).num_seconds().max(0);
    let elapsed = u64::try_from(elapsed).unwrap_or(0);
    Some(total.saturating_sub(elapsed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Duration};

    fn answer(retry_after_s: Option<u64>) -> Answer {
        Answer {
            outcome: Outcome::Sent,
            remaining_retry_count: Some(2),
            retry_after_s,
            expires_in_s: Some(600),
            attempts_left: Some(5),
            phone_masked: "+91******0001".to_owned(),
            display_message: "m".to_owned(),
        }
    }

    #[test]
    fn countdown_runs_down_to_zero() {
        let at = DateTime::parse_from_rfc3339("2026-11-20T10:00:00Z")
            .unwrap()
            .to_utc();
        let a = answer(Some(30));
        assert_eq!(resend_countdown(&a, at, at), Some(30));
        assert_eq!(
            resend_countdown(&a, at, at + Duration::milliseconds(999)),
            Some(30)
        );
        assert_eq!(
            resend_countdown(&a, at, at + Duration::seconds(29)),
            Some(1)
        );
        assert_eq!(
            resend_countdown(&a, at, at + Duration::seconds(30)),
            Some(0)
        );
        assert_eq!(resend_countdown(&a, at, at + Duration::hours(5)), Some(0));
        assert_eq!(
            resend_countdown(&a, at, at - Duration::seconds(10)),
            Some(30)
        );
        assert_eq!(resend_countdown(&answer(None), at, at), None);
    }

    #[test]
    fn outcome_names_are_the_json_names() {
        for o in [
            Outcome::Sent,
            Outcome::WrongCode,
            Outcome::ResendTooSoon,
            Outcome::UnknownChallenge,
        ] {
            assert_eq!(serde_json::to_value(o).unwrap(), o.name());
        }
    }
}
