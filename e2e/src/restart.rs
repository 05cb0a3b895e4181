//! A `recrules-host` serving the OTP Lapp (or the whole app) on a state
//! directory that outlives the process: kill it hard (SIGKILL, as a crash or an OOM kill would) and
//! start it again on the same state, to check that nothing accepted is lost.

use std::path::PathBuf;
use std::process::{Child, ExitStatus};
use std::sync::Arc;

use crate::app::{known_variables, manifest_text, meetings_wasm, tenant_wasm};
use crate::build::otp_wasm;
use crate::host::{otp_manifest, scratch_dir, spawn, OTP_VARIABLES};
use crate::state::StateDb;

/// The OTP Lapp (or the app) served from a state directory that survives the host process.
/// Each start listens on a fresh free port ([`DurableHost::base`] changes).
/// The process is stopped and the directory removed when it is dropped.
pub struct DurableHost {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT` of the running process.
    pub base: String,
    /// The host's state directory.
    pub state_dir: PathBuf,
    /// Where the Lapps' state lives; it outlives the process too.
    pub state: Arc<StateDb>,
    manifest: PathBuf,
    variables: Vec<(String, String)>,
    /// The manifest's variables, cleared from the environment before `variables` are set.
    known: Vec<&'static str>,
    dir: PathBuf,
}

impl DurableHost {
    /// Serves the OTP Lapp with `variables` set (name, value).
    pub fn otp(variables: &[(&str, &str)]) -> DurableHost {
        let known = OTP_VARIABLES.map(|(name, _)| name).to_vec();
        DurableHost::serve(otp_manifest(&otp_wasm()), known, variables, None)
    }

    /// Serves the OTP and meetings Lapps and the example tenant Lapp, as
    /// [`crate::app::App`] does, with `variables` set (name, value).
    pub fn app(variables: &[(&str, &str)]) -> DurableHost {
        let text = manifest_text(&otp_wasm(), &meetings_wasm(), &tenant_wasm());
        DurableHost::serve(text, known_variables(), variables, None)
    }

    /// Serves the app as [`DurableHost::app`] does, as one replica of
    /// several on `state` (a [`StateDb::postgres`] database).
    pub fn app_sharing(variables: &[(&str, &str)], state: Arc<StateDb>) -> DurableHost {
        let text = manifest_text(&otp_wasm(), &meetings_wasm(), &tenant_wasm());
        DurableHost::serve(text, known_variables(), variables, Some(state))
    }

    /// Writes `manifest` to a fresh directory and starts the host on it.
    fn serve(
        manifest_text: String,
        known: Vec<&'static str>,
        variables: &[(&str, &str)],
        state: Option<Arc<StateDb>>,
    ) -> DurableHost {
        let dir = scratch_dir();
        let manifest = dir.join("spin.toml");
        std::fs::write(&manifest, manifest_text).expect("write the manifest");
        let state_dir = dir.join("state");
        let state = state.unwrap_or_else(|| Arc::new(StateDb::for_host(&state_dir)));
        let mut host = DurableHost {
            child: None,
            base: String::new(),
            state_dir,
            state,
            manifest,
            variables: variables
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            known,
            dir,
        };
        host.start();
        host
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
        let variables: Vec<(&str, &str)> = self
            .variables
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let (child, base) = spawn(
            &self.manifest,
            "127.0.0.1:0",
            &self.state_dir,
            &self.state,
            &self.known,
            &variables,
            &[],
        );
        self.base = base;
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
