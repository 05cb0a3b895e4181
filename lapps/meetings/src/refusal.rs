//! The rules' refusals as HTTP answers.

use recrules_sdk::plan::PlanError;
use recrules_sdk::validate::Decision;
use serde_json::Value;

use crate::reply::Failure;

/// A refused Start or End: 409 for a missing Start (`missing_start`, with
/// the entry's `MeetingEndFormErrorMessage`), else 422; the body is the
/// rules' `{"ok": false, "error": CODE, ...}` with `field` and `message`.
pub fn plan_failure(e: PlanError) -> Failure {
    let (status, field) = match &e {
        PlanError::MissingStart { .. } => (409, None),
        PlanError::UnknownActivity { .. } | PlanError::NoStartInSingleMode { .. } => {
            (422, Some("activity_code".to_owned()))
        }
        PlanError::NoRecordings | PlanError::TooManyRecordings { .. } => {
            (422, Some("recordings".to_owned()))
        }
        PlanError::BadRecording { index, .. } => (422, Some(format!("recordings[{index}]"))),
        PlanError::RecordingTooLarge { index, .. } => {
            (422, Some(format!("recordings[{index}].size_bytes")))
        }
        PlanError::RecordingDisabled | PlanError::ValidationFailed { .. } => (422, None),
    };
    let fields = match serde_json::to_value(&e) {
        Ok(Value::Object(map)) => map,
        _ => Default::default(),
    };
    let code = fields
        .get("error")
        .and_then(Value::as_str)
        .unwrap_or("refused")
        .to_owned();
    let mut failure = Failure::new(status, &code, field.as_deref(), e.user_message());
    failure = failure.with("ok", false);
    for (k, v) in fields {
        if k != "error" {
            failure = failure.with(&k, v);
        }
    }
    failure
}

/// A decision that does not allow the meeting, as 422 `validation_failed`.
pub fn not_allowed(decision: &Decision) -> Failure {
    plan_failure(PlanError::ValidationFailed {
        evaluated_at: decision.evaluated_at,
        failures: decision.failures.clone(),
    })
    .with("decision", decision)
}
