//! A `recrules-host` serving the OTP Lapp on a state directory that outlives
//! the process: kill it hard (SIGKILL, as a crash or an OOM kill would) and
//! start it again on the same state, to check that nothing accepted is lost.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::build::{host_bin, otp_wasm};
use crate::host::OTP_VARIABLES;

/// The variables kept secret (never printed by the host).
const SECRETS: [&str; 3] = ["org_api_keys", "sms_webhook_token", "twilio_auth_token"];

/// The OTP Lapp served from a state directory that survives the host process.
/// Each start listens on a fresh free port ([`DurableHost::base`] changes).
/// The process is stopped and the directory removed when it is dropped.
pub struct DurableHost {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT` of the running process.
    pub base: String,
    /// The state directory (its key-value database is `sqlite_key_value.db`).
    pub state_dir: PathBuf,
    manifest: PathBuf,
    variables: Vec<(String, String)>,
    dir: PathBuf,
}

impl DurableHost {
    /// Serves the OTP Lapp with `variables` set (name, value).
    pub fn otp(variables: &[(&str, &str)]) -> DurableHost {
        let dir = scratch_dir();
        let manifest = dir.join("spin.toml");
        std::fs::write(&manifest, otp_manifest(&otp_wasm())).expect("write the manifest");
        let mut host = DurableHost {
            child: None,
            base: String::new(),
            state_dir: dir.join("state"),
            manifest,
            variables: variables
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            dir,
        };
        host.start();
        host
    }

    /// The key-value database file.
    pub fn database(&self) -> PathBuf {
        self.state_dir.join("sqlite_key_value.db")
    }

    /// The running process's id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("the host is running").id()
    }

    /// Kills the process with SIGKILL (`Child::kill` on Unix), without
    /// letting it close anything, and reaps it; answers how it ended.
    pub fn kill9(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("the host is running");
        child.kill().expect("SIGKILL the host");
        child.wait().expect("reap the host")
    }

    /// Starts the host again on the same manifest, variables and state
    /// directory (after [`DurableHost::kill9`]).
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "kill the host before restarting it");
        self.start();
    }

    /// Starts the process and reads its `Serving` line.
    fn start(&mut self) {
        let mut command = Command::new(host_bin());
        command
            .arg("up")
            .arg("--manifest")
            .arg(&self.manifest)
            .args(["--listen", "127.0.0.1:0"])
            .arg("--state-dir")
            .arg(&self.state_dir)
            .arg("--cache-dir")
            .arg(std::env::temp_dir().join("recrules-e2e-cache"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (name, _) in OTP_VARIABLES {
            command.env_remove(env_name(name));
        }
        for (name, value) in &self.variables {
            command.env(env_name(name), value);
        }
        let mut child = command.spawn().expect("start recrules-host");
        let stdout = child.stdout.take().expect("the host's stdout");
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("read the host's first line");
        match first.trim().strip_prefix("Serving ") {
            Some(url) => self.base = url.trim_end_matches('/').to_owned(),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the host did not start; its first line was {first:?}");
            }
        }
        self.child = Some(child);
    }
}

impl Drop for DurableHost {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `SPIN_VARIABLE_<NAME>`.
fn env_name(name: &str) -> String {
    format!("SPIN_VARIABLE_{}", name.to_ascii_uppercase())
}

/// A manifest with only the OTP component, serving `wasm`.
fn otp_manifest(wasm: &Path) -> String {
    let mut text = String::from(
        "spin_manifest_version = 2\n\n[application]\nname = \"recrules-e2e-restart\"\n\n[variables]\n",
    );
    for (name, default) in OTP_VARIABLES {
        let secret = if SECRETS.contains(&name) {
            ", secret = true"
        } else {
            ""
        };
        text.push_str(&format!("{name} = {{ default = {default:?}{secret} }}\n"));
    }
    text.push_str(&format!(
        "\n[[trigger.http]]\nroute = \"/otp/...\"\ncomponent = \"otp\"\n\n[component.otp]\nsource = {:?}\nkey_value_stores = [\"default\"]\nallowed_outbound_hosts = [\"{{{{ sms_gateway_origin }}}}\"]\n\n[component.otp.variables]\n",
        wasm.display().to_string()
    ));
    for (name, _) in OTP_VARIABLES {
        text.push_str(&format!("{name} = \"{{{{ {name} }}}}\"\n"));
    }
    text
}

/// A fresh directory for one host.
fn scratch_dir() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("recrules-e2e-restart-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a scratch dir");
    dir
}
