//! The validations checked before a recording may begin (rules 8 to 14).
//!
//! [`precheck`] evaluates every validation of the entry, never stopping at
//! the first failure (rule 13), and explains each: the count it found, the
//! window, the limit, and when the user may try again.
//!
//! It is made of two halves, each defined once per rule: an [`Evaluation`]
//! holds what every validation found, in figures ([`Finding`]), and its
//! [`Evaluation::explain`] puts them in words (the [`Decision`]). The server
//! reads the whole decision; a phone deciding again and again reads the
//! figures and the messages shown, and the words only when asked.

mod check;
mod evaluation;
mod geo;
mod messages;
mod window;

pub use check::{Check, Distance, Figures, Finding, Rule};
pub use evaluation::{Asked, Evaluation};
pub use geo::{Position, EARTH_RADIUS_M};
pub use messages::*;
pub use window::{retry_at, window_start, Window};

use serde::{Deserialize, Serialize};

use crate::lead::{Activities, Activity, EventCode, Lead};
use crate::settings::{Entry, Mode, Settings};
use crate::time::{Instant, Stamp};

/// What a precheck is asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct PrecheckInput {
    /// The activity whose recording is about to begin (either code of its entry).
    pub activity_code: EventCode,
    /// The sales user.
    pub user: String,
    /// Where the user is, when the device knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_location: Option<Position>,
    /// When this user verified an unused OTP for this lead and entry, if they did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp_verified_at: Option<Instant>,
}

/// The entry a decision applies to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct EntryRef {
    /// Its index in `Data`.
    pub index: usize,
    /// The account's mode.
    pub mode: Mode,
    /// The activity whose form opens and which carries the recordings (rule 3).
    pub activity_code: EventCode,
    /// The Start activity (posted in Dual mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_code: Option<EventCode>,
    /// The End activity's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// Whether a recording may begin, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct Decision {
    /// True when no validation failed.
    pub allowed: bool,
    /// True for a decision taken on the device: the server decides again (rule 14).
    pub provisional: bool,
    /// The moment the validations were evaluated at.
    pub evaluated_at: Instant,
    /// The entry found for the activity code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<EntryRef>,
    /// The account's message shown before the recording begins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The lead's phone fields an OTP may be sent to, in order (only with `OTPValidation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp_phones: Option<Vec<String>>,
    /// Every failed validation, in the order of rule 13.
    pub failures: Vec<Check>,
    /// Every validation that passed, in the same order.
    pub passed: Vec<Check>,
}

/// Finds the entry that has `code` as its Start or End activity.
pub fn find_entry(settings: &Settings, code: EventCode) -> Option<(usize, &Entry)> {
    settings
        .data
        .iter()
        .enumerate()
        .find(|(_, e)| e.has_code(code))
}

/// The server's decision: every validation of the entry, evaluated at `now`.
pub fn precheck(
    settings: &Settings,
    lead: &Lead,
    history: &[Activity],
    input: &PrecheckInput,
    now: Instant,
) -> Decision {
    precheck_over(settings, lead, &history, input, now)
}

/// [`precheck`] over any form of the history ([`Activities`], such as an
/// [`IndexedHistory`](crate::lead::IndexedHistory)): the same decision (one
/// copy of the rules' code for every form: a `dyn`, not a generic).
pub fn precheck_over(
    settings: &Settings,
    lead: &Lead,
    history: &dyn Activities,
    input: &PrecheckInput,
    now: Instant,
) -> Decision {
    Evaluation::new(settings, lead, history, Asked::new(input, Stamp::from(now))).explain(settings)
}

/// The device's decision: the same validations, flagged provisional (rule 14).
pub fn precheck_on_device(
    settings: &Settings,
    lead: &Lead,
    history: &dyn Activities,
    input: &PrecheckInput,
    now: Instant,
) -> Decision {
    Decision {
        provisional: true,
        ..precheck_over(settings, lead, history, input, now)
    }
}

/// Whether an OTP verified at `verified_at` serves a recording that begins at `began` (rule 11).
pub fn otp_serves(verified_at: Instant, began: Instant) -> bool {
    Stamp::from(verified_at) >= check::otp_valid_from(Stamp::from(began))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::check_settings;
    use chrono::{TimeZone, Utc};

    fn at(d: u32, h: u32) -> Instant {
        Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap()
    }

    fn activity(id: &str, code: EventCode, created_on: Instant) -> Activity {
        Activity {
            id: id.into(),
            event_code: code,
            created_on,
            user: None,
        }
    }

    #[test]
    fn the_creation_limit_explains_itself_and_says_when_to_retry() {
        let settings = check_settings(include_str!("../../../fixtures/settings/seed-dual.json"))
            .settings
            .unwrap();
        // Entry 221: at most 5 of code 167 in 2 days. Six in the window: two must leave.
        let mut history: Vec<Activity> = [(18, 11), (19, 1), (18, 12), (19, 2), (19, 3), (19, 4)]
            .iter()
            .enumerate()
            .map(|(i, (d, h))| activity(&format!("A{i}"), 167, at(*d, *h)))
            .collect();
        // The entry also needs one activity of code 154 in the last day.
        history.push(activity("P", 154, at(20, 9)));
        let input = PrecheckInput {
            activity_code: 221,
            user: "U".into(),
            user_location: None,
            otp_verified_at: Some(at(20, 10)),
        };
        let lead = Lead {
            id: "L".into(),
            fields: [("Phone".to_owned(), serde_json::json!("+1"))].into(),
        };
        let decision = precheck(&settings, &lead, &history, &input, at(20, 10));
        assert_eq!(decision.failures.len(), 1, "{:?}", decision.failures);
        let check = &decision.failures[0];
        assert_eq!(check.rule, Rule::ActivityCreationLimitValidation);
        assert_eq!((check.count, check.limit), (Some(6), Some(5)));
        assert_eq!(check.window_start, Some(at(18, 10)));
        // The second oldest (18th 12:00) leaves the 2-day window just after 20th 12:00.
        assert_eq!(
            check.retry_at,
            Some(at(20, 12) + chrono::Duration::seconds(1))
        );
        // At that moment the window holds 4: the limit passes.
        let later = precheck(
            &settings,
            &lead,
            &history,
            &PrecheckInput {
                otp_verified_at: Some(at(20, 12)),
                ..input
            },
            check.retry_at.unwrap(),
        );
        assert!(later.allowed, "{:?}", later.failures);
    }
}
