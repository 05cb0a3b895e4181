//! What happens to a recording session, as the app reports it.

use serde::{Deserialize, Serialize};

use crate::time::Instant;

/// The phone's operating system; the two differ when the app dies mid-recording (rule 18).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Android discards an in-progress recording when the app is killed, the
    /// device switches off or the user logs out.
    Android,
    /// iOS keeps what was recorded up to then.
    Ios,
}

/// One event of a recording session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Event {
    /// The user begins a new file.
    Start {
        /// When.
        at: Instant,
        /// The new file's id, chosen by the app.
        id: String,
    },
    /// The user pauses the file.
    Pause {
        /// When.
        at: Instant,
    },
    /// The user resumes the paused file.
    Resume {
        /// When.
        at: Instant,
    },
    /// The user stops the file.
    Stop {
        /// When.
        at: Instant,
        /// The file's size, when the app knows it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        size_bytes: Option<u64>,
    },
    /// A phone call was answered: the file stops, and another may be added.
    PhoneCall {
        /// When.
        at: Instant,
    },
    /// The app went to the background: recording goes on.
    AppBackgrounded {
        /// When.
        at: Instant,
    },
    /// The app came back to the foreground.
    AppForegrounded {
        /// When.
        at: Instant,
    },
    /// The app was killed.
    AppKilled {
        /// When.
        at: Instant,
    },
    /// The device switched off.
    DeviceOff {
        /// When.
        at: Instant,
    },
    /// The user logged out.
    Logout {
        /// When.
        at: Instant,
    },
    /// The device lost its connection.
    Offline {
        /// When.
        at: Instant,
    },
    /// The device is connected again.
    Online {
        /// When.
        at: Instant,
    },
    /// The activity form was submitted.
    FormSubmitted {
        /// When.
        at: Instant,
    },
    /// The server accepted the End activity with the recordings.
    Posted {
        /// When.
        at: Instant,
    },
    /// Posting failed; the recordings stay pending.
    PostFailed {
        /// When.
        at: Instant,
    },
    /// The task the activity completes was marked incomplete.
    TaskMarkedIncomplete {
        /// When.
        at: Instant,
    },
}

impl Event {
    /// The event's name in JSON.
    pub fn name(&self) -> &'static str {
        match self {
            Event::Start { .. } => "start",
            Event::Pause { .. } => "pause",
            Event::Resume { .. } => "resume",
            Event::Stop { .. } => "stop",
            Event::PhoneCall { .. } => "phone_call",
            Event::AppBackgrounded { .. } => "app_backgrounded",
            Event::AppForegrounded { .. } => "app_foregrounded",
            Event::AppKilled { .. } => "app_killed",
            Event::DeviceOff { .. } => "device_off",
            Event::Logout { .. } => "logout",
            Event::Offline { .. } => "offline",
            Event::Online { .. } => "online",
            Event::FormSubmitted { .. } => "form_submitted",
            Event::Posted { .. } => "posted",
            Event::PostFailed { .. } => "post_failed",
            Event::TaskMarkedIncomplete { .. } => "task_marked_incomplete",
        }
    }

    /// When it happened.
    pub fn at(&self) -> Instant {
        match self {
            Event::Start { at, .. } | Event::Stop { at, .. } => *at,
            Event::Pause { at }
            | Event::Resume { at }
            | Event::PhoneCall { at }
            | Event::AppBackgrounded { at }
            | Event::AppForegrounded { at }
            | Event::AppKilled { at }
            | Event::DeviceOff { at }
            | Event::Logout { at }
            | Event::Offline { at }
            | Event::Online { at }
            | Event::FormSubmitted { at }
            | Event::Posted { at }
            | Event::PostFailed { at }
            | Event::TaskMarkedIncomplete { at } => *at,
        }
    }
}
