//! The `session` op (an extension of the vector format): a recording session
//! fed a list of events, and its pending recordings.
//!
//! Input: `platform` (`android` or `ios`), `activity_code`, optional `task_id`,
//! `events` (each `{ "type": ..., "at": ... }`, see [`crate::session::Event`]).
//! The lead is the vector's `lead`. Expect (each optional): `pending`, the
//! exact list of pending files, each `{id, reason}` with optional more keys;
//! `errors`, one per event (`null` or the error code); `state`; `discarded`;
//! `task_open`; `effects`, one list per event.

use serde::Deserialize;
use serde_json::{json, Value};

use super::{Context, Mismatches};
use crate::lead::EventCode;
use crate::session::{Event, Platform, Session};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    platform: Platform,
    activity_code: EventCode,
    #[serde(default)]
    task_id: Option<String>,
    events: Vec<Event>,
}

/// Runs a `session` vector: feeds every event and reports each answer and the final state.
pub(super) fn run(ctx: &Context) -> Result<Value, String> {
    let input: Input = ctx.input()?;
    let mut session = Session::new(
        input.platform,
        ctx.lead().id,
        input.activity_code,
        input.task_id,
    );
    let mut errors = Vec::new();
    let mut effects = Vec::new();
    for event in &input.events {
        match session.apply(event) {
            Ok(done) => {
                errors.push(Value::Null);
                effects.push(serde_json::to_value(done).map_err(|e| e.to_string())?);
            }
            Err(e) => {
                let code = serde_json::to_value(&e).map_err(|e| e.to_string())?;
                errors.push(code.get("error").cloned().unwrap_or(Value::Null));
                effects.push(json!([]));
            }
        }
    }
    Ok(json!({
        "state": session.state(),
        "pending": session.pending(),
        "discarded": session.discarded,
        "task_open": session.task_open(),
        "errors": errors,
        "effects": effects,
        "session": session,
    }))
}

/// Compares the listed keys; `pending` items compare the keys each lists.
pub(super) fn compare(expect: &Value, actual: &Value, m: &mut Mismatches) {
    for key in ["errors", "state", "discarded", "task_open", "effects"] {
        m.optional_equal(expect, actual, key);
    }
    let Some(want) = expect.get("pending") else {
        return;
    };
    let got = actual
        .get("pending")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let Some(want) = want.as_array() else {
        m.push(
            "expect.pending",
            want.clone(),
            Value::String("must be a list".to_owned()),
        );
        return;
    };
    if want.len() != got.len() {
        m.push(
            "expect.pending",
            Value::Array(want.clone()),
            Value::Array(got),
        );
        return;
    }
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        for (key, value) in w.as_object().into_iter().flatten() {
            m.equal(format!("expect.pending[{i}].{key}"), value, g.get(key));
        }
    }
}
