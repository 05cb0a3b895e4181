//! The `settings` op: the checker's report on the vector's settings.

use serde_json::Value;

use super::{Context, Mismatches};

/// Runs a `settings` vector: `actual` is the checker's report.
pub(super) fn run(ctx: &Context) -> Result<Value, String> {
    let report = ctx
        .report
        .as_ref()
        .ok_or_else(|| "this op needs `settings` or `settings_file`".to_owned())?;
    serde_json::to_value(report).map_err(|e| e.to_string())
}

/// `valid` must match; each listed error and warning path must be among those reported.
pub(super) fn compare(expect: &Value, actual: &Value, m: &mut Mismatches) {
    m.required_equal(expect, actual, "valid");
    let diagnostics = actual
        .get("diagnostics")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (key, severity) in [("errors", "error"), ("warnings", "warning")] {
        let Some(listed) = expect.get(key) else {
            continue;
        };
        let Some(listed) = listed.as_array() else {
            m.push(
                format!("expect.{key}"),
                listed.clone(),
                Value::String("must be a list".to_owned()),
            );
            continue;
        };
        let reported: Vec<&Value> = diagnostics
            .iter()
            .filter(|d| d.get("severity").and_then(Value::as_str) == Some(severity))
            .filter_map(|d| d.get("path"))
            .collect();
        for (i, item) in listed.iter().enumerate() {
            let path = item.get("path").unwrap_or(&Value::Null);
            if !reported.contains(&path) {
                let actual_paths = Value::Array(reported.iter().map(|p| (*p).clone()).collect());
                m.push(
                    format!("expect.{key}[{i}].path"),
                    path.clone(),
                    actual_paths,
                );
            }
        }
    }
}
