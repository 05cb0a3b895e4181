//! The recording session on the phone, and its pending recordings (rule 18).
//!
//! A [`Session`] is a state machine fed [`Event`]s by the app. It keeps every
//! file that was stopped until the End activity carrying it is posted, and
//! yields them as the pending list. Its JSON form is stable, so the app can
//! persist it and resume after a restart.

mod event;

pub use event::{Event, Platform, EVENT_TYPES};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::lead::EventCode;
use crate::limits::MAX_RECORDINGS;
use crate::plan::{is_valid_id, minutes_two_places};
use crate::time::Instant;

/// Why an event was refused; the session is left as it was.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum SessionError {
    /// The event makes no sense in the session's state.
    #[error("`{event}` is not possible while {state}")]
    NotNow {
        /// The event's name.
        event: String,
        /// The session's state, in words.
        state: String,
    },
    /// A 21st file.
    #[error("{MAX_RECORDINGS} recordings is the most one activity carries")]
    TooManyRecordings,
    /// A file id already used, or malformed.
    #[error("recording id `{id}` {why}")]
    BadId {
        /// The id.
        id: String,
        /// What is wrong with it.
        why: String,
    },
    /// An event dated before the one before it.
    #[error("the event at {at} is earlier than the previous event at {previous}")]
    OutOfOrder {
        /// The event's time.
        at: Instant,
        /// The previous event's time.
        previous: Instant,
    },
}

/// Why a file is pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum PendingReason {
    /// The form has not been submitted yet.
    FormNotSubmitted,
    /// The form was submitted while offline; it posts when the device is online.
    Offline,
    /// The form was submitted and is being posted.
    Posting,
    /// The task was marked incomplete: the task stays open until the activity is posted.
    TaskIncomplete,
}

/// A file that was stopped and is kept until posted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct RecordedFile {
    /// The file's id.
    pub id: String,
    /// When recording began.
    pub started_at: Instant,
    /// When it stopped.
    pub ended_at: Instant,
    /// Audio recorded, in milliseconds (pauses excluded).
    pub duration_ms: u64,
    /// Its size, when the app reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
    /// What stopped it: `stop`, `phone_call`, `app_killed`, `device_off` or `logout` (iOS), `task_marked_incomplete`.
    pub stopped_by: String,
}

/// The file being recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct Current {
    /// The file's id.
    pub id: String,
    /// When recording began.
    pub started_at: Instant,
    /// Audio recorded before the running stretch, in milliseconds.
    pub banked_ms: u64,
    /// When the running stretch began; `None` while paused.
    pub running_since: Option<Instant>,
}

/// One entry of the pending list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct PendingRecording {
    /// The file's id.
    pub id: String,
    /// The lead it belongs to.
    pub lead_id: String,
    /// The entry's activity.
    pub activity_code: EventCode,
    /// The task the activity completes, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// When recording began.
    pub started_at: Instant,
    /// When it stopped.
    pub ended_at: Instant,
    /// Its audio length in minutes, two places.
    pub duration_minutes: String,
    /// Why it is not posted yet.
    pub reason: PendingReason,
}

/// What the app must do after an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Effect {
    /// Keep the stopped file (it is now pending).
    Kept {
        /// The file's id.
        id: String,
    },
    /// Delete the in-progress file: it cannot be saved (Android).
    Discarded {
        /// The file's id.
        id: String,
    },
    /// Post the End activity with these files.
    PostEnd {
        /// The files' ids.
        ids: Vec<String>,
    },
    /// Close the task: its activity is posted.
    CloseTask {
        /// The task's id.
        task_id: String,
    },
    /// Show the recording notification (the app is in the background).
    ShowNotification,
}

/// A recording session for one lead and entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct Session {
    /// The phone's system.
    pub platform: Platform,
    /// The lead.
    pub lead_id: String,
    /// The entry's activity.
    pub activity_code: EventCode,
    /// The task the activity completes, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// Whether the device is connected.
    pub online: bool,
    /// Whether the app is in the background.
    pub background: bool,
    /// Whether the form was submitted (and not yet posted).
    pub submitted: bool,
    /// Whether the task was marked incomplete.
    pub task_incomplete: bool,
    /// Whether the End activity was posted.
    pub posted: bool,
    /// The file being recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<Current>,
    /// The files stopped and not yet posted.
    pub files: Vec<RecordedFile>,
    /// The files dropped (Android, app killed or device off mid-recording).
    pub discarded: Vec<String>,
    /// The time of the last event accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_event_at: Option<Instant>,
}

impl Session {
    /// A new, idle, online session.
    pub fn new(
        platform: Platform,
        lead_id: String,
        activity_code: EventCode,
        task_id: Option<String>,
    ) -> Self {
        Session {
            platform,
            lead_id,
            activity_code,
            task_id,
            online: true,
            background: false,
            submitted: false,
            task_incomplete: false,
            posted: false,
            current: None,
            files: Vec::new(),
            discarded: Vec::new(),
            last_event_at: None,
        }
    }

    /// The session's state in one word: `idle`, `recording`, `paused` or `posted`.
    pub fn state(&self) -> &'static str {
        match &self.current {
            Some(c) if c.running_since.is_some() => "recording",
            Some(_) => "paused",
            None if self.posted => "posted",
            None => "idle",
        }
    }

    /// Applies one event. On error the session is unchanged.
    pub fn apply(&mut self, event: &Event) -> Result<Vec<Effect>, SessionError> {
        let at = event.at();
        if let Some(previous) = self.last_event_at.filter(|p| at < *p) {
            return Err(SessionError::OutOfOrder { at, previous });
        }
        let mut next = self.clone();
        let effects = next.step(event, at)?;
        next.last_event_at = Some(at);
        *self = next;
        Ok(effects)
    }

    fn not_now(&self, event: &Event) -> SessionError {
        SessionError::NotNow {
            event: event.name().to_owned(),
            state: self.state().to_owned(),
        }
    }

    fn step(&mut self, event: &Event, at: Instant) -> Result<Vec<Effect>, SessionError> {
        if self.posted && !matches!(event, Event::Online { .. } | Event::Offline { .. }) {
            return Err(self.not_now(event));
        }
        match event {
            Event::Start { id, .. } => {
                if self.current.is_some() || self.submitted {
                    return Err(self.not_now(event));
                }
                if self.files.len() >= MAX_RECORDINGS {
                    return Err(SessionError::TooManyRecordings);
                }
                let why = if !is_valid_id(id) {
                    Some("must be 1 to 128 letters, digits, `-`, `_` or `.`")
                } else if self.files.iter().any(|f| &f.id == id) || self.discarded.contains(id) {
                    Some("is already used in this session")
                } else {
                    None
                };
                if let Some(why) = why {
                    return Err(SessionError::BadId {
                        id: id.clone(),
                        why: why.to_owned(),
                    });
                }
                self.current = Some(Current {
                    id: id.clone(),
                    started_at: at,
                    banked_ms: 0,
                    running_since: Some(at),
                });
                Ok(Vec::new())
            }
            Event::Pause { .. } => match &mut self.current {
                Some(c) if c.running_since.is_some() => {
                    c.banked_ms += millis_between(c.running_since.take(), at);
                    Ok(Vec::new())
                }
                _ => Err(self.not_now(event)),
            },
            Event::Resume { .. } => match &mut self.current {
                Some(c) if c.running_since.is_none() => {
                    c.running_since = Some(at);
                    Ok(Vec::new())
                }
                _ => Err(self.not_now(event)),
            },
            Event::Stop { size_bytes, .. } => match self.stop_current(at, "stop", *size_bytes) {
                Some(effect) => Ok(vec![effect]),
                None => Err(self.not_now(event)),
            },
            Event::PhoneCall { .. } => Ok(self
                .stop_current(at, "phone_call", None)
                .into_iter()
                .collect()),
            Event::AppBackgrounded { .. } => {
                self.background = true;
                Ok(if self.current.is_some() {
                    vec![Effect::ShowNotification]
                } else {
                    Vec::new()
                })
            }
            Event::AppForegrounded { .. } => {
                self.background = false;
                Ok(Vec::new())
            }
            Event::AppKilled { .. } | Event::DeviceOff { .. } | Event::Logout { .. } => {
                self.background = false;
                Ok(match self.platform {
                    Platform::Ios => self
                        .stop_current(at, event.name(), None)
                        .into_iter()
                        .collect(),
                    Platform::Android => match self.current.take() {
                        Some(c) => {
                            self.discarded.push(c.id.clone());
                            vec![Effect::Discarded { id: c.id }]
                        }
                        None => Vec::new(),
                    },
                })
            }
            Event::Offline { .. } => {
                self.online = false;
                Ok(Vec::new())
            }
            Event::Online { .. } => {
                self.online = true;
                Ok(self.post_if_ready())
            }
            Event::FormSubmitted { .. } => {
                if self.current.is_some() || self.files.is_empty() || self.submitted {
                    return Err(self.not_now(event));
                }
                self.submitted = true;
                Ok(self.post_if_ready())
            }
            Event::Posted { .. } => {
                if !self.submitted || !self.online {
                    return Err(self.not_now(event));
                }
                self.posted = true;
                self.submitted = false;
                self.files.clear();
                Ok(self
                    .task_id
                    .clone()
                    .map(|task_id| Effect::CloseTask { task_id })
                    .into_iter()
                    .collect())
            }
            Event::PostFailed { .. } => {
                if !self.submitted {
                    return Err(self.not_now(event));
                }
                self.submitted = false;
                Ok(Vec::new())
            }
            Event::TaskMarkedIncomplete { .. } => {
                self.task_incomplete = true;
                Ok(self
                    .stop_current(at, event.name(), None)
                    .into_iter()
                    .collect())
            }
        }
    }

    /// Stops the file being recorded and keeps it.
    fn stop_current(&mut self, at: Instant, by: &str, size_bytes: Option<u64>) -> Option<Effect> {
        let c = self.current.take()?;
        let duration_ms = c.banked_ms + millis_between(c.running_since, at);
        self.files.push(RecordedFile {
            id: c.id.clone(),
            started_at: c.started_at,
            ended_at: at,
            duration_ms,
            size_bytes,
            stopped_by: by.to_owned(),
        });
        Some(Effect::Kept { id: c.id })
    }

    fn post_if_ready(&self) -> Vec<Effect> {
        if self.submitted && self.online && !self.files.is_empty() {
            vec![Effect::PostEnd {
                ids: self.files.iter().map(|f| f.id.clone()).collect(),
            }]
        } else {
            Vec::new()
        }
    }

    /// The files kept and not yet posted, with why each is pending.
    pub fn pending(&self) -> Vec<PendingRecording> {
        let reason = if self.submitted && !self.online {
            PendingReason::Offline
        } else if self.submitted {
            PendingReason::Posting
        } else if self.task_incomplete {
            PendingReason::TaskIncomplete
        } else {
            PendingReason::FormNotSubmitted
        };
        self.files
            .iter()
            .map(|f| PendingRecording {
                id: f.id.clone(),
                lead_id: self.lead_id.clone(),
                activity_code: self.activity_code,
                task_id: self.task_id.clone(),
                started_at: f.started_at,
                ended_at: f.ended_at,
                duration_minutes: minutes_two_places(f.duration_ms),
                reason,
            })
            .collect()
    }

    /// Whether the task stays open: it does until its activity is posted.
    pub fn task_open(&self) -> bool {
        self.task_id.is_some() && !self.posted
    }
}

fn millis_between(since: Option<Instant>, until: Instant) -> u64 {
    since
        .map(|s| (until - s).num_milliseconds().max(0) as u64)
        .unwrap_or(0)
}
