//! Target `decisions`: precheck, plan_start, plan_end and recording sessions
//! on settings that passed the checker, with leads, histories and inputs
//! drawn around a server's clock.

use std::collections::BTreeSet;

use arbitrary::{Result, Unstructured};
use recrules_sdk::lead::{Activity, Lead};
use recrules_sdk::limits::MAX_RECORDINGS;
use recrules_sdk::plan::{plan_end, plan_start, EndAnswer, EndInput, PlanError, RecordingMeta};
use recrules_sdk::session::{Event, Platform, Session};
use recrules_sdk::settings::{check_settings, Mode, Settings};
use recrules_sdk::validate::{precheck, precheck_on_device, Decision, Position, PrecheckInput};
use serde_json::Value;

use crate::gen::{self, Instant};

/// Settings as a server holds them: checked. A generated settings text that
/// is not valid is replaced by a seed.
pub fn settings(u: &mut Unstructured) -> Result<Settings> {
    let value = gen::any_settings(u)?;
    let text = serde_json::to_string(&value).expect("a Value serialises");
    if let Some(settings) = check_settings(&text).settings {
        return Ok(settings);
    }
    let seed = u.choose(&gen::SEEDS)?;
    Ok(check_settings(seed).settings.expect("the seeds are valid"))
}

/// A code the settings name, or any.
fn code(u: &mut Unstructured, settings: &Settings) -> Result<u32> {
    let named: Vec<u32> = settings
        .data
        .iter()
        .flat_map(|e| {
            let v = &e.validations;
            [e.meeting_start_event_code, e.meeting_end_event_code]
                .into_iter()
                .flatten()
                .chain(v.creation_limit.as_ref().map(|c| c.restricted_activity))
                .chain(v.posted_counts.iter().map(|p| p.activity))
        })
        .collect();
    if !named.is_empty() && u.ratio(7, 8)? {
        Ok(*u.choose(&named)?)
    } else {
        gen::code(u)
    }
}

/// A lead whose fields are those the settings read, plus others, each with a
/// string, number or something else.
fn lead(u: &mut Unstructured, settings: &Settings) -> Result<Lead> {
    let mut names: Vec<String> = vec!["Phone".into(), "Mobile".into(), "mx_Latitude".into()];
    for e in &settings.data {
        if let Some(otp) = &e.validations.otp {
            names.extend(otp.phone_number_fields_schema.iter().cloned());
        }
        if let Some(g) = &e.validations.geofence {
            names.push(g.latitude_field.clone());
            names.push(g.longitude_field.clone());
        }
    }
    let mut lead = Lead {
        id: (*u.choose(&["L-1", "L-2", ""])?).to_owned(),
        fields: Default::default(),
    };
    for name in names {
        let v = match u.int_in_range(0..=7)? {
            0 => continue,
            1..=3 => Value::String(gen::string(u)?),
            4 | 5 => gen::number(u)?,
            6 => Value::from(gen::float(u)?.to_string()),
            _ => gen::value(u, 1)?,
        };
        lead.fields.insert(name, v);
    }
    Ok(lead)
}

fn history(u: &mut Unstructured, settings: &Settings, now: Instant) -> Result<Vec<Activity>> {
    let n = u.int_in_range(0..=24)?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(Activity {
            id: if u.ratio(7, 8)? {
                format!("A-{i}")
            } else {
                gen::id(u)?
            },
            event_code: code(u, settings)?,
            created_on: gen::data_instant(u, now)?,
            user: if u.arbitrary()? {
                Some(gen::user(u)?)
            } else {
                None
            },
        });
    }
    Ok(out)
}

fn position(u: &mut Unstructured) -> Result<Option<Position>> {
    Ok(if u.ratio(2, 3)? {
        Some(Position {
            lat: gen::float(u)?,
            lon: gen::float(u)?,
        })
    } else {
        None
    })
}

fn optional_instant(u: &mut Unstructured, now: Instant) -> Result<Option<Instant>> {
    Ok(if u.arbitrary()? {
        Some(gen::data_instant(u, now)?)
    } else {
        None
    })
}

fn recording(u: &mut Unstructured, i: usize, now: Instant) -> Result<RecordingMeta> {
    let started_at = gen::data_instant(u, now)?;
    let ended_at = if u.ratio(7, 8)? {
        started_at
            .checked_add_signed(chrono::Duration::seconds(u.int_in_range(-5..=7200)?))
            .unwrap_or(started_at)
    } else {
        gen::data_instant(u, now)?
    };
    Ok(RecordingMeta {
        id: if u.ratio(7, 8)? {
            format!("r{i}")
        } else {
            gen::id(u)?
        },
        started_at,
        ended_at,
        duration_s: gen::float(u)?,
        size_bytes: *u.choose(&[1, 1000, 10_485_760, 10_485_761, 0, u64::MAX])?,
        sha256: if u.ratio(7, 8)? {
            "ab".repeat(32)
        } else {
            gen::string(u)?
        },
    })
}

/// The invariants of a decision.
fn decision_holds(d: &Decision, now: Instant) {
    assert_eq!(
        d.allowed,
        d.failures.is_empty(),
        "allowed ⇔ no failure: {d:#?}"
    );
    assert_eq!(d.evaluated_at, now);
    assert!(
        d.failures.iter().all(|c| !c.passed),
        "a failure passed: {d:#?}"
    );
    assert!(d.passed.iter().all(|c| c.passed), "a pass failed: {d:#?}");
    for c in d.failures.iter().chain(&d.passed) {
        assert!(
            !c.message.is_empty() && !c.reason.is_empty(),
            "blank check: {c:?}"
        );
    }
    serde_json::to_string(d).expect("a decision serialises");
}

/// `decisions`, first half: precheck (server and device), plan_start, plan_end.
pub fn plans(u: &mut Unstructured) -> Result<()> {
    let settings = settings(u)?;
    let now = gen::server_instant(u)?;
    let lead = lead(u, &settings)?;
    let history = history(u, &settings, now)?;
    let input = PrecheckInput {
        activity_code: code(u, &settings)?,
        user: gen::user(u)?,
        user_location: position(u)?,
        otp_verified_at: optional_instant(u, now)?,
    };

    let server = precheck(&settings, &lead, &history, &input, now);
    decision_holds(&server, now);
    assert!(!server.provisional);
    let device = precheck_on_device(&settings, &lead, &history, &input, now);
    assert!(device.provisional);
    assert_eq!(
        Decision {
            provisional: false,
            ..device
        },
        server,
        "device and server decide alike"
    );

    match plan_start(&settings, &lead, &history, &input, now) {
        Ok(plan) => {
            assert_eq!(settings.mode, Mode::Dual, "a Start in Single mode");
            assert!(settings.recording_enabled);
            assert!(plan.decision.allowed && server.allowed);
            assert_eq!(plan.created_on, now);
            decision_holds(&plan.decision, now);
        }
        Err(PlanError::ValidationFailed { failures, .. }) => {
            assert!(!failures.is_empty(), "refused with no failure");
            assert!(!server.allowed);
        }
        Err(e) => assert!(!e.user_message().trim().is_empty()),
    }

    let n = u.int_in_range(0..=MAX_RECORDINGS + 2)?;
    let mut recordings = Vec::with_capacity(n);
    for i in 0..n {
        recordings.push(recording(u, i, now)?);
    }
    let end = EndInput {
        activity_code: code(u, &settings)?,
        user: input.user.clone(),
        otp_verified_at: optional_instant(u, now)?,
        user_location: position(u)?,
        recordings,
    };
    let result = plan_end(&settings, &lead, &history, &end, now);
    match &result {
        Ok(plan) => {
            assert!(settings.recording_enabled);
            assert!((1..=MAX_RECORDINGS).contains(&plan.recordings.len()));
            assert_eq!(plan.recordings.len(), end.recordings.len());
            assert_eq!(plan.decision.is_some(), settings.mode == Mode::Single);
            assert_eq!(
                plan.start_activity_id.is_some(),
                settings.mode == Mode::Dual
            );
            if let Some(d) = &plan.decision {
                assert!(d.allowed);
            }
            assert!(!plan.fields.is_empty() && plan.fields.len() <= 3);
        }
        Err(PlanError::ValidationFailed { failures, .. }) => {
            assert!(!failures.is_empty(), "refused with no failure");
        }
        Err(e) => assert!(!e.user_message().trim().is_empty()),
    }
    serde_json::to_string(&EndAnswer::from(result)).expect("an answer serialises");
    Ok(())
}

fn event(u: &mut Unstructured, at: Instant) -> Result<Event> {
    Ok(match u.int_in_range(0..=15)? {
        0 => Event::Start {
            at,
            id: gen::id(u)?,
        },
        1 => Event::Pause { at },
        2 => Event::Resume { at },
        3 => Event::Stop {
            at,
            size_bytes: if u.arbitrary()? {
                Some(u.arbitrary()?)
            } else {
                None
            },
        },
        4 => Event::PhoneCall { at },
        5 => Event::AppBackgrounded { at },
        6 => Event::AppForegrounded { at },
        7 => Event::AppKilled { at },
        8 => Event::DeviceOff { at },
        9 => Event::Logout { at },
        10 => Event::Offline { at },
        11 => Event::Online { at },
        12 => Event::FormSubmitted { at },
        13 => Event::Posted { at },
        14 => Event::PostFailed { at },
        _ => Event::TaskMarkedIncomplete { at },
    })
}

/// The invariants of a session between events.
fn session_holds(s: &Session) {
    assert!(s.files.len() <= MAX_RECORDINGS, "{} files", s.files.len());
    let mut ids = BTreeSet::new();
    for id in s
        .files
        .iter()
        .map(|f| &f.id)
        .chain(s.current.iter().map(|c| &c.id))
    {
        assert!(ids.insert(id), "file id {id} twice");
    }
    for f in &s.files {
        assert!(
            f.ended_at >= f.started_at,
            "a file ends before it starts: {f:?}"
        );
        let span = (f.ended_at - f.started_at).num_milliseconds();
        assert!(
            i128::from(f.duration_ms) <= i128::from(span),
            "more audio than time: {f:?}"
        );
    }
    assert_eq!(s.pending().len(), s.files.len());
    assert!(!(s.posted && s.current.is_some()));
    // The JSON form is stable: the app persists it and resumes.
    let text = serde_json::to_string(s).expect("a session serialises");
    let back: Session = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("a session's JSON does not read back: {e}: {text}"));
    assert_eq!(&back, s, "a session's JSON reads back different");
}

/// `decisions`, second half: event sequences on one session. An event
/// refused leaves the session exactly as it was.
pub fn session(u: &mut Unstructured) -> Result<()> {
    let platform = if u.arbitrary()? {
        Platform::Android
    } else {
        Platform::Ios
    };
    let task = if u.arbitrary()? {
        Some("T-1".to_owned())
    } else {
        None
    };
    let mut s = Session::new(platform, "L-1".to_owned(), 210, task);
    let mut at = gen::data_instant(u, gen::base())?;
    let n = u.int_in_range(0..=64)?;
    for _ in 0..n {
        at = match u.int_in_range(0..=9)? {
            0..=6 => at
                .checked_add_signed(chrono::Duration::seconds(u.int_in_range(0..=600)?))
                .unwrap_or(at),
            7 => at,
            8 => at
                .checked_sub_signed(chrono::Duration::seconds(u.int_in_range(1..=60)?))
                .unwrap_or(at),
            _ => gen::data_instant(u, at)?,
        };
        let e = event(u, at)?;
        let before = s.clone();
        match s.apply(&e) {
            Ok(effects) => {
                assert_eq!(s.last_event_at, Some(e.at()));
                serde_json::to_string(&effects).expect("effects serialise");
            }
            Err(err) => {
                assert_eq!(s, before, "a refused {e:?} changed the session ({err})");
                assert!(!err.to_string().is_empty());
            }
        }
        session_holds(&s);
    }
    Ok(())
}

/// `decisions`: one of the two halves.
pub fn decisions(u: &mut Unstructured) -> Result<()> {
    if u.arbitrary()? {
        session(u)
    } else {
        plans(u)
    }
}
