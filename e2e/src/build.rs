//! Building the host and the Lapps once per test run, with the `cargo` that
//! runs the tests, and finding what was built from cargo's JSON messages.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The `recrules-host` binary (built once; or `RECRULES_HOST_BIN`).
pub fn host_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        from_env("RECRULES_HOST_BIN").unwrap_or_else(|| {
            artifact(
                &["build", "-p", "recrules-host", "--bin", "recrules-host"],
                |f| f.ends_with("recrules-host"),
            )
        })
    })
    .clone()
}

/// The OTP Lapp's `.wasm` (built once; or `RECRULES_OTP_WASM`).
pub fn otp_wasm() -> PathBuf {
    static WASM: OnceLock<PathBuf> = OnceLock::new();
    WASM.get_or_init(|| {
        from_env("RECRULES_OTP_WASM").unwrap_or_else(|| {
            let args = [
                "build",
                "--target",
                "wasm32-wasip2",
                "--profile",
                "wasm-release",
                "-p",
                "recrules-otp",
            ];
            artifact(&args, |f| f.ends_with(".wasm"))
        })
    })
    .clone()
}

/// A path from an environment variable, if set.
fn from_env(name: &str) -> Option<PathBuf> {
    std::env::var_os(name).map(PathBuf::from)
}

/// Runs `cargo ARGS --message-format=json` and answers the file among the
/// artifacts' outputs for which `wanted` holds.
fn artifact(args: &[&str], wanted: impl Fn(&str) -> bool) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(&cargo)
        .args(args)
        .arg("--message-format=json-render-diagnostics")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cargo}: {e}"));
    assert!(output.status.success(), "`cargo {}` failed", args.join(" "));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut found = None;
    for line in stdout.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let files = message["executable"].as_str().into_iter().chain(
            message["filenames"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f.as_str()),
        );
        for file in files {
            if wanted(file) {
                found = Some(PathBuf::from(file));
            }
        }
    }
    found.unwrap_or_else(|| panic!("`cargo {}` built nothing that fits", args.join(" ")))
}
