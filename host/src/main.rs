//! `recrules-host`: serves a Spin manifest's HTTP components on wasmtime.
//!
//! A small single-machine stand-in for `spin up`, for development, tests and
//! small installs; scale-out belongs to Spin or SpinKube.
//!
//! ```text
//! recrules-host up [--manifest spin.toml] [--listen 127.0.0.1:3000] [--build]
//! recrules-host build [--manifest spin.toml]
//! recrules-host state copy --from .spin/sqlite_db.db --to postgres://...
//! ```

mod bindings;
mod build;
mod engine;
mod error;
mod manifest;
mod outbound;
mod pg_client;
mod pg_convert;
mod pg_guest;
mod routes;
mod server;
mod sqlite_guest;
mod state;
mod state_copy;
mod sweeper;
mod up;
mod variables;
mod vars_guest;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Command line.
#[derive(Parser)]
#[command(
    name = "recrules-host",
    version,
    about = "Serve a Spin manifest's HTTP components on wasmtime"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Subcommands.
#[derive(Subcommand)]
enum Command {
    /// Serve the application.
    Up(up::UpArgs),
    /// Run every component's `[component.X.build] command`, like `spin build`.
    Build {
        /// The manifest.
        #[arg(long, short = 'f', default_value = "spin.toml")]
        manifest: PathBuf,
    },
    /// Manage an installation's state (the Lapps' `recrules_state` table).
    State {
        #[command(subcommand)]
        command: StateCommand,
    },
}

/// `state` subcommands.
#[derive(Subcommand)]
enum StateCommand {
    /// Copy the whole state from a SQLite file into a PostgreSQL database
    /// (idempotent; refuses, writing nothing, if a key differs).
    Copy(state_copy::CopyArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Up(args) => up::run(args).map_err(|e| e.to_string()),
        Command::Build { manifest } => manifest::App::load(&manifest)
            .and_then(|app| build::build_all(&app))
            .map_err(|e| e.to_string()),
        Command::State {
            command: StateCommand::Copy(args),
        } => state_copy::run(args).map_err(|e| e.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("recrules-host: error: {e}");
            ExitCode::FAILURE
        }
    }
}
