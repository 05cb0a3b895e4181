//! The system's messages, shown where the settings give no `DisplayMessage`.

use crate::lead::EventCode;

/// Shown when `RecordingEnabled` is false.
pub const RECORDING_DISABLED: &str = "Activity audio recording is turned off for this account.";
/// Shown when the creation limit is reached and the settings give no message.
pub const CREATION_LIMIT_REACHED: &str =
    "The activity creation limit for this lead has been reached.";
/// Shown when too few activities were posted and the settings give no message.
pub const TOO_FEW_POSTED: &str = "Activities this meeting requires have not been posted yet.";
/// Shown when the user is not near the lead and the settings give no message.
pub const OUTSIDE_GEOFENCE: &str = "You must be near the lead to record this meeting.";
/// Shown when no valid OTP was verified.
pub const OTP_REQUIRED: &str = "Verify the OTP sent to the lead's phone before recording.";

/// Shown when no entry has the activity code.
pub fn unknown_activity(code: EventCode) -> String {
    format!("Activity {code} is not set up for audio recording.")
}

/// Shown when the lead has none of the phone fields an OTP may be sent to.
pub fn no_phone(fields: &[String]) -> String {
    format!(
        "The lead has no phone number in {} to send an OTP to.",
        fields.join(", ")
    )
}
