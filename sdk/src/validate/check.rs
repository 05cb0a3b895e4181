//! One validation's verdict and its explanation, and the function for each rule.

use chrono::Duration;
use serde::{Deserialize, Serialize};

use super::geo::Position;
use super::messages::*;
use super::window::Window;
use crate::lead::{Activities, EventCode, Lead};
use crate::limits::OTP_APPROVAL_VALIDITY_S;
use crate::settings::{CreationLimit, Geofence, PostedCount};
use crate::time::Instant;

/// The rules a decision reports, by their settings names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub enum Rule {
    /// `RecordingEnabled` is false.
    RecordingEnabled,
    /// No entry has the activity code.
    UnknownActivity,
    /// `ActivityCreationLimitValidation` (rule 9).
    ActivityCreationLimitValidation,
    /// An item of `ActivityPostedCountValidations` (rule 10).
    ActivityPostedCountValidations,
    /// `GeofenceValidation` (rule 12).
    GeofenceValidation,
    /// `OTPValidation` (rule 11).
    #[serde(rename = "OTPValidation")]
    OtpValidation,
    /// An item of `LappValidations`: a tenant's validation Lapp, called by the server.
    LappValidations,
}

impl Rule {
    /// The rule's settings name, as in the JSON form (`"OTPValidation"`), without serde.
    pub fn name(self) -> &'static str {
        match self {
            Rule::RecordingEnabled => "RecordingEnabled",
            Rule::UnknownActivity => "UnknownActivity",
            Rule::ActivityCreationLimitValidation => "ActivityCreationLimitValidation",
            Rule::ActivityPostedCountValidations => "ActivityPostedCountValidations",
            Rule::GeofenceValidation => "GeofenceValidation",
            Rule::OtpValidation => "OTPValidation",
            Rule::LappValidations => "LappValidations",
        }
    }
}

#[cfg(test)]
mod rule_name_tests {
    use super::Rule;

    #[test]
    fn a_rules_name_is_its_json_form() {
        for rule in [
            Rule::RecordingEnabled,
            Rule::UnknownActivity,
            Rule::ActivityCreationLimitValidation,
            Rule::ActivityPostedCountValidations,
            Rule::GeofenceValidation,
            Rule::OtpValidation,
            Rule::LappValidations,
        ] {
            assert_eq!(serde_json::to_value(rule).unwrap(), rule.name());
        }
    }
}

/// One validation's verdict, with what it found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct Check {
    /// Which rule.
    pub rule: Rule,
    /// Whether it passed.
    pub passed: bool,
    /// What the user is shown when it fails: the settings' `DisplayMessage`, or the system's.
    pub message: String,
    /// What was found, in words, for people reviewing the decision.
    pub reason: String,
    /// For posted counts: the item's index in the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// The activity code counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_code: Option<EventCode>,
    /// How many activities the window holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// The limit (creation limit) or minimum (posted counts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The window's start: activities created at or after it count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_start: Option<Instant>,
    /// The first moment the user may try again, where one exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<Instant>,
    /// The distance from the user to the lead, in meters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<f64>,
    /// The radius allowed, in meters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius_m: Option<f64>,
}

impl Check {
    fn new(rule: Rule, passed: bool, message: String, reason: String) -> Self {
        Check {
            rule,
            passed,
            message,
            reason,
            index: None,
            activity_code: None,
            count: None,
            limit: None,
            window_start: None,
            retry_at: None,
            distance_m: None,
            radius_m: None,
        }
    }

    /// A check with no figures.
    pub fn verdict(rule: Rule, passed: bool, message: String, reason: String) -> Self {
        Check::new(rule, passed, message, reason)
    }

    /// A failed check with no figures.
    pub fn fail(rule: Rule, message: String, reason: String) -> Self {
        Check::new(rule, false, message, reason)
    }
}

fn message_or(display: &Option<String>, system: &str) -> String {
    display
        .as_deref()
        .filter(|m| !m.trim().is_empty())
        .unwrap_or(system)
        .to_owned()
}

/// A span of seconds in words: `2 min 5 s`.
fn span(seconds: i64) -> String {
    match (seconds / 60, seconds % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

/// Rule 9: fails when the window already holds `ActivityCount` or more.
pub(super) fn creation_limit(
    limit: &CreationLimit,
    history: &dyn Activities,
    now: Instant,
) -> Check {
    let window = Window::over(
        history,
        limit.restricted_activity,
        now,
        limit.time_interval_in_days,
    );
    let count = window.count();
    let passed = count < limit.activity_count;
    let retry_at = if passed {
        None
    } else {
        window.leaves_below(limit.activity_count)
    };
    let mut reason = format!(
        "{count} activities of code {} in the last {} days; fewer than {} allowed",
        limit.restricted_activity, limit.time_interval_in_days, limit.activity_count
    );
    if retry_at.is_some() {
        reason.push_str("; a recording may begin again at `retry_at`");
    }
    Check {
        activity_code: Some(limit.restricted_activity),
        count: Some(count),
        limit: Some(limit.activity_count),
        window_start: Some(window.start),
        retry_at,
        ..Check::new(
            Rule::ActivityCreationLimitValidation,
            passed,
            message_or(&limit.display_message, CREATION_LIMIT_REACHED),
            reason,
        )
    }
}

/// Rule 10: fails when the window holds fewer than `MinimumActivityCount`.
pub(super) fn posted_count(
    index: usize,
    item: &PostedCount,
    history: &dyn Activities,
    now: Instant,
) -> Check {
    let window = Window::over(history, item.activity, now, item.time_interval_in_days);
    let count = window.count();
    let passed = count >= item.minimum_activity_count;
    let reason = format!(
        "{count} activities of code {} in the last {} days; at least {} required",
        item.activity, item.time_interval_in_days, item.minimum_activity_count
    );
    Check {
        index: Some(index),
        activity_code: Some(item.activity),
        count: Some(count),
        limit: Some(item.minimum_activity_count),
        window_start: Some(window.start),
        ..Check::new(
            Rule::ActivityPostedCountValidations,
            passed,
            message_or(&item.display_message, TOO_FEW_POSTED),
            reason,
        )
    }
}

/// Reads a lead's coordinate field: a number, or a number in a string.
fn coordinate(lead: &Lead, field: &str) -> Option<f64> {
    lead.field_text(field)?.parse().ok()
}

/// Rule 12: fails beyond the radius, or when either position is missing.
pub(super) fn geofence(fence: &Geofence, lead: &Lead, user: Option<Position>) -> Check {
    let message = message_or(&fence.display_message, OUTSIDE_GEOFENCE);
    let lead_at = match (
        coordinate(lead, &fence.latitude_field),
        coordinate(lead, &fence.longitude_field),
    ) {
        (Some(lat), Some(lon)) => Position::checked(lat, lon),
        _ => None,
    };
    let user_at = user.and_then(|p| Position::checked(p.lat, p.lon));
    let (passed, reason, distance) = match (user_at, lead_at) {
        (None, _) => (
            false,
            "the user's position is unknown or invalid".to_owned(),
            None,
        ),
        (_, None) => (
            false,
            format!(
                "the lead has no valid position in `{}` and `{}`",
                fence.latitude_field, fence.longitude_field
            ),
            None,
        ),
        (Some(u), Some(l)) => {
            let d = u.distance_m(l);
            let passed = d <= fence.radius_in_meters;
            let reason = format!(
                "the user is {d:.1} m from the lead; the radius is {} m",
                fence.radius_in_meters
            );
            (passed, reason, Some(d))
        }
    };
    Check {
        distance_m: distance,
        radius_m: Some(fence.radius_in_meters),
        ..Check::new(Rule::GeofenceValidation, passed, message, reason)
    }
}

/// Rule 11: met by an OTP verified at most 15 minutes before `now`; a lead
/// with no phone number fails whatever was verified.
pub(super) fn otp(
    phones: &[String],
    fields: &[String],
    verified_at: Option<Instant>,
    now: Instant,
) -> Check {
    // Saturates at the earliest instant (a Single-mode End re-checks at the
    // first recording's start, which a device may date anywhere).
    let valid_from = now
        .checked_sub_signed(Duration::seconds(OTP_APPROVAL_VALIDITY_S))
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
    if phones.is_empty() {
        let reason = no_phone(fields);
        return Check {
            window_start: Some(valid_from),
            ..Check::fail(Rule::OtpValidation, reason.clone(), reason)
        };
    }
    let (passed, reason) = match verified_at {
        Some(at) if super::otp_serves(at, now) => (
            true,
            format!(
                "an OTP was verified {} before",
                span((now - at).num_seconds().max(0))
            ),
        ),
        Some(at) => (
            false,
            format!(
                "the OTP was verified {} before; it serves for {}",
                span((now - at).num_seconds()),
                span(OTP_APPROVAL_VALIDITY_S)
            ),
        ),
        None => (
            false,
            "no OTP was verified for this lead and activity".to_owned(),
        ),
    };
    Check {
        window_start: Some(valid_from),
        ..Check::new(Rule::OtpValidation, passed, OTP_REQUIRED.to_owned(), reason)
    }
}
