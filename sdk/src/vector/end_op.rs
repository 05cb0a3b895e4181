//! The `end` op: the End activity the form posts.

use serde_json::Value;

use super::precheck_op::compare_failures;
use super::{Context, Mismatches};
use crate::plan::{plan_end, EndAnswer, EndInput};

/// Runs an `end` vector: `actual` is the End answer (`ok` with the plan, or the refusal).
pub(super) fn run(ctx: &Context) -> Result<Value, String> {
    let input: EndInput = ctx.input()?;
    let result = plan_end(
        ctx.settings()?,
        &ctx.lead(),
        &ctx.vector.history,
        &input,
        ctx.now()?,
    );
    serde_json::to_value(EndAnswer::from(result)).map_err(|e| e.to_string())
}

/// `ok` must match; then `event_code` and each listed field, or `error`, `message` and `failures`.
pub(super) fn compare(expect: &Value, actual: &Value, m: &mut Mismatches) {
    m.required_equal(expect, actual, "ok");
    if expect.get("ok") != actual.get("ok") {
        return;
    }
    m.optional_equal(expect, actual, "event_code");
    m.optional_equal(expect, actual, "error");
    m.optional_equal(expect, actual, "message");
    if let Some(fields) = expect.get("fields").and_then(Value::as_object) {
        for (name, value) in fields {
            let got = actual.get("fields").and_then(|f| f.get(name));
            m.equal(format!("expect.fields.{name}"), value, got);
        }
    }
    compare_failures(expect, actual, m);
}
