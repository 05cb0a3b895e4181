//! What the settings checker reports: each problem, where it is, and what would be right.

use std::fmt;

use serde::Serialize;
use thiserror::Error;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The settings cannot be used.
    Error,
    /// The settings work, but probably not as the admin meant.
    Warning,
}

/// One problem found in a settings JSON. Its text says what is wrong; the
/// [`Diagnostic`] around it says where and, in `help`, what would be right.
#[derive(Debug, Clone, PartialEq, Error, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    /// The text is not JSON.
    #[error("invalid JSON: {detail}")]
    Syntax {
        /// The parser's own words.
        detail: String,
    },
    /// A required key is absent.
    #[error("missing required key `{key}`")]
    Missing {
        /// The key.
        key: String,
    },
    /// A value has the wrong JSON type or form.
    #[error("expected {expected}, found {found}")]
    WrongType {
        /// What the key takes.
        expected: String,
        /// What was given.
        found: String,
    },
    /// A key the settings do not know.
    #[error("unknown key `{key}` is ignored")]
    UnknownKey {
        /// The key as written.
        key: String,
        /// The nearest known key, if one is close.
        suggestion: Option<String>,
    },
    /// `Mode` names no mode.
    #[error("`{value}` is not a mode")]
    BadMode {
        /// The value as written.
        value: String,
    },
    /// A value is outside what the key accepts.
    #[error("{detail}")]
    OutOfRange {
        /// What is wrong with the value.
        detail: String,
    },
    /// An event code serves two entries.
    #[error("event code {code} is already used by {first}")]
    DuplicateCode {
        /// The code.
        code: u32,
        /// The path where it first appears.
        first: String,
    },
    /// Two recording fields of one entry name the same CRM field.
    #[error("`{field}` is already used by {first}")]
    SameField {
        /// The CRM field's schema name.
        field: String,
        /// The key that names it first.
        first: String,
    },
    /// A key that the entry's mode does not use, or a key the mode wants but
    /// can do without.
    #[error("{detail}")]
    Advice {
        /// What the admin should know.
        detail: String,
    },
}

/// A problem with its place in the settings JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The JSON path of the value concerned (`Data[1].Validations.OTPValidation`); `""` is the root.
    pub path: String,
    /// The line of that value in the text, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The column of that value in the text, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// What is wrong, as a sentence.
    pub message: String,
    /// What would be right, where the checker can tell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The problem, as data.
    pub problem: Problem,
}

impl Diagnostic {
    /// A diagnostic at `path`, placed (line and column) later by the checker.
    pub fn new(severity: Severity, path: &str, problem: Problem, help: Option<String>) -> Self {
        Self {
            severity,
            path: path.to_owned(),
            line: None,
            column: None,
            message: problem.to_string(),
            help,
            problem,
        }
    }

    /// Whether this diagnostic makes the settings unusable.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The path as shown to people: the root is `(root)`.
    pub fn display_path(&self) -> &str {
        if self.path.is_empty() {
            "(root)"
        } else {
            &self.path
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{severity} at {}", self.display_path())?;
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, " (line {line}, column {column})")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "; {help}")?;
        }
        Ok(())
    }
}
