//! Typed reads of a JSON value that record a diagnostic for every problem met,
//! so the checker reports all of them at once instead of stopping at the first.

use serde_json::{Map, Value};

use super::diagnostic::{Diagnostic, Problem, Severity};
use super::span::member_path;

/// Reads values and collects what is wrong with them.
#[derive(Default)]
pub(super) struct Reader {
    /// Everything found so far, in the order found.
    pub diagnostics: Vec<Diagnostic>,
}

impl Reader {
    /// Records an error at `path`.
    pub fn error(&mut self, path: &str, problem: Problem, help: Option<String>) {
        self.diagnostics
            .push(Diagnostic::new(Severity::Error, path, problem, help));
    }

    /// Records a warning at `path`.
    pub fn warning(&mut self, path: &str, problem: Problem, help: Option<String>) {
        self.diagnostics
            .push(Diagnostic::new(Severity::Warning, path, problem, help));
    }

    /// Records that `value` at `path` is not what the key takes.
    pub fn wrong_type(&mut self, path: &str, expected: &str, value: &Value, help: Option<String>) {
        let problem = Problem::WrongType {
            expected: expected.to_owned(),
            found: describe(value),
        };
        self.error(path, problem, help);
    }

    /// The value as an object, or an error.
    pub fn object<'v>(&mut self, value: &'v Value, path: &str) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Object(map) => Some(map),
            other => {
                self.wrong_type(path, "an object `{ ... }`", other, None);
                None
            }
        }
    }

    /// Warns about every key of `map` that is not in `known`, naming the nearest known key (rule 1).
    pub fn unknown_keys(&mut self, map: &Map<String, Value>, path: &str, known: &[&str]) {
        for key in map.keys().filter(|k| !known.contains(&k.as_str())) {
            let suggestion = nearest(key, known);
            let help = match &suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("known keys here: {}", known.join(", ")),
            };
            let problem = Problem::UnknownKey {
                key: key.clone(),
                suggestion,
            };
            self.warning(&member_path(path, key), problem, Some(help));
        }
    }

    /// The member `key`, or an error saying it is missing.
    pub fn required<'v>(
        &mut self,
        map: &'v Map<String, Value>,
        path: &str,
        key: &str,
        help: Option<String>,
    ) -> Option<&'v Value> {
        let value = map.get(key);
        if value.is_none() {
            let problem = Problem::Missing {
                key: key.to_owned(),
            };
            self.error(&member_path(path, key), problem, help);
        }
        value
    }

    /// A boolean.
    pub fn boolean(&mut self, value: &Value, path: &str) -> Option<bool> {
        match value {
            Value::Bool(b) => Some(*b),
            other => {
                let help = match other.as_str() {
                    Some("true" | "false") => Some("write it without quotes".to_owned()),
                    _ => None,
                };
                self.wrong_type(path, "`true` or `false`", other, help);
                None
            }
        }
    }

    /// A string (which may be blank).
    pub fn string(&mut self, value: &Value, path: &str) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            other => {
                self.wrong_type(path, "a string in quotes", other, None);
                None
            }
        }
    }

    /// A string with at least one non-space character.
    pub fn non_blank(&mut self, value: &Value, path: &str) -> Option<String> {
        let text = self.string(value, path)?;
        if text.trim().is_empty() {
            let problem = Problem::OutOfRange {
                detail: "must not be blank".to_owned(),
            };
            self.error(path, problem, None);
            return None;
        }
        Some(text)
    }

    /// A whole number from `min` up (and within `u32`).
    pub fn whole(&mut self, value: &Value, path: &str, min: u32) -> Option<u32> {
        let expected = if min == 0 {
            "a whole number, 0 or more"
        } else {
            "a positive whole number"
        };
        let Some(n) = value.as_u64() else {
            let help = match value {
                Value::String(s) if s.trim().parse::<u64>().is_ok() => {
                    Some(format!("write it without quotes: {}", s.trim()))
                }
                Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0 && f > 0.0) => {
                    Some(format!(
                        "write it without a decimal point: {}",
                        n.as_f64().unwrap_or_default()
                    ))
                }
                _ => None,
            };
            self.wrong_type(path, expected, value, help);
            return None;
        };
        match u32::try_from(n) {
            Ok(n) if n >= min => Some(n),
            _ => {
                let problem = Problem::OutOfRange {
                    detail: format!(
                        "{n} is out of range: expected {expected} up to {}",
                        u32::MAX
                    ),
                };
                self.error(path, problem, None);
                None
            }
        }
    }

    /// A number greater than zero.
    pub fn positive_number(&mut self, value: &Value, path: &str) -> Option<f64> {
        match value.as_f64() {
            Some(x) if x > 0.0 && x.is_finite() => Some(x),
            Some(x) => {
                let problem = Problem::OutOfRange {
                    detail: format!("{x} is out of range: expected a number greater than 0"),
                };
                self.error(path, problem, None);
                None
            }
            None => {
                self.wrong_type(path, "a number greater than 0", value, None);
                None
            }
        }
    }
}

/// The nearest of `known` to `key`: the same word in another letter case, or a close spelling.
fn nearest(key: &str, known: &[&str]) -> Option<String> {
    if let Some(same) = known.iter().find(|k| k.eq_ignore_ascii_case(key)) {
        return Some((*same).to_owned());
    }
    known
        .iter()
        .map(|k| {
            let score = strsim::normalized_damerau_levenshtein(
                &key.to_ascii_lowercase(),
                &k.to_ascii_lowercase(),
            );
            (score, *k)
        })
        .filter(|(score, _)| *score >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k.to_owned())
}

/// A short description of a JSON value, for "found ..." in messages.
pub(super) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) => format!("number `{n}`"),
        Value::String(s) if s.chars().count() > 40 => {
            format!("string \"{}...\"", s.chars().take(40).collect::<String>())
        }
        Value::String(s) => format!("string \"{s}\""),
        Value::Array(a) => format!("an array of {} items", a.len()),
        Value::Object(_) => "an object".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_key() {
        let known = [
            "MeetingEndEventCode",
            "MeetingStartEventCode",
            "DisplayName",
        ];
        assert_eq!(
            nearest("MeetingEndEventCod", &known).as_deref(),
            Some("MeetingEndEventCode")
        );
        assert_eq!(
            nearest("displayname", &known).as_deref(),
            Some("DisplayName")
        );
        assert_eq!(nearest("Colour", &known), None);
    }
}
