//! The activities a meeting posts (rules 14 to 17): the Start in Dual mode,
//! and the End with its three recording fields.

mod duration;
mod error;
mod pairing;
mod recording;

pub use duration::{minutes_two_places, seconds_to_millis};
pub use error::{PlanError, DEFAULT_MISSING_START_MESSAGE};
pub use pairing::open_starts;
pub use recording::{is_sha256_hex, is_valid_id, RecordingFault, RecordingMeta};

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::lead::{Activity, EventCode, Lead};
use crate::limits::MAX_RECORDINGS;
use crate::settings::{Entry, Mode, Settings};
use crate::time::{crm_datetime, Instant};
use crate::validate::{self, Decision, PrecheckInput};

/// The Start activity to post (Dual mode), with the server's decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StartPlan {
    /// The Start activity's code.
    pub event_code: EventCode,
    /// The entry's End activity, which the form will post.
    pub end_code: EventCode,
    /// When it is posted: the server's time, the moment the meeting began (rule 14).
    pub created_on: Instant,
    /// The validations, re-checked at `created_on`.
    pub decision: Decision,
}

/// Plans the Start activity of a Dual-mode meeting: the validations are
/// evaluated again on the server's clock (rule 14) and must all pass.
pub fn plan_start(
    settings: &Settings,
    lead: &Lead,
    history: &[Activity],
    input: &PrecheckInput,
    now: Instant,
) -> Result<StartPlan, PlanError> {
    if !settings.recording_enabled {
        return Err(PlanError::RecordingDisabled);
    }
    let code = input.activity_code;
    let (_, entry) =
        validate::find_entry(settings, code).ok_or_else(|| PlanError::UnknownActivity {
            code,
            why: "no entry of the settings has this code".to_owned(),
        })?;
    if settings.mode == Mode::Single {
        return Err(PlanError::NoStartInSingleMode {
            code: entry.activity_code(),
        });
    }
    let (Some(start), Some(end)) = (entry.meeting_start_event_code, entry.meeting_end_event_code)
    else {
        return Err(PlanError::UnknownActivity {
            code,
            why: "the entry lacks a Start or End code".to_owned(),
        });
    };
    let decision = validate::precheck(settings, lead, history, input, now);
    if !decision.allowed {
        return Err(PlanError::ValidationFailed {
            evaluated_at: now,
            failures: decision.failures,
        });
    }
    Ok(StartPlan {
        event_code: start,
        end_code: end,
        created_on: now,
        decision,
    })
}

/// What the form submits to post the End activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct EndInput {
    /// The code whose form is submitted: the End code in Dual mode, the entry's activity in Single mode.
    pub activity_code: EventCode,
    /// The sales user.
    pub user: String,
    /// Single mode: when this user verified an unused OTP for the lead and entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp_verified_at: Option<Instant>,
    /// Where the user was when the meeting began, when known (Single mode geofence re-check).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_location: Option<validate::Position>,
    /// The recordings to attach, 1 to 20.
    pub recordings: Vec<RecordingMeta>,
}

/// The End activity to post.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct EndPlan {
    /// The End activity's code.
    pub event_code: EventCode,
    /// The End activity's display name, where the settings give one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Dual mode: the Start activity this End closes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_activity_id: Option<String>,
    /// The three recording fields by schema name: start, end (UTC `yyyy-MM-dd HH:mm:ss`) and duration in minutes.
    pub fields: BTreeMap<String, String>,
    /// The ids of the recordings attached, in the order given.
    pub recordings: Vec<String>,
    /// Single mode: the validations re-checked as of the first recording's start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
}

/// The End activity's answer in its stable JSON form: `{"ok": true, ...plan}`
/// or `{"ok": false, "error": CODE, "message": TEXT, ...}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(
    feature = "wasm",
    tsify(type = "({ ok: true } & EndPlan) | ({ ok: false; message: string } & PlanError)")
)]
pub struct EndAnswer {
    /// Whether the End may be posted.
    pub ok: bool,
    /// The refusal's message, shown to the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The plan, when ok.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub plan: Option<EndPlan>,
    /// The refusal, when not ok.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<PlanError>,
}

impl From<Result<EndPlan, PlanError>> for EndAnswer {
    fn from(result: Result<EndPlan, PlanError>) -> Self {
        match result {
            Ok(plan) => EndAnswer {
                ok: true,
                message: None,
                plan: Some(plan),
                refusal: None,
            },
            Err(e) => EndAnswer {
                ok: false,
                message: Some(e.user_message()),
                plan: None,
                refusal: Some(e),
            },
        }
    }
}

/// Plans the End activity (rules 15 to 17, and rule 14 in Single mode).
///
/// Checks, in this order: recording on, the activity code, the open Start
/// (Dual), the number of recordings, each recording (malformed, then size),
/// then in Single mode the first recording's start and the validations as of it.
pub fn plan_end(
    settings: &Settings,
    lead: &Lead,
    history: &[Activity],
    input: &EndInput,
    now: Instant,
) -> Result<EndPlan, PlanError> {
    if !settings.recording_enabled {
        return Err(PlanError::RecordingDisabled);
    }
    let entry = end_entry(settings, input.activity_code)?;
    let start_activity_id = match settings.mode {
        Mode::Dual => {
            let open = open_starts(entry, history, &input.user);
            let start = open.first().ok_or_else(|| PlanError::MissingStart {
                text: entry
                    .meeting_end_form_error_message
                    .clone()
                    .filter(|m| !m.trim().is_empty())
                    .unwrap_or_else(|| DEFAULT_MISSING_START_MESSAGE.to_owned()),
            })?;
            Some(start.id.clone())
        }
        Mode::Single => None,
    };
    check_recordings(&input.recordings)?;
    let recordings = &input.recordings;
    let first_start = recordings
        .iter()
        .map(|r| r.started_at)
        .min()
        .ok_or(PlanError::NoRecordings)?;
    let last_end = recordings
        .iter()
        .map(|r| r.ended_at)
        .max()
        .ok_or(PlanError::NoRecordings)?;
    let decision = match settings.mode {
        Mode::Dual => None,
        Mode::Single => {
            if first_start > now {
                let index = recordings
                    .iter()
                    .position(|r| r.started_at == first_start)
                    .unwrap_or(0);
                return Err(PlanError::BadRecording {
                    index,
                    id: recordings[index].id.clone(),
                    why: "it starts after the server's current time".to_owned(),
                });
            }
            let check = PrecheckInput {
                activity_code: input.activity_code,
                user: input.user.clone(),
                user_location: input.user_location,
                otp_verified_at: input.otp_verified_at,
            };
            let decision = validate::precheck(settings, lead, history, &check, first_start);
            if !decision.allowed {
                return Err(PlanError::ValidationFailed {
                    evaluated_at: first_start,
                    failures: decision.failures,
                });
            }
            Some(decision)
        }
    };
    // Saturating: each duration is a finite number of seconds the device
    // reports, and 20 huge ones must not overflow (a panic in a debug build,
    // a wrapped total in a release one).
    let millis: u64 = recordings
        .iter()
        .filter_map(|r| seconds_to_millis(r.duration_s))
        .fold(0, u64::saturating_add);
    let fields = BTreeMap::from([
        (
            entry.recording_start_time_field.clone(),
            crm_datetime(first_start),
        ),
        (
            entry.recording_end_time_field.clone(),
            crm_datetime(last_end),
        ),
        (
            entry.recording_duration_field.clone(),
            minutes_two_places(millis),
        ),
    ]);
    Ok(EndPlan {
        event_code: entry.activity_code(),
        display_name: entry.display_name.clone().filter(|n| !n.trim().is_empty()),
        start_activity_id,
        fields,
        recordings: recordings.iter().map(|r| r.id.clone()).collect(),
        decision,
    })
}

/// The entry whose End form `code` is: the End code in Dual mode, the entry's activity in Single mode.
fn end_entry(settings: &Settings, code: EventCode) -> Result<&Entry, PlanError> {
    if let Some(entry) = settings.data.iter().find(|e| e.activity_code() == code) {
        return Ok(entry);
    }
    let why = match validate::find_entry(settings, code) {
        Some((index, entry)) => format!(
            "it is the Start activity of Data[{index}]; submit its End activity {}",
            entry.activity_code()
        ),
        None => "no entry of the settings has this code".to_owned(),
    };
    Err(PlanError::UnknownActivity { code, why })
}

/// Rule 17: 1 to 20 recordings, each well-formed, at most 10 MB, ids unique.
fn check_recordings(recordings: &[RecordingMeta]) -> Result<(), PlanError> {
    if recordings.is_empty() {
        return Err(PlanError::NoRecordings);
    }
    if recordings.len() > MAX_RECORDINGS {
        return Err(PlanError::TooManyRecordings {
            count: recordings.len(),
        });
    }
    let mut seen = BTreeSet::new();
    for (index, r) in recordings.iter().enumerate() {
        let fault = if seen.insert(r.id.as_str()) {
            r.fault()
        } else {
            Some(RecordingFault::Bad("its id is listed twice".to_owned()))
        };
        match fault {
            None => {}
            Some(RecordingFault::Bad(why)) => {
                return Err(PlanError::BadRecording {
                    index,
                    id: r.id.clone(),
                    why,
                })
            }
            Some(RecordingFault::TooLarge) => {
                return Err(PlanError::RecordingTooLarge {
                    index,
                    id: r.id.clone(),
                    size_bytes: r.size_bytes,
                })
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod fuzz_regressions {
    use super::*;
    use crate::settings::check_settings;

    fn seed_single() -> Settings {
        check_settings(include_str!("../../../fixtures/settings/seed-single.json"))
            .settings
            .expect("the seed is valid")
    }

    fn recording(id: &str, started_at: &str, duration_s: f64) -> serde_json::Value {
        serde_json::json!({"id": id, "started_at": started_at, "ended_at": started_at,
            "duration_s": duration_s, "size_bytes": 1000, "sha256": "ab".repeat(32)})
    }

    fn end(recordings: Vec<serde_json::Value>) -> EndInput {
        serde_json::from_value(serde_json::json!({
            "activity_code": 158, "user": "U-1", "recordings": recordings}))
        .expect("an End input")
    }

    /// Found by fuzzing (target `decisions`): the durations' total overflowed.
    #[test]
    fn huge_durations_saturate() {
        let input = end(vec![
            recording("r1", "2026-11-20T09:00:00Z", 1e16),
            recording("r2", "2026-11-20T09:10:00Z", 1e16),
        ]);
        let now = "2026-11-20T10:00:00Z".parse().unwrap();
        let plan = plan_end(&seed_single(), &Lead::default(), &[], &input, now).unwrap();
        assert_eq!(plan.fields["mx_Custom_3"], minutes_two_places(u64::MAX));
    }

    /// Found by fuzzing (target `decisions`): a Single-mode End whose first
    /// recording starts at the earliest instant JSON can write re-checked
    /// the validations there, and `now - 15 min` overflowed.
    #[test]
    fn a_recording_at_the_start_of_time_does_not_panic() {
        let input = end(vec![recording("r1", "-262143-01-01T00:00:00Z", 60.0)]);
        assert_eq!(
            input.recordings[0].started_at,
            chrono::DateTime::<chrono::Utc>::MIN_UTC
        );
        let now = "2026-11-20T10:00:00Z".parse().unwrap();
        let answer = EndAnswer::from(plan_end(&seed_single(), &Lead::default(), &[], &input, now));
        assert!(answer.ok, "{answer:?}");
        assert!(validate::otp_serves(now, input.recordings[0].started_at));
    }
}
