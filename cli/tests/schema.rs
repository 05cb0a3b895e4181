//! The JSON Schema in `schema/` agrees with the checker: the seeds pass both,
//! and the schema never refuses settings the checker accepts, nor accepts
//! settings whose errors it can express.

use std::path::PathBuf;

use recrules::vectors::{find_files, load_file};
use recrules_sdk::settings::{check_settings, Problem};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("schema/settings.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

#[test]
fn the_seed_settings_pass_the_schema() {
    let validator = validator();
    for seed in ["seed-single.json", "seed-dual.json"] {
        let text = std::fs::read_to_string(root().join("fixtures/settings").join(seed)).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{seed}: {errors:?}");
    }
}

#[test]
fn the_schema_agrees_with_the_checker_on_every_settings_vector() {
    let validator = validator();
    let files = find_files(&[root().join("fixtures/vectors/settings")]).unwrap();
    let mut compared = 0;
    for loaded in files.iter().flat_map(|f| load_file(f).unwrap()) {
        let text = match (loaded.value.get("settings"), &loaded.settings_text) {
            (Some(Value::String(s)), _) => s.clone(),
            (Some(v), _) => v.to_string(),
            (None, Ok(Some(t))) => t.clone(),
            _ => continue,
        };
        let Ok(value) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let report = check_settings(&text);
        let schema_ok = validator.is_valid(&value);
        let name = loaded.value["name"].as_str().unwrap_or_default().to_owned();
        if report.valid {
            assert!(
                schema_ok,
                "{name}: the checker accepts it, the schema refuses it"
            );
        }
        // Rules the schema cannot say, and `158.0`, which JSON Schema counts
        // as an integer while the checker asks for `158`.
        let only_checker_rules = report.errors().all(|d| match &d.problem {
            Problem::WrongType { found, .. } => found.ends_with(".0`"),
            problem => matches!(
                problem,
                Problem::DuplicateCode { .. }
                    | Problem::SameField { .. }
                    | Problem::Missing { .. }
                    | Problem::OutOfRange { .. }
            ),
        });
        if !report.valid && !only_checker_rules {
            assert!(
                !schema_ok,
                "{name}: the schema accepts settings with a type error: {:?}",
                report.diagnostics
            );
        }
        compared += 1;
    }
    assert!(compared >= 20, "only {compared} settings vectors compared");
}
