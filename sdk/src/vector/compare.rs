//! How a vector's `expect` is compared with what the rules produced.
//!
//! Every op compares through these few helpers, so "exact", "listed keys
//! only" and "subset" mean the same thing for every op and every runner.

use serde::Serialize;
use serde_json::Value;

/// One difference between a vector's `expect` and the actual result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct Mismatch {
    /// Where in `expect` the difference is, e.g. `expect.failures[1].rule`.
    pub path: String,
    /// What the vector expected (`null` when the vector itself is at fault).
    pub expected: Value,
    /// What the rules produced, or a description of what is wrong.
    pub actual: Value,
}

/// The mismatches found so far for one vector.
#[derive(Debug, Default)]
pub struct Mismatches(pub Vec<Mismatch>);

impl Mismatches {
    /// Records that `expected` and `actual` differ at `path`.
    pub fn push(&mut self, path: impl Into<String>, expected: Value, actual: Value) {
        self.0.push(Mismatch {
            path: path.into(),
            expected,
            actual,
        });
    }

    /// Compares `expect[key]`, when the vector gives it, with `actual[key]`.
    pub fn optional_equal(&mut self, expect: &Value, actual: &Value, key: &str) {
        if let Some(expected) = expect.get(key) {
            self.equal(format!("expect.{key}"), expected, actual.get(key));
        }
    }

    /// Compares `expect[key]` with `actual[key]`; a missing expectation is an error of the vector.
    pub fn required_equal(&mut self, expect: &Value, actual: &Value, key: &str) {
        match expect.get(key) {
            Some(expected) => self.equal(format!("expect.{key}"), expected, actual.get(key)),
            None => self.push(
                format!("expect.{key}"),
                Value::Null,
                Value::String(format!("the vector must give `expect.{key}`")),
            ),
        }
    }

    /// Compares one expected value with one actual value (absent counts as `null`).
    pub fn equal(&mut self, path: String, expected: &Value, actual: Option<&Value>) {
        let actual = actual.unwrap_or(&Value::Null);
        if !same(expected, actual) {
            self.push(path, expected.clone(), actual.clone());
        }
    }

    /// Whether no mismatch was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// JSON equality where numbers compare by value (`1` equals `1.0`).
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}
