//! End-to-end tests: the real `recrules-host` binary serving the probe component.

mod common;

use common::{loopback_server, probe_manifest, AppDir};

#[test]
fn variables_default_and_env_override() {
    let app = AppDir::new(&probe_manifest(
        r#"variables = { greeting = "{{ greeting }}, world", token = "{{ token }}" }"#,
    ));
    let host = app.start();
    assert_eq!(
        host.get("/probe/var?name=greeting"),
        (200, "hello, world".into())
    );
    assert_eq!(host.get("/probe/var?name=token"), (200, "t0".into()));
    let (status, body) = host.get("/probe/var?name=undeclared");
    assert_eq!(status, 500);
    assert!(body.contains("Undefined"), "{body}");
    drop(host);

    let host = app.start_with_env(&[
        ("SPIN_VARIABLE_GREETING", "hey"),
        ("SPIN_VARIABLE_TOKEN", "s3"),
    ]);
    assert_eq!(
        host.get("/probe/var?name=greeting"),
        (200, "hey, world".into())
    );
    assert_eq!(host.get("/probe/var?name=token"), (200, "s3".into()));
}

#[test]
fn routes_headers_and_404() {
    let app = AppDir::new(&probe_manifest(""));
    let host = app.start();
    let (status, body) = host.call("POST", "/probe/echo?x=1", b"abc");
    assert_eq!(status, 200);
    let url = host.url.clone();
    for line in [
        "length 3".to_string(),
        "spin-path-info: /echo".into(),
        "spin-matched-route: /probe/...".into(),
        "spin-raw-component-route: /probe/...".into(),
        "spin-component-route: /probe".into(),
        "spin-base-path: /".into(),
        format!("spin-full-url: {url}/probe/echo?x=1"),
    ] {
        assert!(
            body.lines().any(|l| l == line),
            "missing `{line}` in:\n{body}"
        );
    }
    // The exact route wins over the wildcard: the probe sees an empty path info.
    let (status, body) = host.call("POST", "/probe/echo/exact", b"");
    assert_eq!(status, 404, "{body}");
    assert!(body.starts_with("probe: no operation at"), "{body}");

    let (status, body) = host.get("/elsewhere");
    assert_eq!(status, 404);
    assert_eq!(body, r#"{"error":"no route matches /elsewhere"}"#);
}

#[test]
fn bodies_over_11_mib_get_413() {
    let app = AppDir::new(&probe_manifest(""));
    let host = app.start();
    let limit = 11 * 1024 * 1024;
    let (status, body) = host.call("POST", "/probe/echo", &vec![b'x'; limit]);
    assert_eq!(status, 200);
    assert!(
        body.starts_with(&format!("length {limit}\n")),
        "{}",
        &body[..40.min(body.len())]
    );
    let (status, body) = host.call("POST", "/probe/echo", &vec![b'x'; limit + 1]);
    assert_eq!(status, 413);
    assert!(body.contains("\"error\""), "{body}");
}

#[test]
fn slow_requests_get_504() {
    let app = AppDir::new(&probe_manifest(""));
    let host = app.start();
    assert_eq!(host.get("/probe/busy?ms=10").0, 200);
    let (status, body) = host.get("/probe/busy?ms=20000");
    assert_eq!(status, 504, "{body}");
    assert!(body.contains("did not answer within 2 s"), "{body}");
    // The host still serves after cancelling the runaway instance.
    assert_eq!(host.get("/probe/busy?ms=1").0, 200);
}

#[test]
fn outbound_allowed_and_denied() {
    let port = loopback_server(1);
    let app = AppDir::new(&probe_manifest(&format!(
        r#"allowed_outbound_hosts = ["http://127.0.0.1:{port}"]"#
    )));
    let host = app.start();
    let (status, body) = host.get(&format!("/probe/fetch?url=http://127.0.0.1:{port}/x"));
    assert_eq!((status, body.as_str()), (200, "status 200\nhello"));
    for denied in [
        format!("http://localhost:{port}/x"),
        format!("http://127.0.0.1:{}/x", port.wrapping_add(1)),
        format!("https://127.0.0.1:{port}/x"),
    ] {
        let (status, body) = host.get(&format!("/probe/fetch?url={denied}"));
        assert_eq!(status, 502, "{denied}: {body}");
        assert!(body.contains("HttpRequestDenied"), "{denied}: {body}");
    }
    let log = std::fs::read_to_string(app.log_path()).expect("host log");
    assert!(log.contains("may not send to http://localhost:"), "{log}");
}

#[test]
fn refuses_components_importing_what_it_lacks() {
    // An interface it never had, and the key-value interfaces it no longer serves.
    for (import, func) in [
        ("fermyon:spin/llm@2.0.0", "infer"),
        ("wasi:keyvalue/store@0.2.0-draft2", "open"),
        ("fermyon:spin/key-value@2.0.0", "open"),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let wasm = dir.path().join("lacks.wasm");
        let bytes = wat::parse_str(format!(
            r#"(component
                 (import "{import}" (instance
                   (export "{func}" (func (param "name" string) (result string)))))
               )"#
        ))
        .expect("valid component text");
        std::fs::write(&wasm, bytes).expect("write wasm");
        let app = AppDir::new(&format!(
            r#"spin_manifest_version = 2
[application]
name = "lacks"
[[trigger.http]]
route = "/..."
component = "lacks"
[component.lacks]
source = "{}"
"#,
            wasm.display()
        ));
        let stderr = app.expect_start_failure(&[]);
        assert!(stderr.contains(import), "{stderr}");
        assert!(stderr.contains("does not provide"), "{stderr}");
    }
}

#[test]
fn refuses_key_value_stores_in_the_manifest() {
    let app = AppDir::new(&probe_manifest("key_value_stores = [\"default\"]"));
    let stderr = app.expect_start_failure(&[]);
    assert!(
        stderr.contains("`key_value_stores` is not supported"),
        "{stderr}"
    );
    assert!(
        stderr.contains("SQLite") && stderr.contains("PostgreSQL"),
        "{stderr}"
    );
}

#[test]
fn refuses_a_missing_required_variable() {
    let manifest = probe_manifest("variables = { key = \"{{ api_key }}\" }").replace(
        "[[trigger.http]]\nroute = \"/probe/...\"",
        "api_key = { required = true }\n\n[[trigger.http]]\nroute = \"/probe/...\"",
    );
    let app = AppDir::new(&manifest);
    let stderr = app.expect_start_failure(&[]);
    assert!(stderr.contains("SPIN_VARIABLE_API_KEY"), "{stderr}");
    let host = app.start_with_env(&[("SPIN_VARIABLE_API_KEY", "k")]);
    assert_eq!(host.get("/probe/var?name=key"), (200, "k".into()));
}

#[test]
fn build_runs_the_build_commands() {
    let build = "\n[component.probe.build]\ncommand = [\"echo one > marker.txt\", \"echo two >> marker.txt\"]\n";
    let app = AppDir::new(&probe_manifest(build));
    let out = app.build();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let marker = app.path().join("marker.txt");
    assert_eq!(
        std::fs::read_to_string(&marker).expect("marker"),
        "one\ntwo\n"
    );
    std::fs::remove_file(&marker).expect("remove marker");
    let host = app.start_with(&[], &["--build"]);
    assert!(marker.is_file(), "`up --build` ran the build first");
    assert_eq!(host.call("POST", "/probe/echo", b"").0, 200);

    let failing = AppDir::new(&probe_manifest(
        "\n[component.probe.build]\ncommand = \"exit 3\"\n",
    ));
    let out = failing.build();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("building component `probe` with `exit 3` failed"),
        "{stderr}"
    );
}
