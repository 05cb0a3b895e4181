//! Target `vectors`: any JSON through the conformance vector runner.

use recrules_sdk::vector;
use serde_json::Value;

use crate::gen::SEEDS;

/// Runs one vector, or each item of an array of them (as a vector file holds).
/// A `settings_file` is answered with the single-mode seed when its name
/// says `single`, else the dual-mode seed.
pub fn vectors(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let items = match value {
        Value::Array(items) => items,
        other => vec![other],
    };
    for v in &items {
        let file = v.get("settings_file").and_then(Value::as_str).unwrap_or("");
        let text = if file.contains("single") {
            SEEDS[1]
        } else {
            SEEDS[0]
        };
        let outcome = vector::run(v, Some(text));
        assert_eq!(outcome.passed(), outcome.mismatches.is_empty());
        serde_json::to_string(&outcome).expect("an outcome serialises");
    }
}
