//! # recrules-tenant-closed-stage: an example tenant validation Lapp
//!
//! Refuses a meeting on a lead whose stage (the lead field
//! [`STAGE_FIELD`]) is `Closed`, in any letter case; allows every other
//! meeting, also on a lead without a stage. Built with
//! [`recrules_tenant_kit`]: the rule is [`validate`], the rest is the kit's.
//!
//! Listed in an entry's settings as
//! `"LappValidations": [{"LappId": "tenant_closed_stage", "LappEnv": "Live"}]`;
//! served at `/tenant/tenant_closed_stage/validate` (see `spin.toml`).

use recrules_sdk::hook::{HookContext, HookOutcome};

/// The lead field holding its stage.
pub const STAGE_FIELD: &str = "ProspectStage";
/// The stage on which no meeting may be recorded.
pub const CLOSED_STAGE: &str = "Closed";
/// Shown to the user when the lead is closed.
pub const CLOSED_MESSAGE: &str =
    "This lead is Closed: meetings cannot be recorded with a closed lead. Reopen the lead first.";

/// Refuses a meeting on a Closed lead; allows any other.
pub fn validate(ctx: &HookContext) -> HookOutcome {
    let closed = ctx
        .lead
        .field_text(STAGE_FIELD)
        .is_some_and(|stage| stage.eq_ignore_ascii_case(CLOSED_STAGE));
    HookOutcome {
        allowed: !closed,
        message: closed.then(|| CLOSED_MESSAGE.to_owned()),
    }
}

recrules_tenant_kit::tenant_lapp!(validate);

#[cfg(test)]
mod tests {
    use super::*;
    use recrules_sdk::lead::Lead;
    use serde_json::{json, Value};

    fn context(stage: Option<Value>) -> HookContext {
        let mut lead = Lead {
            id: "L-1".into(),
            ..Lead::default()
        };
        if let Some(stage) = stage {
            lead.fields.insert(STAGE_FIELD.into(), stage);
        }
        HookContext {
            org: "org-1".into(),
            lead,
            history: Vec::new(),
            activity_code: 210,
            user: "U-1".into(),
            user_location: None,
            now: "2026-11-20T10:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn a_closed_lead_is_refused_in_any_case() {
        for stage in ["Closed", "closed", " CLOSED "] {
            let outcome = validate(&context(Some(json!(stage))));
            assert!(!outcome.allowed, "{stage}");
            assert_eq!(outcome.message.as_deref(), Some(CLOSED_MESSAGE));
        }
    }

    #[test]
    fn any_other_lead_is_allowed() {
        for stage in [
            Some(json!("Open")),
            Some(json!("Closed Won")),
            Some(json!(null)),
            None,
        ] {
            let outcome = validate(&context(stage.clone()));
            assert!(outcome.allowed, "{stage:?}");
            assert_eq!(outcome.message, None);
        }
    }

    #[test]
    fn the_kit_answers_over_the_protocol() {
        let body = serde_json::to_vec(&context(Some(json!("closed")))).unwrap();
        let (status, answer) = recrules_tenant_kit::handle(&body, validate);
        assert_eq!(status, 200);
        let answer: Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(answer, json!({"allowed": false, "message": CLOSED_MESSAGE}));
    }
}
