//! The settings an admin writes, as checked and normalised by [`super::check_settings`].
//!
//! The JSON form uses the admin's key names, so a model serialises back to
//! settings the checker accepts.

use serde::{Deserialize, Serialize};

use crate::lead::EventCode;

/// The Activity Audio Recording settings of an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "PascalCase")]
pub struct Settings {
    /// Whether recording is on; `false` refuses every recording.
    pub recording_enabled: bool,
    /// The text shown to users before the recording begins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Single or Dual Activity Mode.
    pub mode: Mode,
    /// One entry per recorded activity type.
    pub data: Vec<Entry>,
    /// `RecordingRetentionDays`: for how many whole days recordings are kept
    /// before their bytes are removed, from [`Settings::RETENTION_DAYS_MIN`]
    /// to [`Settings::RETENTION_DAYS_MAX`]; `None` keeps them for ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_retention_days: Option<u32>,
}

impl Settings {
    /// The shortest `RecordingRetentionDays`: 1 day (0 would remove every
    /// recording as soon as it is stored).
    pub const RETENTION_DAYS_MIN: u32 = 1;
    /// The longest `RecordingRetentionDays`: 36,500 days (100 years). Longer
    /// is taken for a typing mistake; to keep recordings for ever, leave the
    /// key out.
    pub const RETENTION_DAYS_MAX: u32 = 36_500;
}

/// How many activities a meeting posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub enum Mode {
    /// Only the End activity, carrying the recordings.
    #[serde(rename = "SingleActivity")]
    Single,
    /// A Start activity when recording begins, and the End activity.
    #[serde(rename = "DualActivity")]
    Dual,
}

impl Mode {
    /// Reads a `Mode` value: `SingleActivity`, `DualActivity`, `Single Activity`
    /// or `Dual Activity`, in any letter case (rule 2).
    pub fn parse(text: &str) -> Option<Mode> {
        match text.to_ascii_lowercase().as_str() {
            "singleactivity" | "single activity" => Some(Mode::Single),
            "dualactivity" | "dual activity" => Some(Mode::Dual),
            _ => None,
        }
    }
}

/// One recorded activity type and its validations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "PascalCase")]
pub struct Entry {
    /// Dual mode: the Start activity. Single mode: the entry's activity when no End code is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_start_event_code: Option<EventCode>,
    /// The End activity, whose form opens and which carries the recordings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_end_event_code: Option<EventCode>,
    /// The End activity's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Dual mode: the message shown when an End is submitted without an open Start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_end_form_error_message: Option<String>,
    /// The End activity's DateTime field for the first recording's start.
    pub recording_start_time_field: String,
    /// The End activity's DateTime field for the last recording's end.
    pub recording_end_time_field: String,
    /// The End activity's field for the total duration in minutes.
    pub recording_duration_field: String,
    /// The checks made before a recording may begin.
    #[serde(default)]
    pub validations: Validations,
}

impl Entry {
    /// The activity whose form opens and which carries the recordings:
    /// the End code when given, else the Start code (rule 3).
    pub fn activity_code(&self) -> EventCode {
        self.meeting_end_event_code
            .or(self.meeting_start_event_code)
            .unwrap_or_default()
    }

    /// Whether `code` is one of this entry's codes.
    pub fn has_code(&self, code: EventCode) -> bool {
        self.meeting_start_event_code == Some(code) || self.meeting_end_event_code == Some(code)
    }
}

/// The validations of one entry; each is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct Validations {
    /// A verified OTP sent to the lead's phone.
    #[serde(
        rename = "OTPValidation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub otp: Option<OtpValidation>,
    /// At most so many activities of a code in a window.
    #[serde(
        rename = "ActivityCreationLimitValidation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub creation_limit: Option<CreationLimit>,
    /// At least so many activities of a code in a window, per item.
    #[serde(
        rename = "ActivityPostedCountValidations",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub posted_counts: Vec<PostedCount>,
    /// The user must be near the lead.
    #[serde(
        rename = "GeofenceValidation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub geofence: Option<Geofence>,
    /// Tenant validation Lapps, called by the server's hook in this order.
    #[serde(
        rename = "LappValidations",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub lapp_validations: Vec<LappRef>,
}

/// `ActivityCreationLimitValidation` (rule 9).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "PascalCase")]
pub struct CreationLimit {
    /// The rolling window, in days of 24 hours.
    pub time_interval_in_days: u32,
    /// The window may hold fewer than this many activities of `restricted_activity`.
    pub activity_count: u32,
    /// The activity code counted.
    pub restricted_activity: EventCode,
    /// Shown when the limit is reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_message: Option<String>,
}

/// One item of `ActivityPostedCountValidations` (rule 10).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "PascalCase")]
pub struct PostedCount {
    /// The rolling window, in days of 24 hours.
    pub time_interval_in_days: u32,
    /// The window must hold at least this many activities of `activity`.
    pub minimum_activity_count: u32,
    /// The activity code counted.
    pub activity: EventCode,
    /// Shown when too few were posted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_message: Option<String>,
}

/// `OTPValidation` (rule 11).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "PascalCase")]
pub struct OtpValidation {
    /// The lead's phone fields offered, in this order.
    pub phone_number_fields_schema: Vec<String>,
    /// The Lapp that sends the OTP, when not the system's sender.
    #[serde(
        rename = "SendOTPViaLapp",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub send_otp_via_lapp: Option<LappRef>,
}

/// A reference to a deployed Lapp.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "PascalCase")]
pub struct LappRef {
    /// The Lapp's id (`da_46224_a63081b7_1`).
    pub lapp_id: String,
    /// `Live` or `Test`.
    pub lapp_env: LappEnv,
}

/// Which deployment of a Lapp is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub enum LappEnv {
    /// The published Lapp.
    Live,
    /// The Lapp under test.
    Test,
}

impl LappEnv {
    /// Its name in the settings and in the `x-lapp-env` header of calls to
    /// tenant Lapps: `Live` or `Test`.
    pub fn name(self) -> &'static str {
        match self {
            LappEnv::Live => "Live",
            LappEnv::Test => "Test",
        }
    }

    /// The environment named `name` (exactly `Live` or `Test`).
    pub fn from_name(name: &str) -> Option<LappEnv> {
        [LappEnv::Live, LappEnv::Test]
            .into_iter()
            .find(|env| env.name() == name)
    }
}

/// `GeofenceValidation` (rule 12).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "PascalCase")]
pub struct Geofence {
    /// The largest distance allowed between user and lead, in meters.
    pub radius_in_meters: f64,
    /// The lead's field holding its latitude.
    pub latitude_field: String,
    /// The lead's field holding its longitude.
    pub longitude_field: String,
    /// Shown when the user is too far or a position is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_message: Option<String>,
}
