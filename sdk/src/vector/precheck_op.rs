//! The `precheck` op: the validations before a recording begins.

use serde_json::Value;

use super::{Context, Mismatches};
use crate::validate::{precheck, PrecheckInput};

/// Runs a `precheck` vector: `actual` is the decision.
pub(super) fn run(ctx: &Context) -> Result<Value, String> {
    let input: PrecheckInput = ctx.input()?;
    let decision = precheck(
        ctx.settings()?,
        &ctx.lead(),
        &ctx.vector.history,
        &input,
        ctx.now()?,
    );
    serde_json::to_value(decision).map_err(|e| e.to_string())
}

/// `allowed` must match; `failures` is the exact ordered list; `otp_phones` exact when given.
pub(super) fn compare(expect: &Value, actual: &Value, m: &mut Mismatches) {
    m.required_equal(expect, actual, "allowed");
    compare_failures(expect, actual, m);
    m.optional_equal(expect, actual, "otp_phones");
}

/// Compares `expect.failures` (when given) with the actual failures: the same
/// rules in the same order, and the same message where one is given.
pub(super) fn compare_failures(expect: &Value, actual: &Value, m: &mut Mismatches) {
    let Some(expected) = expect.get("failures") else {
        return;
    };
    let actual_failures = actual
        .get("failures")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let rules = |list: &[Value]| -> Value {
        Value::Array(
            list.iter()
                .map(|f| f.get("rule").cloned().unwrap_or(Value::Null))
                .collect(),
        )
    };
    let Some(expected) = expected.as_array() else {
        m.push(
            "expect.failures",
            expected.clone(),
            Value::String("must be a list".to_owned()),
        );
        return;
    };
    let (want, got) = (rules(expected), rules(&actual_failures));
    if want != got {
        m.push("expect.failures[*].rule", want, got);
        return;
    }
    for (i, (e, a)) in expected.iter().zip(&actual_failures).enumerate() {
        if let Some(message) = e.get("message") {
            m.equal(
                format!("expect.failures[{i}].message"),
                message,
                a.get("message"),
            );
        }
    }
}
