//! A running `recrules-host` serving the OTP and meetings Lapps together
//! (they share the state store) and the example tenant Lapp, as the root
//! `spin.toml` wires them; replicas of it on one PostgreSQL database
//! ([`App::start_sharing`]).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Arc, OnceLock};

use crate::build::otp_wasm;
use crate::host::{
    scratch_dir, spawn, store_grants, store_variable_lines, OTP_VARIABLES, STORE_VARIABLES,
};
use crate::state::StateDb;

/// The meetings component's own variables, with their defaults (as in the
/// root `spin.toml`); it also reads the OTP Lapp's `org_api_keys`.
pub const MEETINGS_VARIABLES: [(&str, &str); 15] = [
    ("org_admin_keys", ""),
    ("activity_store", "kv"),
    ("tenant_lapp_base_url", ""),
    ("tenant_lapp_timeout_ms", "3000"),
    ("tenant_lapp_secret", ""),
    ("tenant_lapp_origin", "http://127.0.0.1:3000"),
    ("crm_base_url", ""),
    ("crm_access_key", ""),
    ("crm_secret_key", ""),
    ("crm_timeout_ms", "10000"),
    ("crm_max_retries", "3"),
    ("crm_origin", "https://api.leadsquared.com"),
    ("crm_files_url", ""),
    ("crm_files_origin", "https://files.leadsquared.com"),
    ("crm_attach_budget_ms", "20000"),
];

/// The routes of the meetings component.
const MEETINGS_ROUTES: [&str; 6] = [
    "/settings",
    "/validate",
    "/meetings/...",
    "/recordings/...",
    "/leads/...",
    "/maintenance/...",
];

/// The variables the meetings component reads.
const MEETINGS_READS: [&str; 13] = [
    "org_api_keys",
    "org_admin_keys",
    "activity_store",
    "tenant_lapp_base_url",
    "tenant_lapp_timeout_ms",
    "tenant_lapp_secret",
    "crm_base_url",
    "crm_access_key",
    "crm_secret_key",
    "crm_timeout_ms",
    "crm_max_retries",
    "crm_files_url",
    "crm_attach_budget_ms",
];

/// A served application; the host process is stopped when it is dropped.
pub struct App {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Where the Lapps' state lives (shared by replicas).
    pub state: Arc<StateDb>,
    dir: PathBuf,
}

impl App {
    /// Serves the OTP and meetings Lapps with `variables` set (name, value)
    /// on `port` (see [`free_port`]).
    pub fn start(port: u16, variables: &[(&str, &str)]) -> App {
        App::serve(port, variables, None, &[])
    }

    /// Serves the app as [`App::start`] does, with more options of
    /// `recrules-host up` (`--sweep-every 1`).
    pub fn start_with(port: u16, variables: &[(&str, &str)], args: &[&str]) -> App {
        App::serve(port, variables, None, args)
    }

    /// Serves the app as [`App::start`] does, on `state` shared with other
    /// replicas (a [`StateDb::postgres`] database).
    pub fn start_sharing(port: u16, variables: &[(&str, &str)], state: Arc<StateDb>) -> App {
        App::serve(port, variables, Some(state), &[])
    }

    fn serve(
        port: u16,
        variables: &[(&str, &str)],
        state: Option<Arc<StateDb>>,
        args: &[&str],
    ) -> App {
        let dir = scratch_dir();
        let manifest = dir.join("spin.toml");
        std::fs::write(
            &manifest,
            manifest_text(&otp_wasm(), &meetings_wasm(), &tenant_wasm()),
        )
        .expect("write the manifest");
        let state_dir = dir.join("state");
        let state = state.unwrap_or_else(|| Arc::new(StateDb::for_host(&state_dir)));
        let known = known_variables();
        let (child, base) = spawn(
            &manifest,
            &format!("127.0.0.1:{port}"),
            &state_dir,
            &state,
            &known,
            variables,
            args,
        );
        App {
            child,
            base,
            state,
            dir,
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Every variable of the app's manifest (cleared from the host's environment
/// before the test's own are set).
pub(crate) fn known_variables() -> Vec<&'static str> {
    OTP_VARIABLES
        .iter()
        .chain(&MEETINGS_VARIABLES)
        .map(|(name, _)| *name)
        .collect()
}

/// A port free right now on loopback, for a host whose own address must be
/// known before it starts (the tenant Lapps' base URL may point at it).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The meetings Lapp's `.wasm` (built once; or `RECRULES_MEETINGS_WASM`).
pub fn meetings_wasm() -> PathBuf {
    static WASM: OnceLock<PathBuf> = OnceLock::new();
    WASM.get_or_init(|| lapp_wasm("recrules-meetings", "RECRULES_MEETINGS_WASM"))
        .clone()
}

/// The example tenant Lapp's `.wasm` (built once; or `RECRULES_TENANT_WASM`).
pub fn tenant_wasm() -> PathBuf {
    static WASM: OnceLock<PathBuf> = OnceLock::new();
    WASM.get_or_init(|| lapp_wasm("recrules-tenant-closed-stage", "RECRULES_TENANT_WASM"))
        .clone()
}

/// Builds `package` for wasm32-wasip2 (wasm-release), or takes the path in
/// the environment variable `env`.
fn lapp_wasm(package: &str, env: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(env) {
        return PathBuf::from(path);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let args = [
        "build",
        "--target",
        "wasm32-wasip2",
        "--profile",
        "wasm-release",
        "-p",
        package,
    ];
    let status = Command::new(&cargo)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap_or_else(|e| panic!("cannot run {cargo}: {e}"));
    assert!(status.success(), "`cargo {}` failed", args.join(" "));
    // The OTP Lapp's .wasm is built by the same profile into the same directory.
    otp_wasm().with_file_name(format!("{}.wasm", package.replace('-', "_")))
}

/// A manifest serving the OTP Lapp, the meetings Lapp and the example
/// tenant Lapp (at `/tenant/tenant_closed_stage/validate`, as in `spin.toml`,
/// sharing `tenant_lapp_secret` with the meetings Lapp).
pub(crate) fn manifest_text(otp: &Path, meetings: &Path, tenant: &Path) -> String {
    let mut text = String::from(
        "spin_manifest_version = 2\n\n[application]\nname = \"recrules-e2e-meetings\"\n\n[variables]\n",
    );
    for (name, default) in OTP_VARIABLES
        .iter()
        .chain(&MEETINGS_VARIABLES)
        .chain(&STORE_VARIABLES)
    {
        text.push_str(&format!("{name} = {{ default = {default:?} }}\n"));
    }
    text.push_str("\n[[trigger.http]]\nroute = \"/otp/...\"\ncomponent = \"otp\"\n");
    for route in MEETINGS_ROUTES {
        text.push_str(&format!(
            "\n[[trigger.http]]\nroute = \"{route}\"\ncomponent = \"meetings\"\n"
        ));
    }
    text.push_str(&format!(
        "\n[component.otp]\nsource = {:?}\n{}\n[component.otp.variables]\n",
        otp.display().to_string(),
        store_grants(&["sms_gateway_origin"]),
    ));
    for (name, _) in OTP_VARIABLES {
        if name != "sms_gateway_origin" {
            text.push_str(&format!("{name} = \"{{{{ {name} }}}}\"\n"));
        }
    }
    text.push_str(&store_variable_lines());
    text.push_str(&format!(
        "\n[component.meetings]\nsource = {:?}\n{}\n[component.meetings.variables]\n",
        meetings.display().to_string(),
        store_grants(&["tenant_lapp_origin", "crm_origin", "crm_files_origin"]),
    ));
    for name in MEETINGS_READS {
        text.push_str(&format!("{name} = \"{{{{ {name} }}}}\"\n"));
    }
    text.push_str(&store_variable_lines());
    text.push_str(&format!(
        "\n[[trigger.http]]\nroute = \"/tenant/tenant_closed_stage/validate\"\ncomponent = \"tenant\"\n\n[component.tenant]\nsource = {:?}\n{}\n[component.tenant.variables]\ntenant_lapp_secret = \"{{{{ tenant_lapp_secret }}}}\"\n{}",
        tenant.display().to_string(),
        store_grants(&[]),
        store_variable_lines(),
    ));
    text
}
