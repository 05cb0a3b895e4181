//! Finds vector files under folders and runs them through `recrules_sdk::vector`.

use std::fs;
use std::path::{Path, PathBuf};

use recrules_sdk::vector::{self, Mismatch, VectorOutcome};
use serde::Serialize;
use serde_json::Value;
use thiserror::Error;

/// A vector file that could not be used.
#[derive(Debug, Error)]
pub enum LoadError {
    /// The folder or file could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The folder could not be walked.
    #[error("{path}: cannot list: {message}")]
    Walk {
        /// The path.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The file is not JSON.
    #[error("{path}: invalid JSON at line {line}, column {column}: {message}")]
    Json {
        /// The path.
        path: PathBuf,
        /// The line.
        line: usize,
        /// The column.
        column: usize,
        /// The parser's words.
        message: String,
    },
}

/// One vector read from a file, with the settings text its `settings_file` names.
#[derive(Debug, Clone)]
pub struct LoadedVector {
    /// The file it is in.
    pub file: PathBuf,
    /// Its index in the file's array (0 for a file holding one vector).
    pub index: usize,
    /// The vector as written.
    pub value: Value,
    /// The content of its `settings_file`, or why it could not be read.
    pub settings_text: Result<Option<String>, String>,
}

/// A vector's outcome, with where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct Ran {
    /// `file#index`.
    pub place: String,
    /// What the rules gave.
    #[serde(flatten)]
    pub outcome: VectorOutcome,
}

/// Every `.json` file under `dirs` (files are taken as given), sorted by path.
pub fn find_files(dirs: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut files = Vec::new();
    for dir in dirs {
        if !dir.exists() {
            return Err(LoadError::Read {
                path: dir.clone(),
                source: std::io::Error::from(std::io::ErrorKind::NotFound),
            });
        }
        for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
            let entry = entry.map_err(|e| LoadError::Walk {
                path: dir.clone(),
                message: e.to_string(),
            })?;
            let path = entry.path();
            if entry.file_type().is_file() && path.extension().is_some_and(|x| x == "json") {
                files.push(path.to_path_buf());
            }
        }
    }
    Ok(files)
}

/// Reads the vectors of one file: one object, or an array of them.
pub fn load_file(path: &Path) -> Result<Vec<LoadedVector>, LoadError> {
    let text = fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let value: Value = serde_json::from_str(&text).map_err(|e| LoadError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let items = match value {
        Value::Array(items) => items,
        one => vec![one],
    };
    let base = path.parent().unwrap_or(Path::new("."));
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(index, value)| {
            let settings_text = match value.get("settings_file").and_then(Value::as_str) {
                None => Ok(None),
                Some(rel) => fs::read_to_string(base.join(rel))
                    .map(Some)
                    .map_err(|e| format!("cannot read settings_file `{rel}`: {e}")),
            };
            LoadedVector {
                file: path.to_path_buf(),
                index,
                value,
                settings_text,
            }
        })
        .collect())
}

/// Runs one loaded vector.
pub fn run(loaded: &LoadedVector) -> Ran {
    let place = format!("{}#{}", loaded.file.display(), loaded.index);
    let outcome = match &loaded.settings_text {
        Ok(text) => vector::run(&loaded.value, text.as_deref()),
        Err(message) => VectorOutcome {
            name: loaded
                .value
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("(unnamed vector)")
                .to_owned(),
            op: loaded
                .value
                .get("op")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            actual: Value::Null,
            mismatches: vec![Mismatch {
                path: "vector.settings_file".to_owned(),
                expected: Value::Null,
                actual: Value::String(message.clone()),
            }],
        },
    };
    Ran { place, outcome }
}

/// One line saying how a vector failed.
pub fn describe_failure(ran: &Ran) -> String {
    let what = ran
        .outcome
        .mismatches
        .iter()
        .map(|m| format!("{}: expected {}, got {}", m.path, m.expected, m.actual))
        .collect::<Vec<_>>()
        .join("; ");
    format!(
        "FAIL {} \"{}\" [{}]: {}",
        ran.place, ran.outcome.name, ran.outcome.op, what
    )
}
