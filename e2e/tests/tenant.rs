//! The example tenant validation Lapp (`lapps/tenant-closed-stage`, built
//! with `lapps/tenant-kit`) over HTTP, served by recrules-host alone.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use recrules_e2e::build::host_bin;
use recrules_e2e::raw::send;
use recrules_e2e::{Reply, Talk};
use serde_json::{json, Value};

/// Where the hook calls the Lapp (`{tenant_lapp_base_url}/{LappId}/validate`).
const ROUTE: &str = "/tenant/tenant_closed_stage/validate";
/// The secret the Lapp shares with the meetings Lapp (`tenant_lapp_secret`).
const SECRET: &str = "tenant-lapp-secret-0123456789";

/// The host serving the tenant Lapp; stopped when dropped.
struct TenantHost {
    child: Child,
    base: String,
    dir: PathBuf,
}

impl TenantHost {
    /// Serves the Lapp with `tenant_lapp_secret` set to `secret` (`None`: unset).
    fn start(secret: Option<&str>) -> TenantHost {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("recrules-e2e-tenant-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a scratch dir");
        let manifest = dir.join("spin.toml");
        let text = format!(
            "spin_manifest_version = 2\n\n[application]\nname = \"recrules-e2e-tenant\"\n\n[variables]\ntenant_lapp_secret = {{ default = \"\", secret = true }}\n\n[[trigger.http]]\nroute = \"{ROUTE}\"\ncomponent = \"tenant-closed-stage\"\n\n[component.tenant-closed-stage]\nsource = {:?}\nallowed_outbound_hosts = []\n\n[component.tenant-closed-stage.variables]\ntenant_lapp_secret = \"{{{{ tenant_lapp_secret }}}}\"\n",
            tenant_wasm().display().to_string()
        );
        std::fs::write(&manifest, text).expect("write the manifest");
        let mut command = Command::new(host_bin());
        command.env_remove("SPIN_VARIABLE_TENANT_LAPP_SECRET");
        if let Some(secret) = secret {
            command.env("SPIN_VARIABLE_TENANT_LAPP_SECRET", secret);
        }
        let mut child = command
            .arg("up")
            .arg("--manifest")
            .arg(&manifest)
            .args(["--listen", "127.0.0.1:0"])
            .arg("--state-dir")
            .arg(dir.join("state"))
            .arg("--cache-dir")
            .arg(std::env::temp_dir().join("recrules-e2e-cache"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start recrules-host");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("the host's stdout"))
            .read_line(&mut first)
            .expect("read the host's first line");
        let Some(base) = first.trim().strip_prefix("Serving ") else {
            let _ = child.kill();
            panic!("the host did not start; its first line was {first:?}");
        };
        let base = base.trim_end_matches('/').to_owned();
        TenantHost { child, base, dir }
    }
}

impl Drop for TenantHost {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The example Lapp's `.wasm`: `RECRULES_TENANT_CLOSED_STAGE_WASM`, or built
/// (once) with the `cargo` running the tests.
fn tenant_wasm() -> PathBuf {
    static WASM: OnceLock<PathBuf> = OnceLock::new();
    WASM.get_or_init(build_tenant_wasm).clone()
}

/// Finds or builds the example Lapp's `.wasm` (see [`tenant_wasm`]).
fn build_tenant_wasm() -> PathBuf {
    if let Some(path) = std::env::var_os("RECRULES_TENANT_CLOSED_STAGE_WASM") {
        return PathBuf::from(path);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(&cargo)
        .args([
            "build",
            "--target",
            "wasm32-wasip2",
            "--profile",
            "wasm-release",
        ])
        .args([
            "-p",
            "recrules-tenant-closed-stage",
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cargo}: {e}"));
    assert!(
        output.status.success(),
        "building recrules-tenant-closed-stage failed"
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .flat_map(|m| m["filenames"].as_array().cloned().unwrap_or_default())
        .filter_map(|f| f.as_str().map(PathBuf::from))
        .find(|f| f.extension().is_some_and(|e| e == "wasm"))
        .expect("the build made a .wasm")
}

/// A hook context for a lead at `stage` (none: no stage field).
fn context(stage: Option<&str>) -> Value {
    let mut fields = json!({ "Phone": "+919800000001" });
    if let Some(stage) = stage {
        fields["ProspectStage"] = json!(stage);
    }
    json!({
        "org": "org-1",
        "lead": { "id": "L-1", "fields": fields },
        "history": [{ "id": "A-1", "event_code": 209, "created_on": "2026-11-19T09:30:00Z", "user": "U-1" }],
        "activity_code": 210,
        "user": "U-1",
        "user_location": { "lat": 12.97, "lon": 77.59 },
        "now": "2026-11-20T10:00:00Z"
    })
}

fn expect(reply: &Reply, status: u16) -> Value {
    assert_eq!(reply.status, status, "{}", reply.body);
    reply.json()
}

#[test]
fn the_example_lapp_speaks_the_hook_protocol() {
    let host = TenantHost::start(Some(SECRET));
    let talk = Talk::new(
        &host.base,
        &[("x-lapp-env", "Live"), ("x-lapp-secret", SECRET)],
    );

    for stage in ["Closed", "closed"] {
        let refused = expect(&talk.post(ROUTE, &context(Some(stage))), 200);
        assert_eq!(refused["allowed"], false, "{refused}");
        assert!(
            refused["message"]
                .as_str()
                .is_some_and(|m| m.contains("Closed")),
            "{refused}"
        );
    }
    for stage in [Some("Open"), None] {
        let allowed = expect(&talk.post(ROUTE, &context(stage)), 200);
        assert_eq!(allowed, json!({ "allowed": true }));
    }

    let mut no_time = context(Some("Open"));
    no_time.as_object_mut().expect("an object").remove("now");
    let bad = expect(&talk.post(ROUTE, &no_time), 400);
    assert_eq!(
        (bad["error"].as_str(), bad["field"].as_str()),
        (Some("bad_request"), Some("now"))
    );
    let garbage = expect(&talk.request("POST", ROUTE, b"not json"), 400);
    assert_eq!(garbage["field"], "body");
    let wrong_type = expect(&talk.post(ROUTE, &json!({ "lead": [] })), 400);
    assert_eq!(wrong_type["field"], "lead", "{wrong_type}");

    let not_allowed = send(&host.base, "GET", ROUTE, &[("x-lapp-secret", SECRET)], b"");
    assert_eq!(not_allowed.status, 405, "{}", not_allowed.text());
    assert_eq!(not_allowed.json()["error"], "method_not_allowed");
    assert_eq!(not_allowed.header("allow"), Some("POST"));
}

#[test]
fn a_call_without_the_shared_secret_is_refused() {
    let host = TenantHost::start(Some(SECRET));
    let body = context(Some("Open")).to_string();
    let wrong = format!("{SECRET}x");
    let refused: [(&[(&str, &str)], &str); 3] = [
        (&[], "no secret"),
        (&[("x-lapp-secret", "not-the-secret")], "a wrong secret"),
        (&[("x-lapp-secret", wrong.as_str())], "the secret and more"),
    ];
    for (headers, why) in refused {
        for method in ["POST", "GET"] {
            let reply = send(&host.base, method, ROUTE, headers, body.as_bytes());
            assert_eq!(reply.status, 401, "{why}, {method}: {}", reply.text());
            let answer = reply.json();
            assert_eq!(
                (answer["error"].as_str(), answer["field"].as_str()),
                (Some("unauthorized"), Some("x-lapp-secret")),
                "{why}"
            );
        }
    }
    let answered = send(
        &host.base,
        "POST",
        ROUTE,
        &[("x-lapp-secret", SECRET)],
        body.as_bytes(),
    );
    assert_eq!(answered.status, 200, "{}", answered.text());
}

#[test]
fn a_lapp_without_its_secret_answers_no_one() {
    let host = TenantHost::start(None);
    let body = context(Some("Open")).to_string();
    for headers in [
        vec![],
        vec![("x-lapp-secret", "")],
        vec![("x-lapp-secret", SECRET)],
    ] {
        let reply = send(&host.base, "POST", ROUTE, &headers, body.as_bytes());
        assert_eq!(reply.status, 503, "{}", reply.text());
        let answer = reply.json();
        assert_eq!(
            (answer["error"].as_str(), answer["field"].as_str()),
            (Some("misconfigured"), Some("tenant_lapp_secret"))
        );
    }
}
