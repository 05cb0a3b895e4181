//! The admin's settings JSON: its model ([`Settings`]) and its checker ([`check_settings`]).

mod check;
mod diagnostic;
pub mod keys;
mod model;
mod reader;
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
            diagnostic.column = Some(e.column());
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
