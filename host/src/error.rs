//! The host's errors: each says what went wrong, where, and what would be right.

use std::path::PathBuf;

/// Everything that stops the host from building, loading or serving an application.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The manifest file could not be read.
    #[error("cannot read the manifest {path}: {source}")]
    ManifestRead {
        /// The manifest's path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The manifest is not valid TOML or does not have the shape of a Spin manifest v2.
    #[error("{path} is not a valid Spin manifest (version 2): {source}")]
    ManifestSyntax {
        /// The manifest's path.
        path: PathBuf,
        /// The parser's message, with line and column.
        source: Box<toml::de::Error>,
    },
    /// The manifest parses but says something the host cannot accept.
    #[error("{path}: {what}")]
    ManifestInvalid {
        /// The manifest's path.
        path: PathBuf,
        /// What is wrong, naming the table and key, and what would be right.
        what: String,
    },
    /// A required application variable has no value.
    #[error(
        "application variable `{name}` is required but has no value: set the environment variable {env}"
    )]
    MissingVariable {
        /// The variable's name.
        name: String,
        /// The environment variable that would provide it.
        env: String,
    },
    /// A component's build command could not run or failed.
    #[error("building component `{component}` with `{command}` failed: {why}")]
    Build {
        /// The component's id.
        component: String,
        /// The command as written in the manifest.
        command: String,
        /// Why it failed (exit status or spawn error).
        why: String,
    },
    /// A component's Wasm file could not be read.
    #[error("cannot read the source of component `{component}` at {path}: {source} (build it first, e.g. `recrules-host up --build`)")]
    SourceRead {
        /// The component's id.
        component: String,
        /// The file's path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The component imports interfaces this host does not provide.
    #[error(
        "component `{component}` imports {} that recrules-host does not provide: {}. The host provides: {}",
        if .missing.len() == 1 { "an interface" } else { "interfaces" },
        .missing.join(", "),
        .provided
    )]
    UnsupportedImports {
        /// The component's id.
        component: String,
        /// The import names the host lacks.
        missing: Vec<String>,
        /// A description of what the host provides.
        provided: String,
    },
    /// Wasmtime rejected the component (compilation, linking or export mismatch).
    #[error("component `{component}` cannot be loaded: {why}")]
    Component {
        /// The component's id.
        component: String,
        /// Wasmtime's message.
        why: String,
    },
    /// The SQLite database could not be opened or prepared at startup.
    #[error("the SQLite database at {path} cannot be opened: {source}")]
    SqliteOpen {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// A file or directory of the host's state could not be created or written.
    #[error("cannot write {path}: {source}")]
    StateWrite {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address asked for.
        addr: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The wasmtime engine could not be configured.
    #[error("cannot configure wasmtime: {0}")]
    Engine(String),
}
