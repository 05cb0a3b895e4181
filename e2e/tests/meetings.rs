//! The meetings Lapp over HTTP, served by recrules-host beside the OTP Lapp.

use std::time::{Duration, Instant};

use chrono::DateTime;
use recrules_e2e::app::{free_port, App};
use recrules_e2e::crm_stub::{CrmStub, ACCESS_KEY, SECRET_KEY};
use recrules_e2e::data::{ago, audio, expect, sha};
use recrules_e2e::raw::{send, RawReply};
use recrules_e2e::signed::{send_signed, send_with, signature, unix_now, Headers};
use recrules_e2e::tenant_stub::TenantStub;
use recrules_sdk::hook::{verify, MAX_CLOCK_SKEW_S, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use recrules_sdk::settings::LappEnv;
use serde_json::{json, Value};

const ORG: &str = "org-1";
const KEY: &str = "org-1-key-0123456789";
const ADMIN: &str = "org-1-admin-abcdefghij";
const PHONE: &str = "+919800000001";
const SEED_DUAL: &str = include_str!("../../fixtures/settings/seed-dual.json");
const SEED_SINGLE: &str = include_str!("../../fixtures/settings/seed-single.json");
/// The secret the meetings Lapp shares with the tenant Lapps (`tenant_lapp_secret`).
const TENANT_SECRET: &str = "tenant-lapp-secret-0123456789";
/// Entry 209's message for an End without a Start.
const NO_START_209: &str = "This activity cannot be added. Please add 'Appointment Start' activity";

/// A host with org-1's keys, the OTP Lapp in Test with the `log` gateway, and `extra`.
fn app(extra: &[(&str, &str)]) -> App {
    app_on(free_port(), extra)
}

/// [`app`] with the meetings Lapp calling the example tenant Lapp served by the
/// same host, both holding [`TENANT_SECRET`].
fn app_with_example_tenant_lapp() -> App {
    let port = free_port();
    let origin = format!("http://127.0.0.1:{port}");
    let base = format!("{origin}/tenant");
    app_on(
        port,
        &[
            ("tenant_lapp_base_url", &base),
            ("tenant_lapp_origin", &origin),
            ("tenant_lapp_secret", TENANT_SECRET),
        ],
    )
}

/// [`app`] with the CRM backend on `crm`, the stub standing in for the CRM.
fn crm_app(crm: &CrmStub) -> App {
    app(&[
        ("activity_store", "crm"),
        ("crm_base_url", &crm.origin),
        ("crm_origin", &crm.origin),
        ("crm_access_key", ACCESS_KEY),
        ("crm_secret_key", SECRET_KEY),
    ])
}

/// [`app`] on a chosen port (for variables that name the host's own address).
fn app_on(port: u16, extra: &[(&str, &str)]) -> App {
    let keys = json!({ ORG: KEY }).to_string();
    let admin = json!({ ORG: ADMIN }).to_string();
    let mut vars = vec![
        ("org_api_keys", keys.as_str()),
        ("org_admin_keys", admin.as_str()),
        ("lapp_env", "Test"),
        ("sms_gateway", "log"),
        ("sms_template", "code:{code}"),
    ];
    vars.extend_from_slice(extra);
    App::start(port, &vars)
}

/// A request as org-1 with `key` and more headers.
fn call(
    app: &App,
    method: &str,
    path: &str,
    key: &str,
    more: &[(&str, &str)],
    body: &[u8],
) -> RawReply {
    let mut headers = vec![("x-org-id", ORG), ("x-api-key", key)];
    headers.extend_from_slice(more);
    send(&app.base, method, path, &headers, body)
}

/// A JSON POST as org-1 (with an idempotency key when given).
fn post(app: &App, path: &str, idempotency: Option<&str>, body: &Value) -> RawReply {
    let more: Vec<(&str, &str)> = idempotency
        .map(|k| ("idempotency-key", k))
        .into_iter()
        .collect();
    call(app, "POST", path, KEY, &more, body.to_string().as_bytes())
}

fn get(app: &App, path: &str) -> RawReply {
    call(app, "GET", path, KEY, &[], b"")
}

fn put_settings(app: &App, text: &str) {
    expect(
        &call(app, "PUT", "/settings", ADMIN, &[], text.as_bytes()),
        200,
    );
}

fn create_lead(app: &App, id: &str, activities: Value) {
    let body =
        json!({ "id": id, "fields": { "Phone": PHONE, "Mobile": "" }, "activities": activities });
    expect(&post(app, "/leads", None, &body), 201);
}

fn upload(app: &App, id: &str, bytes: &[u8], hash: &str) -> RawReply {
    call(
        app,
        "PUT",
        &format!("/recordings/{id}"),
        KEY,
        &[("x-content-sha256", hash)],
        bytes,
    )
}

/// Uploads a recording and answers its description for an End.
fn recording(app: &App, id: &str, started_s_ago: i64, duration_s: i64) -> Value {
    let bytes = audio(id, 1500);
    expect(&upload(app, id, &bytes, &sha(&bytes)), 201);
    json!({
        "id": id, "started_at": ago(started_s_ago), "ended_at": ago(started_s_ago - duration_s),
        "duration_s": duration_s, "size_bytes": bytes.len(), "sha256": sha(&bytes),
    })
}

fn meeting(lead: &str, code: u32, user: &str) -> Value {
    json!({ "lead": lead, "activity_code": code, "user": user })
}

fn end_body(lead: &str, code: u32, recordings: Vec<Value>) -> Value {
    json!({ "lead": lead, "activity_code": code, "user": "U-1", "recordings": recordings })
}

fn activities(app: &App, lead: &str) -> Vec<Value> {
    let body = expect(&get(app, &format!("/leads/{lead}/activities")), 200);
    body["activities"].as_array().cloned().unwrap_or_default()
}

fn failed_rules(decision: &Value) -> Vec<String> {
    decision["failures"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| f["rule"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn settings_are_checked_stored_and_given_back() {
    let app = app(&[]);
    // The user key may not change settings.
    expect(
        &call(&app, "PUT", "/settings", KEY, &[], SEED_DUAL.as_bytes()),
        401,
    );
    expect(&get(&app, "/settings"), 404);
    let bad = "{\n  \"RecordingEnabled\": true,\n  \"Mode\": \"Solo\",\n  \"Data\": []\n}";
    let refused = expect(
        &call(&app, "PUT", "/settings", ADMIN, &[], bad.as_bytes()),
        422,
    );
    assert_eq!(refused["error"], "invalid_settings");
    assert_eq!(refused["field"], "Mode");
    let d = &refused["diagnostics"][0];
    assert_eq!(
        (d["path"].as_str(), d["line"].as_u64(), d["column"].as_u64()),
        (Some("Mode"), Some(3), Some(3))
    );
    assert!(
        d["help"]
            .as_str()
            .unwrap_or_default()
            .contains("SingleActivity"),
        "{d}"
    );
    put_settings(&app, SEED_DUAL);
    let back = get(&app, "/settings");
    assert_eq!((back.status, back.text()), (200, SEED_DUAL.to_owned()));
    // Another org's key sees nothing.
    let stranger = send(
        &app.base,
        "GET",
        "/settings",
        &[("x-org-id", "org-2"), ("x-api-key", KEY)],
        b"",
    );
    expect(&stranger, 401);
}

#[test]
fn bad_requests_name_their_field() {
    let app = app(&[]);
    put_settings(&app, SEED_DUAL);
    let cases: [(&[u8], &str); 4] = [
        (b"{not json", "body"),
        (
            br#"{"lead": "L-1", "activity_code": 209, "user": "U-1", "x": 1}"#,
            "x",
        ),
        (
            br#"{"lead": "L/1", "activity_code": 209, "user": "U-1"}"#,
            "lead",
        ),
        (
            br#"{"lead": "L-1", "activity_code": "209", "user": "U-1"}"#,
            "activity_code",
        ),
    ];
    for (body, field) in cases {
        let reply = expect(&call(&app, "POST", "/validate", KEY, &[], body), 400);
        assert_eq!(reply["field"], field, "{reply}");
    }
    let no_hash = json!({ "lead": "L-1", "activity_code": 210, "user": "U-1", "recordings": [
        { "id": "r", "started_at": ago(60), "ended_at": ago(0), "duration_s": 60, "size_bytes": 1 }
    ] });
    let nested = expect(&post(&app, "/meetings/end", Some("k"), &no_hash), 400);
    assert_eq!(nested["field"], "recordings[0].sha256");
    let missing = post(&app, "/meetings/start", None, &meeting("L-1", 209, "U-1"));
    assert_eq!(expect(&missing, 400)["field"], "Idempotency-Key");
    for (method, path) in [
        ("GET", "/settings"),
        ("POST", "/validate"),
        ("GET", "/recordings/r-1"),
        ("GET", "/leads/L-1/activities"),
    ] {
        expect(
            &send(&app.base, method, path, &[("x-org-id", ORG)], b"{}"),
            401,
        );
    }
    expect(&get(&app, "/leads/L-404/activities"), 404);
    expect(&call(&app, "DELETE", "/settings", KEY, &[], b""), 405);
}

#[test]
fn single_mode_end_posts_the_recordings_and_fields() {
    let app = app(&[]);
    put_settings(&app, SEED_SINGLE);
    create_lead(&app, "L-1", json!([]));
    let recs = vec![
        recording(&app, "s-1", 600, 60),
        recording(&app, "s-2", 480, 30),
    ];
    let first_start = recs[0]["started_at"].as_str().unwrap().to_owned();
    let answer = expect(
        &post(
            &app,
            "/meetings/end",
            Some("end-1"),
            &end_body("L-1", 158, recs),
        ),
        201,
    );
    assert_eq!(answer["ok"], true);
    assert_eq!(answer["event_code"], 158);
    assert_eq!(answer["fields"]["mx_Custom_3"], "1.50");
    let start = DateTime::parse_from_rfc3339(&first_start).unwrap();
    assert_eq!(
        answer["fields"]["mx_Custom_1"],
        start.format("%Y-%m-%d %H:%M:%S").to_string()
    );
    let posted = activities(&app, "L-1");
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0]["id"], answer["activity_id"]);
    assert_eq!(
        posted[0]["activity"]["recordings"].as_array().map(Vec::len),
        Some(2)
    );
    // Single mode has no Start.
    let no_start = expect(
        &post(
            &app,
            "/meetings/start",
            Some("start-1"),
            &meeting("L-1", 158, "U-1"),
        ),
        422,
    );
    assert_eq!(no_start["error"], "no_start_in_single_mode");
}

#[test]
fn dual_mode_start_end_and_range_downloads() {
    let app = app(&[]);
    put_settings(&app, SEED_DUAL);
    create_lead(&app, "L-2", json!([]));
    let decision = expect(
        &post(&app, "/validate", None, &meeting("L-2", 209, "U-1")),
        200,
    );
    assert_eq!(decision["allowed"], true, "{decision}");
    let start = expect(
        &post(
            &app,
            "/meetings/start",
            Some("s-1"),
            &meeting("L-2", 209, "U-1"),
        ),
        201,
    );
    assert_eq!(
        (start["event_code"].as_u64(), start["end_code"].as_u64()),
        (Some(209), Some(210))
    );
    let recs = vec![
        recording(&app, "d-1", 300, 90),
        recording(&app, "d-2", 120, 20),
    ];
    let end = expect(
        &post(
            &app,
            "/meetings/end",
            Some("e-1"),
            &end_body("L-2", 210, recs),
        ),
        201,
    );
    assert_eq!(end["start_activity_id"], start["activity_id"]);
    assert_eq!(end["fields"]["mx_Custom_3"], "1.83");
    assert_eq!(end["display_name"], "Meeting name");
    let posted = activities(&app, "L-2");
    let codes: Vec<u64> = posted
        .iter()
        .filter_map(|a| a["activity"]["event_code"].as_u64())
        .collect();
    assert_eq!(codes, vec![209, 210]);
    // The Start is closed: another End is refused with the entry's message.
    let again = vec![recording(&app, "d-3", 60, 10)];
    let refused = expect(
        &post(
            &app,
            "/meetings/end",
            Some("e-2"),
            &end_body("L-2", 210, again),
        ),
        409,
    );
    assert_eq!(
        (refused["error"].as_str(), refused["message"].as_str()),
        (Some("missing_start"), Some(NO_START_209))
    );
    // A second Start within 30 days breaks entry 209's creation limit.
    let limited = expect(
        &post(
            &app,
            "/meetings/start",
            Some("s-2"),
            &meeting("L-2", 209, "U-1"),
        ),
        422,
    );
    assert_eq!(
        failed_rules(&limited),
        vec!["ActivityCreationLimitValidation"]
    );

    let bytes = audio("d-1", 1500);
    let whole = get(&app, "/recordings/d-1");
    assert_eq!(
        (whole.status, whole.header("accept-ranges")),
        (200, Some("bytes"))
    );
    assert_eq!(whole.body, bytes);
    let part = call(
        &app,
        "GET",
        "/recordings/d-1",
        KEY,
        &[("range", "bytes=10-19")],
        b"",
    );
    assert_eq!(
        (part.status, part.header("content-range")),
        (206, Some("bytes 10-19/1500"))
    );
    assert_eq!(part.body, bytes[10..20]);
    let tail = call(
        &app,
        "GET",
        "/recordings/d-1",
        KEY,
        &[("range", "bytes=-5")],
        b"",
    );
    assert_eq!((tail.status, tail.body.as_slice()), (206, &bytes[1495..]));
    let beyond = call(
        &app,
        "GET",
        "/recordings/d-1",
        KEY,
        &[("range", "bytes=1500-")],
        b"",
    );
    assert_eq!(
        (beyond.status, beyond.header("content-range")),
        (416, Some("bytes */1500"))
    );
    expect(&get(&app, "/recordings/nope"), 404);
}

#[test]
fn an_end_without_start_gets_the_entrys_message() {
    let app = app(&[]);
    put_settings(&app, SEED_DUAL);
    create_lead(&app, "L-3", json!([]));
    let recs = vec![recording(&app, "n-1", 60, 30)];
    let refused = expect(
        &post(
            &app,
            "/meetings/end",
            Some("e-1"),
            &end_body("L-3", 210, recs),
        ),
        409,
    );
    assert_eq!(refused["error"], "missing_start");
    assert_eq!(refused["message"], NO_START_209);
    // A refused request releases its key: the same request is refused again, not replayed.
    assert!(activities(&app, "L-3").is_empty());
}

#[test]
fn twenty_recordings_pass_and_twenty_one_do_not() {
    let app = app(&[]);
    put_settings(&app, SEED_SINGLE);
    create_lead(&app, "L-4", json!([]));
    let recs: Vec<Value> = (0..21)
        .map(|i| recording(&app, &format!("t-{i}"), 900 - i * 30, 20))
        .collect();
    let refused = expect(
        &post(
            &app,
            "/meetings/end",
            Some("e-21"),
            &end_body("L-4", 158, recs.clone()),
        ),
        422,
    );
    assert_eq!(
        (refused["error"].as_str(), refused["field"].as_str()),
        (Some("too_many_recordings"), Some("recordings"))
    );
    let ok = expect(
        &post(
            &app,
            "/meetings/end",
            Some("e-20"),
            &end_body("L-4", 158, recs[..20].to_vec()),
        ),
        201,
    );
    assert_eq!(ok["recordings"].as_array().map(Vec::len), Some(20));
    // An End naming a recording that was not uploaded is refused, naming it.
    let mut ghost = recs[20].clone();
    ghost["id"] = json!("ghost");
    let missing = expect(
        &post(
            &app,
            "/meetings/end",
            Some("e-g"),
            &end_body("L-4", 158, vec![ghost]),
        ),
        422,
    );
    assert_eq!(
        (missing["error"].as_str(), missing["field"].as_str()),
        (Some("recording_not_uploaded"), Some("recordings[0]"))
    );
}

#[test]
fn uploads_check_size_and_hash_and_are_stored_once() {
    let app = app(&[]);
    let big = vec![7u8; 10_485_761];
    let over = upload(&app, "big", &big, &sha(&big));
    assert_eq!(expect(&over, 413)["field"], "body");
    let max = vec![7u8; 10_485_760];
    expect(&upload(&app, "max", &max, &sha(&max)), 201);
    assert_eq!(get(&app, "/recordings/max").body.len(), max.len());

    let bytes = audio("c-1", 4000);
    let corrupted = upload(&app, "c-1", &bytes[..3999], &sha(&bytes));
    assert_eq!(expect(&corrupted, 422)["error"], "hash_mismatch");
    assert_eq!(
        expect(&upload(&app, "c-1", &bytes, "abc"), 400)["field"],
        "x-content-sha256"
    );
    assert_eq!(
        expect(&upload(&app, "c$1", &bytes, &sha(&bytes)), 400)["field"],
        "id"
    );

    let first = expect(&upload(&app, "dup", &bytes, &sha(&bytes)), 201);
    assert_eq!(first["stored_now"], true);
    let second = expect(&upload(&app, "dup", &bytes, &sha(&bytes)), 200);
    assert_eq!(
        (second["stored_now"].as_bool(), &second["stored_at"]),
        (Some(false), &first["stored_at"])
    );
    let other = audio("other", 4000);
    assert_eq!(
        expect(&upload(&app, "dup", &other, &sha(&other)), 409)["error"],
        "recording_conflict"
    );
    assert_eq!(get(&app, "/recordings/dup").body, bytes);
    // Stored once: one chunk under one hash.
    assert_eq!(app.state.count_prefix("org-1/meetings/recording/dup/"), 1);
}

/// Verifies an OTP through the OTP Lapp's real flow (Test, `log` gateway).
fn verify_otp(app: &App, lead: &str, entry: u32) {
    let body = json!({ "phone": PHONE, "lead": lead, "entry": entry, "user": "U-1" });
    assert_eq!(
        expect(&post(app, "/otp/send", None, &body), 200)["outcome"],
        "sent"
    );
    let message = expect(
        &get(app, "/otp/test/last-message?phone=%2B919800000001"),
        200,
    );
    let code: String = message["body"]
        .as_str()
        .unwrap()
        .trim_start_matches("code:")
        .chars()
        .take(6)
        .collect();
    let mut verify = body;
    verify["code"] = json!(code);
    assert_eq!(
        expect(&post(app, "/otp/verify", None, &verify), 200)["outcome"],
        "approved"
    );
}

/// Entry 221 also needs a CFS activity (154) in the last day.
fn cfs_history() -> Value {
    json!([{ "id": "A-154", "event_code": 154, "created_on": ago(3600), "user": "U-1" }])
}

#[test]
fn a_verified_otp_serves_one_meeting() {
    let app = app(&[]);
    put_settings(&app, SEED_DUAL);
    create_lead(&app, "L-5", cfs_history());
    let before = expect(
        &post(&app, "/validate", None, &meeting("L-5", 221, "U-1")),
        200,
    );
    assert_eq!(failed_rules(&before), vec!["OTPValidation"]);
    assert_eq!(before["otp_phones"], json!(["Phone"]));
    verify_otp(&app, "L-5", 221);
    let after = expect(
        &post(&app, "/validate", None, &meeting("L-5", 221, "U-1")),
        200,
    );
    assert_eq!(after["allowed"], true, "{after}");
    expect(
        &post(
            &app,
            "/meetings/start",
            Some("o-1"),
            &meeting("L-5", 221, "U-1"),
        ),
        201,
    );
    // The approval is used up: a second meeting needs a new OTP.
    let second = expect(
        &post(
            &app,
            "/meetings/start",
            Some("o-2"),
            &meeting("L-5", 221, "U-1"),
        ),
        422,
    );
    assert_eq!(failed_rules(&second), vec!["OTPValidation"]);
}

/// Writes the approval the OTP Lapp would write, verified `seconds` ago.
fn approval_verified(app: &App, lead: &str, user: &str, seconds: i64) {
    let key = format!("{ORG}/otp/approval/{lead}/222/{user}");
    let value = json!({
        "subject": { "lead": lead, "entry": 222, "user": user },
        "phone": PHONE, "verified_at": ago(seconds),
    });
    app.state.put(&key, value.to_string().as_bytes());
}

#[test]
fn an_otp_verified_too_long_ago_does_not_serve() {
    let app = app(&[]);
    put_settings(&app, SEED_DUAL);
    create_lead(&app, "L-6", cfs_history());
    approval_verified(&app, "L-6", "U-1", 14 * 60);
    approval_verified(&app, "L-6", "U-2", 16 * 60);
    let fresh = expect(
        &post(&app, "/validate", None, &meeting("L-6", 221, "U-1")),
        200,
    );
    assert_eq!(fresh["allowed"], true, "{fresh}");
    let stale = expect(
        &post(&app, "/validate", None, &meeting("L-6", 221, "U-2")),
        200,
    );
    assert_eq!(failed_rules(&stale), vec!["OTPValidation"]);
    let refused = expect(
        &post(
            &app,
            "/meetings/start",
            Some("old"),
            &meeting("L-6", 221, "U-2"),
        ),
        422,
    );
    assert_eq!(refused["error"], "validation_failed");
}

/// Seed Dual with a tenant Lapp on entry 209.
fn with_tenant_lapp() -> String {
    let mut settings: Value = serde_json::from_str(SEED_DUAL).unwrap();
    settings["Data"][0]["Validations"]["LappValidations"] =
        json!([{ "LappId": "closed-stage", "LappEnv": "Test" }]);
    settings.to_string()
}

#[test]
fn a_tenant_lapp_that_refuses_refuses_the_meeting() {
    let stub = TenantStub::start(Some(r#"{"allowed": false, "message": "Lead is Closed"}"#));
    let app = app(&[
        ("tenant_lapp_base_url", &stub.origin),
        ("tenant_lapp_origin", &stub.origin),
        ("tenant_lapp_secret", TENANT_SECRET),
    ]);
    put_settings(&app, &with_tenant_lapp());
    create_lead(&app, "L-7", json!([]));
    let decision = expect(
        &post(&app, "/validate", None, &meeting("L-7", 209, "U-1")),
        200,
    );
    assert_eq!(failed_rules(&decision), vec!["LappValidations"]);
    assert_eq!(decision["failures"][0]["message"], "Lead is Closed");
    let asked = stub.asked();
    assert_eq!(
        (asked[0].0.as_str(), asked[0].1.as_str()),
        ("/closed-stage/validate", "Test")
    );
    // Signed with the shared secret for this Lapp and environment, on the
    // meetings Lapp's clock.
    let (timestamp, signed) = &stub.signatures()[0];
    let body = asked[0].2.as_bytes();
    let verify_as = |lapp: &str, env: &str| {
        verify(
            TENANT_SECRET,
            lapp,
            Some(env),
            Some(timestamp),
            Some(signed),
            body,
            unix_now(),
        )
    };
    verify_as("closed-stage", "Test").expect("a call signed with the shared secret");
    for (lapp, env) in [("closed-stage", "Live"), ("other", "Test")] {
        assert!(verify_as(lapp, env).is_err(), "{lapp} {env}");
    }
    let context: Value = serde_json::from_str(&asked[0].2).unwrap();
    assert_eq!(
        (context["org"].as_str(), context["lead"]["id"].as_str()),
        (Some(ORG), Some("L-7"))
    );
    let start = expect(
        &post(
            &app,
            "/meetings/start",
            Some("t-1"),
            &meeting("L-7", 209, "U-1"),
        ),
        422,
    );
    assert_eq!(start["message"], "Lead is Closed");
    assert!(activities(&app, "L-7").is_empty());
}

#[test]
fn a_tenant_lapp_that_does_not_answer_refuses_in_time() {
    let stub = TenantStub::start(None);
    let app = app(&[
        ("tenant_lapp_base_url", &stub.origin),
        ("tenant_lapp_origin", &stub.origin),
        ("tenant_lapp_timeout_ms", "500"),
        ("tenant_lapp_secret", TENANT_SECRET),
    ]);
    put_settings(&app, &with_tenant_lapp());
    create_lead(&app, "L-8", json!([]));
    let began = Instant::now();
    let decision = expect(
        &post(&app, "/validate", None, &meeting("L-8", 209, "U-1")),
        200,
    );
    assert!(
        began.elapsed() < Duration::from_secs(10),
        "took {:?}",
        began.elapsed()
    );
    assert_eq!(failed_rules(&decision), vec!["LappValidations"]);
    let reason = decision["failures"][0]["reason"]
        .as_str()
        .unwrap_or_default();
    assert!(reason.contains("did not answer within 500 ms"), "{reason}");
}

#[test]
fn two_concurrent_ends_for_one_start_post_one() {
    let app = app(&[]);
    put_settings(&app, SEED_DUAL);
    create_lead(&app, "L-9", json!([]));
    expect(
        &post(
            &app,
            "/meetings/start",
            Some("s-1"),
            &meeting("L-9", 209, "U-1"),
        ),
        201,
    );
    let body = end_body("L-9", 210, vec![recording(&app, "cc-1", 120, 60)]);
    let replies: Vec<RawReply> = std::thread::scope(|s| {
        let ends: Vec<_> = ["e-a", "e-b"]
            .iter()
            .map(|key| {
                let (app, body) = (&app, &body);
                s.spawn(move || post(app, "/meetings/end", Some(key), body))
            })
            .collect();
        ends.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    statuses.sort();
    assert_eq!(
        statuses,
        vec![201, 409],
        "{:?}",
        replies.iter().map(RawReply::text).collect::<Vec<_>>()
    );
    let codes: Vec<u64> = activities(&app, "L-9")
        .iter()
        .filter_map(|a| a["activity"]["event_code"].as_u64())
        .collect();
    assert_eq!(codes, vec![209, 210]);
}

#[test]
fn a_replayed_idempotency_key_posts_once() {
    let app = app(&[]);
    put_settings(&app, SEED_SINGLE);
    create_lead(&app, "L-10", json!([]));
    let body = end_body("L-10", 158, vec![recording(&app, "i-1", 300, 60)]);
    let first = post(&app, "/meetings/end", Some("key-1"), &body);
    expect(&first, 201);
    let again = post(&app, "/meetings/end", Some("key-1"), &body);
    assert_eq!(
        (again.status, again.header("idempotent-replayed")),
        (201, Some("true"))
    );
    assert_eq!(again.body, first.body);
    assert_eq!(activities(&app, "L-10").len(), 1);
    let mut other = body.clone();
    other["user"] = json!("U-2");
    let reused = expect(&post(&app, "/meetings/end", Some("key-1"), &other), 422);
    assert_eq!(
        (reused["error"].as_str(), reused["field"].as_str()),
        (Some("idempotency_key_reused"), Some("Idempotency-Key"))
    );
    assert_eq!(activities(&app, "L-10").len(), 1);
}

#[test]
fn the_example_tenant_lapp_refuses_a_closed_lead() {
    let app = app_with_example_tenant_lapp();
    let mut settings: Value = serde_json::from_str(SEED_DUAL).unwrap();
    settings["Data"][0]["Validations"]["LappValidations"] =
        json!([{ "LappId": "tenant_closed_stage", "LappEnv": "Live" }]);
    put_settings(&app, &settings.to_string());
    for (lead, stage) in [("L-open", "Open"), ("L-closed", "Closed")] {
        let body = json!({ "id": lead, "fields": { "ProspectStage": stage } });
        expect(&post(&app, "/leads", None, &body), 201);
    }
    let open = expect(
        &post(&app, "/validate", None, &meeting("L-open", 209, "U-1")),
        200,
    );
    assert_eq!(open["allowed"], true, "{open}");
    let closed = expect(
        &post(&app, "/validate", None, &meeting("L-closed", 209, "U-1")),
        200,
    );
    assert_eq!(failed_rules(&closed), vec!["LappValidations"]);
    assert!(
        closed["failures"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Closed"),
        "{closed}"
    );
    expect(
        &post(
            &app,
            "/meetings/start",
            Some("c-1"),
            &meeting("L-closed", 209, "U-1"),
        ),
        422,
    );
    expect(
        &post(
            &app,
            "/meetings/start",
            Some("o-1"),
            &meeting("L-open", 209, "U-1"),
        ),
        201,
    );
}

#[test]
fn the_crm_backend_reads_leads_and_posts_activities() {
    let crm = CrmStub::start();
    crm.add_lead("L-c", json!({ "Phone": PHONE }));
    let app = crm_app(&crm);
    put_settings(&app, SEED_DUAL);
    expect(&post(&app, "/leads", None, &json!({ "id": "L-x" })), 404);
    let unknown = expect(
        &post(&app, "/validate", None, &meeting("L-none", 209, "U-1")),
        404,
    );
    assert_eq!(unknown["field"], "lead");
    // A Start the user posted earlier (the CRM names its creator).
    let started = crm.add_activity(
        "L-c",
        209,
        &ago(600).replace('T', " ").replace('Z', ""),
        Some("U-1"),
    );
    let body = end_body("L-c", 210, vec![recording(&app, "crm-1", 300, 90)]);
    let end = expect(&post(&app, "/meetings/end", Some("c-e"), &body), 201);
    assert_eq!(end["start_activity_id"], json!(started));
    let posted = crm.activities("L-c");
    assert_eq!(posted.len(), 2);
    let fields = posted[1]["Fields"].to_string();
    assert!(
        fields.contains("mx_Custom_3") && fields.contains("1.50"),
        "{fields}"
    );
    let listed = expect(&get(&app, "/leads/L-c/activities"), 200);
    assert_eq!(listed["activities"].as_array().map(Vec::len), Some(2));
}

/// Seed Dual with entry 209's creation limit raised to `limit` Starts in
/// 30 days, and the tenant Lapp of [`with_tenant_lapp`].
fn with_start_limit(limit: u32) -> String {
    let mut settings: Value = serde_json::from_str(&with_tenant_lapp()).unwrap();
    settings["Data"][0]["Validations"]["ActivityCreationLimitValidation"]["ActivityCount"] =
        json!(limit);
    settings.to_string()
}

/// Sends every `(path, idempotency key, body)` at once, one thread each;
/// answers the replies in the same order.
fn all_at_once(app: &App, requests: &[(&str, String, Value)]) -> Vec<RawReply> {
    std::thread::scope(|s| {
        let sent: Vec<_> = requests
            .iter()
            .map(|(path, key, body)| s.spawn(move || post(app, path, Some(key), body)))
            .collect();
        sent.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn concurrent_starts_never_pass_the_creation_limit() {
    const LIMIT: usize = 2;
    const STARTS: usize = 6;
    // A tenant Lapp that takes its time: every Start reads the lead's
    // history, then waits for it, then posts; unless the check and the post
    // are one step, racing Starts all read a history with room left.
    let stub = TenantStub::slow(Some(r#"{"allowed": true}"#), Duration::from_millis(250));
    let app = app(&[
        ("tenant_lapp_base_url", &stub.origin),
        ("tenant_lapp_origin", &stub.origin),
        ("tenant_lapp_secret", TENANT_SECRET),
    ]);
    put_settings(&app, &with_start_limit(LIMIT as u32));
    create_lead(&app, "L-race", json!([]));
    let requests: Vec<(&str, String, Value)> = (0..STARTS)
        .map(|i| {
            let body = meeting("L-race", 209, &format!("U-{i}"));
            ("/meetings/start", format!("race-{i}"), body)
        })
        .collect();
    let replies = all_at_once(&app, &requests);
    let texts: Vec<String> = replies.iter().map(RawReply::text).collect();
    let mut posted = 0;
    let mut busy = 0;
    for reply in &replies {
        let body = reply.json();
        match reply.status {
            201 => posted += 1,
            // The rule's refusal: the Starts already posted fill the window.
            422 => {
                assert_eq!(body["error"], "validation_failed", "{texts:?}");
                assert_eq!(failed_rules(&body), vec!["ActivityCreationLimitValidation"]);
            }
            // Retryable: the lead stayed held by the others all along.
            409 => {
                assert_eq!(body["error"], "lead_busy", "{texts:?}");
                busy += 1;
            }
            other => panic!("status {other}: {texts:?}"),
        }
    }
    assert!(posted <= LIMIT, "{posted} Starts posted: {texts:?}");
    // Checked one after the other, the first LIMIT Starts to hold the lead pass.
    if busy == 0 {
        assert_eq!(posted, LIMIT, "{texts:?}");
    }
    assert!(posted >= 1, "{texts:?}");
    let starts = activities(&app, "L-race")
        .iter()
        .filter(|a| a["activity"]["event_code"] == 209)
        .count();
    assert_eq!(starts, posted);
    // Every refused Start released its Idempotency-Key and its hold: with the
    // window full, a retry is refused by the rule again, not left hanging.
    let again = expect(
        &post(
            &app,
            "/meetings/start",
            Some("race-0-again"),
            &requests[0].2,
        ),
        422,
    );
    assert_eq!(
        failed_rules(&again),
        vec!["ActivityCreationLimitValidation"]
    );
}

#[test]
fn a_recording_is_attached_to_one_end_only() {
    let app = app(&[]);
    put_settings(&app, SEED_DUAL);
    for lead in ["L-r1", "L-r2", "L-r3"] {
        create_lead(&app, lead, json!([]));
        let key = format!("start-{lead}");
        expect(
            &post(
                &app,
                "/meetings/start",
                Some(&key),
                &meeting(lead, 209, "U-1"),
            ),
            201,
        );
    }
    // Two Ends for two different Starts name the same recording, at once.
    let shared = recording(&app, "shared-1", 120, 60);
    let requests: Vec<(&str, String, Value)> = ["L-r1", "L-r2"]
        .iter()
        .map(|lead| {
            let body = end_body(lead, 210, vec![shared.clone()]);
            ("/meetings/end", format!("end-{lead}"), body)
        })
        .collect();
    let replies = all_at_once(&app, &requests);
    let texts: Vec<String> = replies.iter().map(RawReply::text).collect();
    let mut statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    statuses.sort();
    assert_eq!(statuses, vec![201, 409], "{texts:?}");
    let (won, lost) = if replies[0].status == 201 {
        (0, 1)
    } else {
        (1, 0)
    };
    let refused = replies[lost].json();
    assert_eq!(
        (refused["error"].as_str(), refused["field"].as_str()),
        (Some("recording_attached"), Some("recordings[0]")),
        "{refused}"
    );
    assert_eq!(refused["recording"], "shared-1");
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|m| m.contains("`shared-1`")),
        "{refused}"
    );
    // One End carries it; the other lead has its Start only.
    let ends_with = |lead: &str| {
        activities(&app, lead)
            .iter()
            .filter(|a| a["activity"]["event_code"] == 210)
            .count()
    };
    let (winner, loser) = (["L-r1", "L-r2"][won], ["L-r1", "L-r2"][lost]);
    assert_eq!((ends_with(winner), ends_with(loser)), (1, 0));
    // The winner's retry replays its answer; the same recording stays its own.
    let replay = post(
        &app,
        "/meetings/end",
        Some(&requests[won].1),
        &requests[won].2,
    );
    assert_eq!(
        (replay.status, replay.header("idempotent-replayed")),
        (201, Some("true"))
    );
    // Later Ends naming it are refused too, whatever their Start.
    let third = expect(
        &post(
            &app,
            "/meetings/end",
            Some("end-L-r3"),
            &end_body("L-r3", 210, vec![shared.clone()]),
        ),
        409,
    );
    assert_eq!(third["error"], "recording_attached");
    // Nothing was lost: the refused Ends' Starts are still open, for their own recordings.
    for (lead, id) in [(loser, "own-1"), ("L-r3", "own-3")] {
        let own = recording(&app, id, 100, 30);
        let body = end_body(lead, 210, vec![own]);
        expect(
            &post(&app, "/meetings/end", Some(&format!("own-{lead}")), &body),
            201,
        );
        assert_eq!(ends_with(lead), 1);
    }
}

#[test]
fn a_405_names_the_allowed_methods() {
    let app = app(&[]);
    let cases = [
        ("PATCH", "/settings", "GET, PUT"),
        ("DELETE", "/recordings/r-1", "GET, PUT"),
        ("GET", "/meetings/start", "POST"),
        ("PUT", "/meetings/end", "POST"),
        ("GET", "/validate", "POST"),
        ("DELETE", "/leads", "POST"),
        ("POST", "/leads/L-1/activities", "GET"),
        ("GET", "/otp/send", "POST"),
        ("POST", "/otp/test/last-message", "GET"),
    ];
    for (method, path, allow) in cases {
        let reply = call(&app, method, path, KEY, &[], b"");
        let body = expect(&reply, 405);
        assert_eq!(body["error"], "method_not_allowed", "{method} {path}");
        assert_eq!(reply.header("allow"), Some(allow), "{method} {path}");
    }
}

#[test]
fn the_example_tenant_lapp_answers_signed_calls_only() {
    // The meetings Lapp calls the example tenant Lapp on the same host, both with the secret.
    let app = app_with_example_tenant_lapp();
    let route = "/tenant/tenant_closed_stage/validate";
    let context = json!({
        "org": ORG, "lead": { "id": "L-1", "fields": {} }, "history": [],
        "activity_code": 209, "user": "U-1", "now": "2026-11-20T10:00:00Z"
    })
    .to_string();
    let body = context.as_bytes();
    let now = unix_now();
    let lapp = "tenant_closed_stage";
    let sign = |secret: &str, at: i64| signature(secret, lapp, LappEnv::Live, at, body).to_vec();
    let [env, timestamp, signed] = signature(TENANT_SECRET, lapp, LappEnv::Live, now, body);
    let prefix = &TENANT_SECRET[..TENANT_SECRET.len() - 1];
    let tampered = context.replace("L-1", "L-2");
    let stale = now - MAX_CLOCK_SKEW_S - 1;
    let refused: [(Headers, &[u8], &str, &str, &str); 6] = [
        (
            vec![],
            body,
            "missing_signature",
            TIMESTAMP_HEADER,
            "no signature",
        ),
        (
            vec![
                env.clone(),
                timestamp.clone(),
                (SIGNATURE_HEADER, String::new()),
            ],
            body,
            "bad_signature",
            SIGNATURE_HEADER,
            "an empty signature",
        ),
        (
            sign("wrong-secret", now),
            body,
            "bad_signature",
            SIGNATURE_HEADER,
            "a wrong secret",
        ),
        (
            sign(prefix, now),
            body,
            "bad_signature",
            SIGNATURE_HEADER,
            "a prefix of the secret",
        ),
        (
            vec![env.clone(), timestamp.clone(), signed.clone()],
            tampered.as_bytes(),
            "bad_signature",
            SIGNATURE_HEADER,
            "a tampered body",
        ),
        (
            sign(TENANT_SECRET, stale),
            body,
            "stale_timestamp",
            TIMESTAMP_HEADER,
            "a stale timestamp",
        ),
    ];
    for (headers, sent, code, field, why) in refused {
        let reply = send_with(&app.base, "POST", route, &headers, sent);
        assert_eq!(reply.status, 401, "{why}: {}", reply.text());
        let answer = reply.json();
        assert_eq!(
            (answer["error"].as_str(), answer["field"].as_str()),
            (Some(code), Some(field)),
            "{why}: {answer}"
        );
    }
    let headers = [env, timestamp, signed];
    let allowed = send_with(&app.base, "POST", route, &headers, body);
    assert_eq!(expect(&allowed, 200), json!({ "allowed": true }));
    let replayed = send_with(&app.base, "POST", route, &headers, body);
    assert_eq!(replayed.status, 401, "{}", replayed.text());
    assert_eq!(replayed.json()["error"], "replayed");
    // Another request signed alike is answered.
    let other = context.replace("U-1", "U-2");
    let answered = send_signed(
        &app.base,
        "POST",
        route,
        LappEnv::Live,
        TENANT_SECRET,
        now,
        other.as_bytes(),
    );
    assert_eq!(expect(&answered, 200), json!({ "allowed": true }));
    // The meetings Lapp signs each of its calls, for the Lapp and its
    // environment, so the tenant Lapp answers them all, also when the entry
    // lists it for Live and for Test (two calls with one body, often in one
    // second: each signed for its environment, neither is a replay).
    let mut settings: Value = serde_json::from_str(SEED_DUAL).unwrap();
    settings["Data"][0]["Validations"]["LappValidations"] = json!([
        { "LappId": "tenant_closed_stage", "LappEnv": "Live" },
        { "LappId": "tenant_closed_stage", "LappEnv": "Test" }
    ]);
    put_settings(&app, &settings.to_string());
    create_lead(&app, "L-s", json!([]));
    for _ in 0..3 {
        let decision = expect(
            &post(&app, "/validate", None, &meeting("L-s", 209, "U-1")),
            200,
        );
        assert_eq!(decision["allowed"], true, "{decision}");
    }
}

#[test]
fn a_tenant_lapp_listed_twice_alike_is_asked_once() {
    // Two identical signed calls in one second would be refused as a replay.
    let stub = TenantStub::start(Some(r#"{"allowed": true}"#));
    let app = app(&[
        ("tenant_lapp_base_url", &stub.origin),
        ("tenant_lapp_origin", &stub.origin),
        ("tenant_lapp_secret", TENANT_SECRET),
    ]);
    let mut settings: Value = serde_json::from_str(SEED_DUAL).unwrap();
    let lapp = json!({ "LappId": "closed-stage", "LappEnv": "Test" });
    settings["Data"][0]["Validations"]["LappValidations"] = json!([lapp, lapp]);
    put_settings(&app, &settings.to_string());
    create_lead(&app, "L-tw", json!([]));
    let decision = expect(
        &post(&app, "/validate", None, &meeting("L-tw", 209, "U-1")),
        200,
    );
    assert_eq!(decision["allowed"], true, "{decision}");
    let lapp_checks = decision["passed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["rule"] == "LappValidations")
        .count();
    assert_eq!(lapp_checks, 2, "{decision}");
    assert_eq!(stub.asked().len(), 1, "{:?}", stub.asked());
}

#[test]
fn a_tenant_lapp_listed_for_live_and_test_is_asked_in_each() {
    let stub = TenantStub::start(Some(r#"{"allowed": true}"#));
    let app = app(&[
        ("tenant_lapp_base_url", &stub.origin),
        ("tenant_lapp_origin", &stub.origin),
        ("tenant_lapp_secret", TENANT_SECRET),
    ]);
    let mut settings: Value = serde_json::from_str(SEED_DUAL).unwrap();
    settings["Data"][0]["Validations"]["LappValidations"] = json!([
        { "LappId": "closed-stage", "LappEnv": "Live" },
        { "LappId": "closed-stage", "LappEnv": "Test" }
    ]);
    put_settings(&app, &settings.to_string());
    create_lead(&app, "L-env", json!([]));
    let decision = expect(
        &post(&app, "/validate", None, &meeting("L-env", 209, "U-1")),
        200,
    );
    assert_eq!(decision["allowed"], true, "{decision}");
    let asked = stub.asked();
    let envs: Vec<&str> = asked.iter().map(|(_, env, _)| env.as_str()).collect();
    assert_eq!(envs, ["Live", "Test"], "{asked:?}");
    // One body, each call signed for its environment (so neither is the
    // other's replay), and for no other.
    assert_eq!(asked[0].2, asked[1].2);
    for ((path, env, body), (timestamp, signed)) in asked.iter().zip(stub.signatures()) {
        assert_eq!(path, "/closed-stage/validate");
        let verify_as = |env: &str| {
            verify(
                TENANT_SECRET,
                "closed-stage",
                Some(env),
                Some(&timestamp),
                Some(&signed),
                body.as_bytes(),
                unix_now(),
            )
        };
        verify_as(env).expect("signed for its environment");
        let other = if env == "Live" { "Test" } else { "Live" };
        assert!(verify_as(other).is_err(), "{env} verifies as {other}");
    }
}

#[test]
fn without_the_secret_tenant_lapps_are_not_called_and_refuse() {
    let stub = TenantStub::start(Some(r#"{"allowed": true}"#));
    let app = app(&[
        ("tenant_lapp_base_url", &stub.origin),
        ("tenant_lapp_origin", &stub.origin),
    ]);
    put_settings(&app, &with_tenant_lapp());
    create_lead(&app, "L-ns", json!([]));
    let decision = expect(
        &post(&app, "/validate", None, &meeting("L-ns", 209, "U-1")),
        200,
    );
    assert_eq!(failed_rules(&decision), vec!["LappValidations"]);
    let reason = decision["failures"][0]["reason"]
        .as_str()
        .unwrap_or_default();
    assert!(
        reason.contains("`tenant_lapp_secret` is not set"),
        "{reason}"
    );
    assert!(stub.asked().is_empty(), "{:?}", stub.asked());
}

#[test]
fn an_upload_losing_its_commit_leaves_no_chunks() {
    let app = app(&[]);
    // Three chunks each (the Lapp stores 1 MiB chunks), two different contents per id.
    let size = 2 * 1024 * 1024 + 512 * 1024;
    let ids = ["race-a", "race-b", "race-c"];
    let replies: Vec<(String, Vec<u8>, RawReply)> = std::thread::scope(|s| {
        let sent: Vec<_> = ids
            .iter()
            .flat_map(|id| [(*id, 1u8), (*id, 2u8)])
            .map(|(id, fill)| {
                let app = &app;
                s.spawn(move || {
                    let bytes = vec![fill; size];
                    let reply = upload(app, id, &bytes, &sha(&bytes));
                    (id.to_owned(), bytes, reply)
                })
            })
            .collect();
        sent.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for id in ids {
        let mut statuses: Vec<u16> = replies
            .iter()
            .filter(|(of, ..)| of == id)
            .map(|(.., reply)| reply.status)
            .collect();
        statuses.sort();
        assert_eq!(statuses, vec![201, 409], "{id}");
        let (_, stored, _) = replies
            .iter()
            .find(|(of, _, reply)| of == id && reply.status == 201)
            .unwrap();
        assert_eq!(&get(&app, &format!("/recordings/{id}")).body, stored);
        // Only the committed upload's chunks are kept: the loser deleted its own.
        let all = app
            .state
            .count_prefix(&format!("{ORG}/meetings/recording/{id}/"));
        let winners = app
            .state
            .count_prefix(&format!("{ORG}/meetings/recording/{id}/{}/", sha(stored)));
        assert_eq!((all, winners), (3, 3), "{id}");
    }
}

#[test]
fn an_end_whose_post_fails_gives_its_recording_and_start_back() {
    use recrules_e2e::crm_stub::Fault;
    let crm = CrmStub::start();
    crm.add_lead("L-f", json!({ "Phone": PHONE }));
    let app = crm_app(&crm);
    put_settings(&app, SEED_DUAL);
    let started = crm.add_activity(
        "L-f",
        209,
        &ago(600).replace('T', " ").replace('Z', ""),
        Some("U-1"),
    );
    let body = end_body("L-f", 210, vec![recording(&app, "fail-1", 300, 90)]);
    // The CRM refuses to create the End (a 4xx: it created nothing): nothing
    // is posted, and the End's holds (the recording, the Start's claim) are
    // given back. (After a 5xx, garbage or a timeout the CRM may have created
    // it: the End keeps them for its retry, see `e2e/tests/faults.rs`.)
    crm.fail_next_at("/v2/ProspectActivity.svc/Create", Fault::Refused, 1);
    let failed = expect(&post(&app, "/meetings/end", Some("f-1"), &body), 502);
    assert_eq!(failed["error"], "crm_error", "{failed}");
    assert_eq!(failed.get("outcome_unknown"), None, "{failed}");
    assert_eq!(crm.activities("L-f").len(), 1);
    // Another End (a fresh key) may carry the same recording and close the same Start.
    let end = expect(&post(&app, "/meetings/end", Some("f-2"), &body), 201);
    assert_eq!(end["start_activity_id"], json!(started));
    assert_eq!(crm.activities("L-f").len(), 2);
}
