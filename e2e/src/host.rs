//! A running `recrules-host` serving the OTP Lapp alone, on a free port.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::build::{host_bin, otp_wasm};
use crate::state::StateDb;

/// The variables kept secret (never printed by the host).
const SECRETS: [&str; 4] = [
    "org_api_keys",
    "sms_webhook_token",
    "twilio_auth_token",
    "postgres_url",
];

/// The variables choosing where every component keeps its state, with their
/// defaults (as in the root `spin.toml`); [`StateDb::variables`] sets them.
pub const STORE_VARIABLES: [(&str, &str); 3] = [
    ("state_store", "sqlite"),
    ("postgres_url", ""),
    ("postgres_origin", "postgres://127.0.0.1:5432"),
];

/// What a component's manifest entry says about its state store: its SQLite
/// database, and the PostgreSQL origin beside `outbound` (other origins,
/// already quoted templates).
pub fn store_grants(outbound: &[&str]) -> String {
    let mut hosts: Vec<String> = outbound
        .iter()
        .map(|o| format!("\"{{{{ {o} }}}}\""))
        .collect();
    hosts.push("\"{{ postgres_origin }}\"".to_owned());
    format!(
        "sqlite_databases = [\"default\"]\nallowed_outbound_hosts = [{}]\n",
        hosts.join(", ")
    )
}

/// The variables lines giving a component the store's variables.
pub fn store_variable_lines() -> String {
    ["state_store", "postgres_url"]
        .map(|name| format!("{name} = \"{{{{ {name} }}}}\"\n"))
        .concat()
}

/// The OTP component's variables, with their defaults (as in the root
/// `spin.toml`); a test overrides them through `SPIN_VARIABLE_<NAME>`.
pub const OTP_VARIABLES: [(&str, &str); 14] = [
    ("org_api_keys", ""),
    ("remaining_retry_count", ""),
    ("retry_time_interval", ""),
    ("display_message", ""),
    ("lapp_env", "Live"),
    ("sms_gateway", "webhook"),
    ("sms_template", ""),
    ("sms_webhook_url", ""),
    ("sms_webhook_token", ""),
    ("twilio_base_url", ""),
    ("twilio_account_sid", ""),
    ("twilio_auth_token", ""),
    ("twilio_from", ""),
    ("sms_gateway_origin", "https://api.twilio.com"),
];

/// A served application; the host process is stopped when it is dropped.
pub struct Host {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Where its state lives.
    pub state: StateDb,
    dir: PathBuf,
}

impl Host {
    /// Serves the OTP Lapp with `variables` set (name, value).
    pub fn otp(variables: &[(&str, &str)]) -> Host {
        Host::serve(
            otp_manifest(&otp_wasm()),
            &OTP_VARIABLES.map(|(name, _)| name),
            variables,
        )
    }

    /// Serves the manifest `text` on a free port with a state store of its
    /// own ([`StateDb::for_host`]): the variables named in `known` are
    /// cleared from the host's environment, then `variables` set.
    pub fn serve(text: String, known: &[&str], variables: &[(&str, &str)]) -> Host {
        let dir = scratch_dir();
        let manifest = dir.join("spin.toml");
        std::fs::write(&manifest, text).expect("write the manifest");
        let state_dir = dir.join("state");
        let state = StateDb::for_host(&state_dir);
        let (child, base) = spawn(
            &manifest,
            "127.0.0.1:0",
            &state_dir,
            &state,
            known,
            variables,
            &[],
        );
        Host {
            child,
            base,
            state,
            dir,
        }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts `recrules-host up` on `manifest`, listening on `listen`, with its
/// state directory `state_dir`, the Lapps' state in `state` and the run's
/// shared component cache. The variables named in `known` and the store's
/// are cleared from its environment, then the store's and `variables` set
/// (as `SPIN_VARIABLE_<NAME>`); `args` are more options of `up`. Answers the
/// process and its base URL, read from the host's first line (`Serving http://...`).
pub(crate) fn spawn(
    manifest: &Path,
    listen: &str,
    state_dir: &Path,
    state: &StateDb,
    known: &[&str],
    variables: &[(&str, &str)],
    args: &[&str],
) -> (Child, String) {
    let mut command = Command::new(host_bin());
    command
        .arg("up")
        .arg("--manifest")
        .arg(manifest)
        .args(["--listen", listen])
        .arg("--state-dir")
        .arg(state_dir)
        .arg("--cache-dir")
        .arg(std::env::temp_dir().join("recrules-e2e-cache"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for name in known.iter().chain(&STORE_VARIABLES.map(|(name, _)| name)) {
        command.env_remove(env_name(name));
    }
    for (name, value) in state.variables() {
        command.env(env_name(name), value);
    }
    for (name, value) in variables {
        command.env(env_name(name), value);
    }
    let mut child = command.spawn().expect("start recrules-host");
    let stdout = child.stdout.take().expect("the host's stdout");
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("read the host's first line");
    match first.trim().strip_prefix("Serving ") {
        Some(url) => (child, url.trim_end_matches('/').to_owned()),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the host did not start; its first line was {first:?}");
        }
    }
}

/// `SPIN_VARIABLE_<NAME>`.
fn env_name(name: &str) -> String {
    format!("SPIN_VARIABLE_{}", name.to_ascii_uppercase())
}

/// A manifest with only the OTP component, serving `wasm`.
pub(crate) fn otp_manifest(wasm: &Path) -> String {
    let mut text = String::from(
        "spin_manifest_version = 2\n\n[application]\nname = \"recrules-e2e-otp\"\n\n[variables]\n",
    );
    for (name, default) in OTP_VARIABLES.iter().chain(&STORE_VARIABLES) {
        let secret = if SECRETS.contains(name) {
            ", secret = true"
        } else {
            ""
        };
        text.push_str(&format!("{name} = {{ default = {default:?}{secret} }}\n"));
    }
    text.push_str(&format!(
        "\n[[trigger.http]]\nroute = \"/otp/...\"\ncomponent = \"otp\"\n\n[component.otp]\nsource = {:?}\n{}\n[component.otp.variables]\n",
        wasm.display().to_string(),
        store_grants(&["sms_gateway_origin"]),
    ));
    for (name, _) in OTP_VARIABLES {
        text.push_str(&format!("{name} = \"{{{{ {name} }}}}\"\n"));
    }
    text.push_str(&store_variable_lines());
    text
}

/// A fresh directory for one host.
pub(crate) fn scratch_dir() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("recrules-e2e-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a scratch dir");
    dir
}
