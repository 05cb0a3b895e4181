//! Why an activity is not posted.

use serde::Serialize;
use thiserror::Error;

use crate::lead::EventCode;
use crate::limits::{MAX_RECORDINGS, MAX_RECORDING_BYTES};
use crate::time::Instant;
use crate::validate::Check;

/// The system's message for an End without an open Start, where the entry gives none.
pub const DEFAULT_MISSING_START_MESSAGE: &str =
    "This activity cannot be added. Please add the meeting's Start activity first.";

/// Why a Start or End activity is refused. The `error` code in JSON is stable.
#[derive(Debug, Clone, PartialEq, Error, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum PlanError {
    /// `RecordingEnabled` is false.
    #[error("activity audio recording is turned off for this account")]
    RecordingDisabled,
    /// No entry has this code in the role asked for.
    #[error("activity {code} cannot be posted here: {why}")]
    UnknownActivity {
        /// The code given.
        code: EventCode,
        /// Why, and what would be right.
        why: String,
    },
    /// Dual mode: no open Start for this End (rule 15).
    #[error("{text}")]
    MissingStart {
        /// The entry's `MeetingEndFormErrorMessage`, or the system's.
        text: String,
    },
    /// An End with no recording.
    #[error("an End activity needs at least one recording")]
    NoRecordings,
    /// An End with more than 20 recordings.
    #[error("{count} recordings: an End activity carries at most {MAX_RECORDINGS}")]
    TooManyRecordings {
        /// How many were listed.
        count: usize,
    },
    /// A malformed recording.
    #[error("recording `{id}` (recordings[{index}]) is malformed: {why}")]
    BadRecording {
        /// Its place in the list.
        index: usize,
        /// Its id.
        id: String,
        /// What is wrong.
        why: String,
    },
    /// A recording over 10 MB.
    #[error("recording `{id}` (recordings[{index}]) is {size_bytes} bytes; the limit is {MAX_RECORDING_BYTES} bytes (10 MB)")]
    RecordingTooLarge {
        /// Its place in the list.
        index: usize,
        /// Its id.
        id: String,
        /// Its size.
        size_bytes: u64,
    },
    /// The validations failed when re-checked on the server (rule 14).
    #[error("the validations failed as of {evaluated_at}")]
    ValidationFailed {
        /// The moment they were evaluated at.
        evaluated_at: Instant,
        /// Every failure, in the order of rule 13.
        failures: Vec<Check>,
    },
    /// Single mode has no Start activity.
    #[error("Single Activity Mode posts no Start activity; post the End activity {code} with the recordings")]
    NoStartInSingleMode {
        /// The entry's activity.
        code: EventCode,
    },
}

impl PlanError {
    /// The message shown to the user: the settings' own text where there is one.
    pub fn user_message(&self) -> String {
        match self {
            PlanError::MissingStart { text } => text.clone(),
            PlanError::ValidationFailed { failures, .. } => failures
                .iter()
                .map(|f| f.message.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            other => other.to_string(),
        }
    }
}
