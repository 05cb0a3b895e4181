//! Conformance vectors: one case, written once, run by every face of the rules.
//!
//! The format is fixed by `shared/spec/vectors.md`. This module is pure: the
//! caller reads the vector file and, for `settings_file`, the settings text,
//! and gets back what the rules produced (`actual`) and how it differs from
//! `expect`. The native CLI, the wasm package and the HTTP tests all call
//! [`run`], so they compare in exactly the same way.

mod compare;
mod end_op;
mod lifecycle_op;
mod otp_op;
mod precheck_op;
mod session_op;
mod settings_op;

pub use compare::{same, Mismatch, Mismatches};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::lead::{Activity, Lead};
use crate::settings::{check_settings, CheckReport};
use crate::time::Instant;

/// The ops a vector may name.
pub const OPS: [&str; 8] = [
    "settings",
    "precheck",
    "end",
    "otp",
    "session",
    lifecycle_op::OPS[0],
    lifecycle_op::OPS[1],
    lifecycle_op::OPS[2],
];

/// A vector as written in a vector file.
#[derive(Debug, Clone, Deserialize)]
pub struct Vector {
    /// What the case shows, used to name it in reports.
    pub name: String,
    /// The settings JSON, inline.
    #[serde(default)]
    pub settings: Option<Value>,
    /// A path to the settings JSON, relative to the vector file (the caller reads it).
    #[serde(default)]
    pub settings_file: Option<String>,
    /// The moment the case is evaluated at.
    #[serde(default)]
    pub now: Option<Instant>,
    /// The lead.
    #[serde(default)]
    pub lead: Option<Lead>,
    /// The lead's activities.
    #[serde(default)]
    pub history: Vec<Activity>,
    /// Which rule to run.
    pub op: String,
    /// The op's input.
    #[serde(default)]
    pub input: Value,
    /// What the rules must produce.
    pub expect: Value,
}

/// What running one vector gave.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct VectorOutcome {
    /// The vector's name (or a placeholder when it has none).
    pub name: String,
    /// The vector's op.
    pub op: String,
    /// What the rules produced; `null` when the vector could not be run.
    pub actual: Value,
    /// Every difference from `expect`; empty when the vector passed.
    pub mismatches: Vec<Mismatch>,
}

impl VectorOutcome {
    /// Whether the vector passed.
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }
}

/// Runs one vector. `settings_text` is the content of its `settings_file`, read
/// by the caller; it is ignored when the vector gives `settings` inline.
pub fn run(vector: &Value, settings_text: Option<&str>) -> VectorOutcome {
    let name = vector
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("(unnamed vector)")
        .to_owned();
    let op = vector
        .get("op")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let fail = |path: &str, message: String| VectorOutcome {
        name: name.clone(),
        op: op.clone(),
        actual: Value::Null,
        mismatches: vec![Mismatch {
            path: path.to_owned(),
            expected: Value::Null,
            actual: Value::String(message),
        }],
    };
    let parsed: Vector = match serde_json::from_value(vector.clone()) {
        Ok(v) => v,
        Err(e) => return fail("vector", format!("not a vector: {e}")),
    };
    let ctx = match Context::new(&parsed, settings_text) {
        Ok(ctx) => ctx,
        Err(message) => return fail("vector.settings", message),
    };
    let result = match parsed.op.as_str() {
        "settings" => settings_op::run(&ctx),
        "precheck" => precheck_op::run(&ctx),
        "end" => end_op::run(&ctx),
        "otp" => otp_op::run(&ctx),
        "session" => session_op::run(&ctx),
        op if lifecycle_op::OPS.contains(&op) => lifecycle_op::run(&ctx, op),
        other => Err(format!(
            "unknown op `{other}`; expected one of {}",
            OPS.join(", ")
        )),
    };
    let actual = match result {
        Ok(actual) => actual,
        Err(message) => return fail(&format!("vector.op[{}]", parsed.op), message),
    };
    let mut mismatches = Mismatches::default();
    match parsed.op.as_str() {
        "settings" => settings_op::compare(&parsed.expect, &actual, &mut mismatches),
        "precheck" => precheck_op::compare(&parsed.expect, &actual, &mut mismatches),
        "end" => end_op::compare(&parsed.expect, &actual, &mut mismatches),
        "otp" => otp_op::compare(&parsed.expect, &actual, &mut mismatches),
        "session" => session_op::compare(&parsed.expect, &actual, &mut mismatches),
        op => lifecycle_op::compare(op, &parsed.expect, &actual, &mut mismatches),
    }
    VectorOutcome {
        name: parsed.name,
        op: parsed.op,
        actual,
        mismatches: mismatches.0,
    }
}

/// A vector with its settings checked, ready for an op to run.
pub(crate) struct Context<'a> {
    /// The vector.
    pub vector: &'a Vector,
    /// The checker's report on the vector's settings (absent when it has none).
    pub report: Option<CheckReport>,
}

impl<'a> Context<'a> {
    fn new(vector: &'a Vector, settings_text: Option<&str>) -> Result<Self, String> {
        let text = match (&vector.settings, &vector.settings_file, settings_text) {
            (Some(_), Some(_), _) => {
                return Err("give `settings` or `settings_file`, not both".to_owned())
            }
            (Some(inline), None, _) => Some(match inline {
                Value::String(s) => s.clone(),
                other => serde_json::to_string_pretty(other).unwrap_or_default(),
            }),
            (None, Some(file), None) => {
                return Err(format!("the settings file `{file}` was not read"))
            }
            (None, Some(_), Some(text)) => Some(text.to_owned()),
            (None, None, _) => None,
        };
        Ok(Self {
            vector,
            report: text.as_deref().map(check_settings),
        })
    }

    /// The moment the vector is evaluated at; required by most ops.
    pub fn now(&self) -> Result<Instant, String> {
        self.vector
            .now
            .ok_or_else(|| "this op needs `now`".to_owned())
    }

    /// The vector's valid settings; ops other than `settings` need them.
    pub fn settings(&self) -> Result<&crate::settings::Settings, String> {
        let report = self
            .report
            .as_ref()
            .ok_or_else(|| "this op needs `settings` or `settings_file`".to_owned())?;
        report.settings.as_ref().ok_or_else(|| {
            let first = report
                .diagnostics
                .iter()
                .find(|d| d.is_error())
                .map(|d| d.to_string())
                .unwrap_or_default();
            format!("the vector's settings are invalid: {first}")
        })
    }

    /// The vector's lead (an empty lead when it gives none).
    pub fn lead(&self) -> Lead {
        self.vector.lead.clone().unwrap_or_default()
    }

    /// Deserialises the op's `input`.
    pub fn input<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
        serde_json::from_value(self.vector.input.clone()).map_err(|e| format!("bad `input`: {e}"))
    }
}
