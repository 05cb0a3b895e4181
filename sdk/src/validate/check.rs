//! Each rule twice over: what its validation finds, in figures ([`Finding`]:
//! no text, no allocation, what a phone deciding again and again needs), and
//! the same finding in words ([`Check`]: the message, the reason and the
//! figures as instants), made only when read.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::evaluation::Holds;
use super::geo::Position;
use super::messages::*;
use super::window::{retry_at, window_start, Window};
use crate::lead::{Activities, EventCode, Lead};
use crate::limits::OTP_APPROVAL_VALIDITY_S;
use crate::settings::{CreationLimit, Geofence, PostedCount};
use crate::time::{Instant, Stamp};

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

/// What one validation found, in figures: whether it passed, and what it
/// counted or measured. The rule's [`Check`] explains it in words.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Finding {
    /// Whether the validation passed.
    pub passed: bool,
    /// What it counted or measured.
    pub figures: Figures,
}

/// What a validation counted or measured, by rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Figures {
    /// `RecordingEnabled` is false.
    RecordingDisabled,
    /// No entry has the activity code.
    UnknownActivity,
    /// Rule 9: `ActivityCreationLimitValidation` (its window starts at
    /// [`window_start`](super::window_start) of the moment evaluated at).
    CreationLimit {
        /// How many activities of `RestrictedActivity` the window holds.
        count: u32,
        /// When the window holds `ActivityCount` or more: the creation of
        /// the activity whose leaving brings it below (the user may try
        /// again after it has left).
        leaving: Option<Stamp>,
    },
    /// Rule 10: an item of `ActivityPostedCountValidations` (its window as rule 9's).
    PostedCount {
        /// The item's index in the list.
        index: usize,
        /// How many activities of the item's code the window holds.
        count: u32,
    },
    /// Rule 12: `GeofenceValidation`.
    Geofence(Distance),
    /// Rule 11: `OTPValidation` (the phones offered are the evaluation's).
    Otp,
}

/// How far the user is from the lead (rule 12).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Distance {
    /// Both positions are known: the distance between them, in meters.
    Meters(f64),
    /// The user's position is unknown or invalid.
    UserUnknown,
    /// The lead has no valid position in the settings' fields.
    LeadUnknown,
}

impl Figures {
    /// The rule these figures are of.
    pub fn rule(&self) -> Rule {
        match self {
            Figures::RecordingDisabled => Rule::RecordingEnabled,
            Figures::UnknownActivity => Rule::UnknownActivity,
            Figures::CreationLimit { .. } => Rule::ActivityCreationLimitValidation,
            Figures::PostedCount { .. } => Rule::ActivityPostedCountValidations,
            Figures::Geofence(_) => Rule::GeofenceValidation,
            Figures::Otp => Rule::OtpValidation,
        }
    }
}

/// The settings' `DisplayMessage` when it says something, else the system's.
fn message_or<'s>(display: &'s Option<String>, system: &'static str) -> &'s str {
    display
        .as_deref()
        .filter(|m| !m.trim().is_empty())
        .unwrap_or(system)
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
/// `holds` is narrowed to the moments the window holds the same.
pub(super) fn creation_limit(
    limit: &CreationLimit,
    history: &dyn Activities,
    now: Stamp,
    holds: &mut Holds,
) -> Finding {
    let window = Window::over(
        history,
        limit.restricted_activity,
        now,
        limit.time_interval_in_days,
    );
    window.narrow(holds);
    let count = window.count();
    let passed = count < limit.activity_count;
    Finding {
        passed,
        figures: Figures::CreationLimit {
            count,
            leaving: if passed {
                None
            } else {
                window.leaving_below(limit.activity_count)
            },
        },
    }
}

/// Rule 9 in words, at `now`.
pub(super) fn creation_limit_check(
    limit: &CreationLimit,
    passed: bool,
    count: u32,
    leaving: Option<Stamp>,
    now: Stamp,
) -> Check {
    let retry_at = leaving.and_then(|at| retry_at(at, limit.time_interval_in_days));
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
        window_start: Some(window_start(now, limit.time_interval_in_days).instant()),
        retry_at,
        ..Check::new(
            Rule::ActivityCreationLimitValidation,
            passed,
            creation_limit_message(limit).to_owned(),
            reason,
        )
    }
}

/// What the user is shown when rule 9 fails.
pub(super) fn creation_limit_message(limit: &CreationLimit) -> &str {
    message_or(&limit.display_message, CREATION_LIMIT_REACHED)
}

/// Rule 10: fails when the window holds fewer than `MinimumActivityCount`.
/// `holds` is narrowed to the moments the window holds the same.
pub(super) fn posted_count(
    index: usize,
    item: &PostedCount,
    history: &dyn Activities,
    now: Stamp,
    holds: &mut Holds,
) -> Finding {
    let window = Window::over(history, item.activity, now, item.time_interval_in_days);
    window.narrow(holds);
    let count = window.count();
    Finding {
        passed: count >= item.minimum_activity_count,
        figures: Figures::PostedCount { index, count },
    }
}

/// Rule 10 in words, at `now`.
pub(super) fn posted_count_check(
    index: usize,
    item: &PostedCount,
    passed: bool,
    count: u32,
    now: Stamp,
) -> Check {
    let reason = format!(
        "{count} activities of code {} in the last {} days; at least {} required",
        item.activity, item.time_interval_in_days, item.minimum_activity_count
    );
    Check {
        index: Some(index),
        activity_code: Some(item.activity),
        count: Some(count),
        limit: Some(item.minimum_activity_count),
        window_start: Some(window_start(now, item.time_interval_in_days).instant()),
        ..Check::new(
            Rule::ActivityPostedCountValidations,
            passed,
            posted_count_message(item).to_owned(),
            reason,
        )
    }
}

/// What the user is shown when an item of rule 10 fails.
pub(super) fn posted_count_message(item: &PostedCount) -> &str {
    message_or(&item.display_message, TOO_FEW_POSTED)
}

/// Reads a lead's coordinate field: a number, or a number in a string.
fn coordinate(lead: &Lead, field: &str) -> Option<f64> {
    lead.field_str(field)?.parse().ok()
}

/// Rule 12: fails beyond the radius, or when either position is missing.
pub(super) fn geofence(fence: &Geofence, lead: &Lead, user: Option<Position>) -> Finding {
    let lead_at = match (
        coordinate(lead, &fence.latitude_field),
        coordinate(lead, &fence.longitude_field),
    ) {
        (Some(lat), Some(lon)) => Position::checked(lat, lon),
        _ => None,
    };
    let user_at = user.and_then(|p| Position::checked(p.lat, p.lon));
    let (passed, distance) = match (user_at, lead_at) {
        (None, _) => (false, Distance::UserUnknown),
        (_, None) => (false, Distance::LeadUnknown),
        (Some(u), Some(l)) => {
            let d = u.distance_m(l);
            (d <= fence.radius_in_meters, Distance::Meters(d))
        }
    };
    Finding {
        passed,
        figures: Figures::Geofence(distance),
    }
}

/// Rule 12 in words.
pub(super) fn geofence_check(fence: &Geofence, passed: bool, distance: Distance) -> Check {
    let reason = match distance {
        Distance::UserUnknown => "the user's position is unknown or invalid".to_owned(),
        Distance::LeadUnknown => format!(
            "the lead has no valid position in `{}` and `{}`",
            fence.latitude_field, fence.longitude_field
        ),
        Distance::Meters(d) => format!(
            "the user is {d:.1} m from the lead; the radius is {} m",
            fence.radius_in_meters
        ),
    };
    Check {
        distance_m: match distance {
            Distance::Meters(d) => Some(d),
            _ => None,
        },
        radius_m: Some(fence.radius_in_meters),
        ..Check::new(
            Rule::GeofenceValidation,
            passed,
            geofence_message(fence).to_owned(),
            reason,
        )
    }
}

/// What the user is shown when rule 12 fails.
pub(super) fn geofence_message(fence: &Geofence) -> &str {
    message_or(&fence.display_message, OUTSIDE_GEOFENCE)
}

/// Rule 11: met by an OTP verified at most 15 minutes before `now`; a lead
/// with no phone number (`offered` is false) fails whatever was verified.
/// `holds` is narrowed to the moments the verification serves alike: it
/// serves up to 15 minutes after it was made (`verified_at >= now - 15 min`
/// is `now <= verified_at + 15 min`, exact out of leap seconds).
pub(super) fn otp(
    offered: bool,
    verified_at: Option<Stamp>,
    now: Stamp,
    holds: &mut Holds,
) -> Finding {
    let passed = offered && verified_at.is_some_and(|at| at >= otp_valid_from(now));
    if let (true, Some(at)) = (offered, verified_at) {
        match at.checked_add_millis(OTP_VALIDITY_MS) {
            _ if at.is_leap() => holds.nowhere(),
            Some(expires) if passed => holds.until(expires),
            Some(expired) => holds.after(expired),
            // Serves up to the latest instant.
            None => {}
        }
    }
    Finding {
        passed,
        figures: Figures::Otp,
    }
}

/// How long a verified OTP serves, in milliseconds.
const OTP_VALIDITY_MS: f64 = OTP_APPROVAL_VALIDITY_S as f64 * 1000.0;

/// The earliest moment an OTP may have been verified at to serve a recording
/// that begins at `began`: 15 minutes before (rule 11). Saturates at the
/// earliest instant (a Single-mode End re-checks at the first recording's
/// start, which a device may date anywhere).
pub(super) fn otp_valid_from(began: Stamp) -> Stamp {
    began
        .checked_add_millis(-OTP_VALIDITY_MS)
        .unwrap_or(Stamp::MIN)
}

/// Rule 11 in words; `fields`: the settings' `PhoneNumberFieldsSchema`.
pub(super) fn otp_check(
    fields: &[String],
    offered: bool,
    passed: bool,
    verified_at: Option<Stamp>,
    now: Stamp,
) -> Check {
    let (verified_at, valid_from) = (verified_at.map(Stamp::instant), otp_valid_from(now));
    let now = now.instant();
    let message = otp_message(fields, offered).into_owned();
    let reason = if !offered {
        message.clone()
    } else {
        match verified_at {
            Some(at) if passed => format!(
                "an OTP was verified {} before",
                span((now - at).num_seconds().max(0))
            ),
            Some(at) => format!(
                "the OTP was verified {} before; it serves for {}",
                span((now - at).num_seconds()),
                span(OTP_APPROVAL_VALIDITY_S)
            ),
            None => "no OTP was verified for this lead and activity".to_owned(),
        }
    };
    Check {
        window_start: Some(valid_from.instant()),
        ..Check::new(Rule::OtpValidation, passed, message, reason)
    }
}

/// What the user is shown when rule 11 fails.
pub(super) fn otp_message(fields: &[String], offered: bool) -> Cow<'static, str> {
    if offered {
        Cow::Borrowed(OTP_REQUIRED)
    } else {
        Cow::Owned(no_phone(fields))
    }
}
