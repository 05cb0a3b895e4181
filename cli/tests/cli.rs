//! The `recrules` binary as a user runs it: exit codes, output, foreign vector folders.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn recrules(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_recrules"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("recrules runs")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn check_exits_0_on_the_seeds() {
    for seed in [
        "fixtures/settings/seed-single.json",
        "fixtures/settings/seed-dual.json",
    ] {
        let out = recrules(&["check", seed]);
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        assert!(stdout(&out).contains("is valid (0 warnings)"));
    }
}

#[test]
fn check_exits_1_on_invalid_settings_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "bad.json",
        "{\n  \"RecordingEnabled\": true,\n  \"Mode\": \"Solo\",\n  \"Data\": []\n}\n",
    );
    let out = recrules(&["check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("`Solo` is not a mode"), "{text}");
    assert!(text.contains("bad.json:3:3 at Mode"), "{text}");
    assert!(text.contains("help: use `SingleActivity`"), "{text}");
}

#[test]
fn check_json_output_is_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "broken.json", "{\"Mode\": }");
    let out = recrules(&["check", "--format", "json", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["valid"], false);
    let d = &report["diagnostics"][0];
    assert_eq!(
        (d["path"].as_str(), d["line"].as_u64(), d["column"].as_u64()),
        (Some(""), Some(1), Some(10))
    );
    assert_eq!(d["problem"]["kind"], "syntax");
}

#[test]
fn check_exits_2_when_the_file_cannot_be_read() {
    let out = recrules(&["check", "no/such/file.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read no/such/file.json"));
}

#[test]
fn vectors_from_a_foreign_folder_run_and_each_disagreement_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let seed = root().join("fixtures/settings/seed-dual.json");
    std::fs::copy(&seed, dir.path().join("mine.json.settings")).unwrap();
    write(
        dir.path(),
        "cases.json",
        r#"[
          {"name": "right", "settings_file": "mine.json.settings", "now": "2026-11-20T10:00:00Z",
           "lead": {"id": "L", "fields": {"Phone": "+911"}}, "op": "precheck",
           "input": {"activity_code": 209, "user": "U"}, "expect": {"allowed": true, "failures": []}},
          {"name": "wrong order", "settings_file": "mine.json.settings", "now": "2026-11-20T10:00:00Z",
           "lead": {"id": "L", "fields": {}}, "op": "precheck",
           "input": {"activity_code": 221, "user": "U"},
           "expect": {"allowed": false, "failures": [{"rule": "OTPValidation"}, {"rule": "ActivityPostedCountValidations"}]}},
          {"name": "wrong field", "settings_file": "mine.json.settings", "now": "2026-11-20T10:00:00Z",
           "history": [{"id": "S", "event_code": 209, "created_on": "2026-11-20T09:00:00Z", "user": "U"}],
           "op": "end", "input": {"activity_code": 210, "user": "U", "recordings": [
             {"id": "R1", "started_at": "2026-11-20T09:00:00Z", "ended_at": "2026-11-20T09:01:30Z",
              "duration_s": 90, "size_bytes": 100, "sha256": "0000000000000000000000000000000000000000000000000000000000000000"}]},
           "expect": {"ok": true, "fields": {"mx_Custom_3": "1.5"}}},
          {"name": "future op", "op": "teleport", "expect": {}}
        ]"#,
    );
    let out = recrules(&["vectors", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.last(), Some(&"1 passed, 3 failed"), "{text}");
    assert!(text.contains(r#"cases.json#1 "wrong order" [precheck]: expect.failures[*].rule: expected ["OTPValidation","ActivityPostedCountValidations"], got ["ActivityPostedCountValidations","OTPValidation"]"#), "{text}");
    assert!(
        text.contains(
            r#""wrong field" [end]: expect.fields.mx_Custom_3: expected "1.5", got "1.50""#
        ),
        "{text}"
    );
    assert!(text.contains(r#""future op" [teleport]: vector.op[teleport]: expected null, got "unknown op `teleport`"#), "{text}");
}

#[test]
fn the_shipped_vectors_all_pass() {
    let out = recrules(&["vectors", "fixtures/vectors"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let last = text.lines().last().unwrap();
    let passed: usize = last.split(' ').next().unwrap().parse().unwrap();
    assert!(passed >= 80 && last.ends_with(", 0 failed"), "{last}");
}
