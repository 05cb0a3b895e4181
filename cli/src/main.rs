//! `recrules`: lint settings files and run conformance vectors.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anstream::{eprintln, println};
use clap::{Parser, Subcommand, ValueEnum};
use owo_colors::OwoColorize;
use recrules::vectors::{describe_failure, find_files, load_file, run, Ran};
use recrules_sdk::settings::{check_settings, Diagnostic, Severity};

/// Activity Audio Recording rules: settings linter and conformance vector runner.
#[derive(Parser)]
#[command(name = "recrules", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint a settings JSON file. Exit code: 0 valid (warnings allowed), 1 invalid, 2 unreadable.
    Check {
        /// The settings file.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Run every vector file under the given folders. Exit code 1 if any vector failed.
    Vectors {
        /// Folders (or files) of vectors.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// `human`: one line per failing vector; `json`: every vector's result as JSON.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Check { file, format } => check(&file, format),
        Command::Vectors { dirs, format } => vectors(&dirs, format),
    }
}

fn check(file: &Path, format: Format) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!(
                "{}: cannot read {}: {e}",
                "error".red().bold(),
                file.display()
            );
            return ExitCode::from(2);
        }
    };
    let report = check_settings(&text);
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        ),
        Format::Human => {
            for d in &report.diagnostics {
                print_diagnostic(file, d);
            }
            let (errors, warnings) = (report.errors().count(), report.warnings().count());
            if report.valid {
                println!(
                    "{}: {} is valid ({warnings} warnings)",
                    "ok".green().bold(),
                    file.display()
                );
            } else {
                println!(
                    "{}: {} is invalid ({errors} errors, {warnings} warnings)",
                    "invalid".red().bold(),
                    file.display()
                );
            }
        }
    }
    ExitCode::from(if report.valid { 0 } else { 1 })
}

fn print_diagnostic(file: &Path, d: &Diagnostic) {
    let label = match d.severity {
        Severity::Error => "error".red().bold().to_string(),
        Severity::Warning => "warning".yellow().bold().to_string(),
    };
    let place = match (d.line, d.column) {
        (Some(l), Some(c)) => format!("{}:{l}:{c}", file.display()),
        _ => file.display().to_string(),
    };
    println!("{label}: {}", d.message.bold());
    println!("  {} {place} at {}", "-->".blue(), d.display_path().cyan());
    if let Some(help) = &d.help {
        println!("  {} {help}", "help:".green());
    }
}

fn vectors(dirs: &[PathBuf], format: Format) -> ExitCode {
    let files = match find_files(dirs) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("{}: {e}", "error".red().bold());
            return ExitCode::from(2);
        }
    };
    let mut results: Vec<Ran> = Vec::new();
    let mut unreadable = 0usize;
    for file in &files {
        match load_file(file) {
            Ok(loaded) => results.extend(loaded.iter().map(run)),
            Err(e) => {
                unreadable += 1;
                // With `--format json`, stdout holds only the JSON array.
                match format {
                    Format::Json => eprintln!("FAIL {e}"),
                    Format::Human => println!("FAIL {e}"),
                }
            }
        }
    }
    let failed = results.iter().filter(|r| !r.outcome.passed()).count() + unreadable;
    let passed = results.len() + unreadable - failed;
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&results).unwrap_or_default()
        ),
        Format::Human => {
            for ran in results.iter().filter(|r| !r.outcome.passed()) {
                println!("{}", describe_failure(ran));
            }
        }
    }
    match format {
        Format::Json => eprintln!("{passed} passed, {failed} failed"),
        Format::Human => println!("{passed} passed, {failed} failed"),
    }
    let _ = std::io::stdout().flush();
    ExitCode::from(if failed == 0 { 0 } else { 1 })
}
