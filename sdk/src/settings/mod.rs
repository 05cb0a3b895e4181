//! The admin's settings JSON: its model ([`Settings`]) and its checker ([`check_settings`]).

mod check;
mod diagnostic;
pub mod keys;
mod model;
mod reader;
mod retention;
mod span;

pub use diagnostic::{Diagnostic, Problem, Severity};
pub use model::{
    CreationLimit, Entry, Geofence, LappEnv, LappRef, Mode, OtpValidation, PostedCount, Settings,
    Validations,
};
pub use span::{item_path, member_path};

use serde::Serialize;

/// What the checker found in a settings text.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct CheckReport {
    /// True when there is no error (warnings allowed).
    pub valid: bool,
    /// The settings, when valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<Settings>,
    /// Every error and warning, each with its JSON path, line and column.
    pub diagnostics: Vec<Diagnostic>,
}

impl CheckReport {
    /// The errors.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }
}

/// Checks a settings JSON text against rules 1 to 7 and reads it into [`Settings`].
///
/// Every problem is reported, not just the first; each names its JSON path
/// and, where the text has it, its line and column.
pub fn check_settings(text: &str) -> CheckReport {
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => {
            let detail = e.to_string();
            let detail = match detail.rfind(" at line ") {
                Some(at) => detail[..at].to_owned(),
                None => detail,
            };
            let mut diagnostic = Diagnostic::new(
                Severity::Error,
                "",
                Problem::Syntax { detail },
                Some("the settings must be one JSON object; check quotes, commas and brackets near this place".to_owned()),
            );
            diagnostic.line = Some(e.line());
            // serde_json says column 0 for an error just after a newline (or
            // in an empty text): the place is that line's first column.
            diagnostic.column = Some(e.column().max(1));
            return CheckReport {
                valid: false,
                settings: None,
                diagnostics: vec![diagnostic],
            };
        }
    };
    let mut checker = check::Checker::new();
    let settings = checker.settings(&value);
    let mut diagnostics = checker.reader.diagnostics;
    let places = span::locate(text);
    for d in &mut diagnostics {
        let mut path = d.path.as_str();
        let place = loop {
            if let Some(place) = places.get(path) {
                break Some(*place);
            }
            match path.rfind(['.', '[']) {
                Some(cut) => path = &path[..cut],
                None if !path.is_empty() => path = "",
                None => break None,
            }
        };
        (d.line, d.column) = place.unzip();
    }
    let valid = !diagnostics.iter().any(Diagnostic::is_error);
    CheckReport {
        valid,
        settings: settings.filter(|_| valid),
        diagnostics,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::collections::BTreeSet;

    /// Every key of a value, recursively.
    fn keys_of(value: &Value, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    out.insert(k.clone());
                    keys_of(v, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| keys_of(v, out)),
            _ => {}
        }
    }

    #[test]
    fn the_model_and_the_checker_spell_every_key_alike() {
        let full = r#"{"RecordingEnabled": true, "Message": "m", "Mode": "DualActivity", "RecordingRetentionDays": 90, "Data": [{
            "MeetingStartEventCode": 1, "MeetingEndEventCode": 2, "DisplayName": "d",
            "MeetingEndFormErrorMessage": "e", "RecordingStartTimeField": "mx_Custom_1",
            "RecordingEndTimeField": "mx_Custom_2", "RecordingDurationField": "mx_Custom_3",
            "Validations": {
              "OTPValidation": {"PhoneNumberFieldsSchema": ["Phone"], "SendOTPViaLapp": {"LappId": "l", "LappEnv": "Live"}},
              "ActivityCreationLimitValidation": {"TimeIntervalInDays": 1, "ActivityCount": 1, "RestrictedActivity": 3, "DisplayMessage": "x"},
              "ActivityPostedCountValidations": [{"TimeIntervalInDays": 1, "MinimumActivityCount": 1, "Activity": 4, "DisplayMessage": "y"}],
              "GeofenceValidation": {"RadiusInMeters": 5, "LatitudeField": "a", "LongitudeField": "b", "DisplayMessage": "z"},
              "LappValidations": [{"LappId": "t", "LappEnv": "Test"}]}}]}"#;
        let report = check_settings(full);
        assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
        let mut written = BTreeSet::new();
        keys_of(
            &serde_json::to_value(report.settings.unwrap()).unwrap(),
            &mut written,
        );
        let known: BTreeSet<String> = keys::ROOT
            .iter()
            .chain(&keys::ENTRY)
            .chain(&keys::VALIDATION_KINDS)
            .chain(&keys::CREATION_LIMIT_KEYS)
            .chain(&keys::POSTED_COUNT_KEYS)
            .chain(&keys::OTP_KEYS)
            .chain(&keys::LAPP_KEYS)
            .chain(&keys::GEOFENCE_KEYS)
            .map(|k| k.to_string())
            .collect();
        assert_eq!(written, known);
    }

    #[test]
    fn a_syntax_error_has_line_and_column() {
        let report = check_settings("{\n  \"Mode\": \"DualActivity\",\n  \"Data\": [,]\n}");
        let d = &report.diagnostics[0];
        assert!(!report.valid);
        assert_eq!((d.path.as_str(), d.line, d.column), ("", Some(3), Some(12)));
    }

    /// Found by fuzzing (target `settings_bytes`): an empty text, or one
    /// ending just after a newline, was placed at column 0.
    #[test]
    fn syntax_errors_are_placed_from_column_1() {
        for (text, line) in [("", 1), ("{\n", 2), ("{\"Mode\": 1,\n\n", 3)] {
            let d = &check_settings(text).diagnostics[0];
            assert_eq!((d.line, d.column), (Some(line), Some(1)), "{text:?}");
        }
    }

    #[test]
    fn semantic_diagnostics_are_placed_too() {
        let report = check_settings(
            "{\n  \"RecordingEnabled\": true,\n  \"Mode\": \"Solo\",\n  \"Data\": []\n}",
        );
        let d = report.errors().next().unwrap();
        assert_eq!(
            (d.path.as_str(), d.line, d.column),
            ("Mode", Some(3), Some(3))
        );
        assert!(d.help.as_deref().unwrap().contains("SingleActivity"));
    }
}
