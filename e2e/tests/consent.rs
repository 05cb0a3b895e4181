//! Consent evidence over HTTP: a meeting whose entry has
//! `OTPValidation` keeps the verification that allowed it on its End, in
//! Single and Dual mode, with the activities in the state store (`kv`) and
//! in the CRM (the stub): the masked number, when the code was verified and
//! the challenge's digest, shown by `GET /leads/{id}/activities`, and never
//! the code nor the full number.

use recrules_e2e::app::{free_port, App};
use recrules_e2e::crm_stub::{CrmStub, Fault, ACCESS_KEY, SECRET_KEY};
use recrules_e2e::data::{ago, audio, expect, sha};
use recrules_e2e::raw::{send, RawReply};
use serde_json::{json, Value};

const ORG: &str = "org-1";
const KEY: &str = "org-1-key-0123456789";
const ADMIN: &str = "org-1-admin-abcdefghij";
const PHONE: &str = "+919800000001";
/// [`PHONE`] as every answer shows it.
const MASKED: &str = "+91******0001";
/// The digits of [`PHONE`] a full number would show, with or without `+91`.
const DIGITS: &str = "9800000001";
const SEED_DUAL: &str = include_str!("../../fixtures/settings/seed-dual.json");
const SEED_SINGLE: &str = include_str!("../../fixtures/settings/seed-single.json");

/// A host with org-1's keys, the OTP Lapp in Test with the `log` gateway, and `extra`.
fn app(extra: &[(&str, &str)]) -> App {
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
    App::start(free_port(), &vars)
}

/// [`app`] with the activities in the CRM, the stub standing in for it.
fn crm_app(crm: &CrmStub) -> App {
    app(&[
        ("activity_store", "crm"),
        ("crm_base_url", &crm.origin),
        ("crm_origin", &crm.origin),
        ("crm_access_key", ACCESS_KEY),
        ("crm_secret_key", SECRET_KEY),
    ])
}

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

fn post(app: &App, path: &str, idempotency: Option<&str>, body: &Value) -> RawReply {
    let more: Vec<(&str, &str)> = idempotency
        .map(|k| ("idempotency-key", k))
        .into_iter()
        .collect();
    call(app, "POST", path, KEY, &more, body.to_string().as_bytes())
}

fn put_settings(app: &App, text: &str) {
    expect(
        &call(app, "PUT", "/settings", ADMIN, &[], text.as_bytes()),
        200,
    );
}

/// Where a store or CRM holds the lead: `kv` creates it with a visit (154)
/// an hour ago; the CRM stub is given both.
enum Store<'c> {
    Kv,
    Crm(&'c CrmStub),
}

impl Store<'_> {
    fn create_lead(&self, app: &App, lead: &str) {
        match self {
            Store::Kv => {
                let visit = json!([{ "id": format!("V-{lead}"), "event_code": 154, "created_on": ago(3600), "user": "U-1" }]);
                let body = json!({ "id": lead, "fields": { "Phone": PHONE, "Mobile": "" }, "activities": visit });
                expect(&post(app, "/leads", None, &body), 201);
            }
            Store::Crm(crm) => {
                crm.add_lead(lead, json!({ "Phone": PHONE }));
                let an_hour_ago = ago(3600).replace('T', " ").replace('Z', "");
                crm.add_activity(lead, 154, &an_hour_ago, Some("U-1"));
            }
        }
    }
}

/// Sends and verifies an OTP for `lead` and `entry` through the OTP Lapp;
/// answers the code.
fn verify_otp(app: &App, lead: &str, entry: u32) -> String {
    let body = json!({ "phone": PHONE, "lead": lead, "entry": entry, "user": "U-1" });
    assert_eq!(
        expect(&post(app, "/otp/send", None, &body), 200)["outcome"],
        "sent"
    );
    let message = expect(
        &call(
            app,
            "GET",
            "/otp/test/last-message?phone=%2B919800000001",
            KEY,
            &[],
            b"",
        ),
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
    let verified = expect(&post(app, "/otp/verify", None, &verify), 200);
    assert_eq!(verified["outcome"], "approved", "{verified}");
    code
}

/// The approval the OTP Lapp stored for `lead` and `entry` (used up by now).
fn stored_approval(app: &App, lead: &str, entry: u32) -> Value {
    let key = format!("{ORG}/otp/approval/{lead}/{entry}/U-1");
    let bytes = app.state.get(&key).expect("the approval is kept");
    let slot: Value = serde_json::from_slice(&bytes).unwrap();
    slot.get("used").cloned().unwrap_or(slot)
}

/// Uploads a recording that began `started_s_ago` and lasted 30 s; answers its description.
fn recording(app: &App, id: &str, started_s_ago: i64) -> Value {
    let bytes = audio(id, 1500);
    let reply = call(
        app,
        "PUT",
        &format!("/recordings/{id}"),
        KEY,
        &[("x-content-sha256", &sha(&bytes))],
        &bytes,
    );
    expect(&reply, 201);
    json!({
        "id": id, "started_at": ago(started_s_ago), "ended_at": ago(started_s_ago - 30),
        "duration_s": 30, "size_bytes": bytes.len(), "sha256": sha(&bytes),
    })
}

fn meeting(lead: &str, code: u32) -> Value {
    json!({ "lead": lead, "activity_code": code, "user": "U-1" })
}

fn end_body(lead: &str, code: u32, recording: Value) -> Value {
    json!({ "lead": lead, "activity_code": code, "user": "U-1", "recordings": [recording] })
}

/// The lead's listing, whole, as its text and as JSON.
fn listing(app: &App, lead: &str) -> (String, Vec<Value>) {
    let reply = call(
        app,
        "GET",
        &format!("/leads/{lead}/activities"),
        KEY,
        &[],
        b"",
    );
    let body = expect(&reply, 200);
    (
        reply.text(),
        body["activities"].as_array().cloned().unwrap_or_default(),
    )
}

/// The listed activity `id`: kv lists `{id, activity: {...}}`, the CRM the activity itself.
fn listed<'l>(activities: &'l [Value], id: &Value) -> &'l Value {
    let item = activities
        .iter()
        .find(|a| &a["id"] == id)
        .unwrap_or_else(|| panic!("{id} is not listed: {activities:?}"));
    item.get("activity").unwrap_or(item)
}

/// Whether `text` holds `word` on its own (not inside a longer run of
/// letters and digits, as a hex digest might by chance).
fn holds_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

/// Asserts that `activity` holds the consent of `approval`, in its `consent`
/// and in its note, and answers that consent.
fn assert_consent(activity: &Value, approval: &Value) -> Value {
    let consent = activity["consent"].clone();
    assert_eq!(consent["phone_masked"], MASKED, "{activity}");
    assert_eq!(
        consent["verified_at"], approval["verified_at"],
        "{activity}"
    );
    let digest = approval["challenge_sha256"]
        .as_str()
        .expect("the approval keeps its challenge's digest");
    assert_eq!(digest.len(), 64);
    assert_eq!(consent["challenge_sha256"], digest, "{activity}");
    let note = activity["note"].as_str().unwrap_or_default();
    assert!(
        note.contains(&format!("to {MASKED}, challenge sha256:{digest}")),
        "{note}"
    );
    assert!(note.contains("OTP verified 20"), "{note}");
    consent
}

/// Asserts that nothing of the listing shows the code or the full number.
fn assert_no_secret(text: &str, code: &str) {
    assert!(!text.contains(DIGITS), "the full number is listed: {text}");
    assert!(!holds_word(text, code), "the code {code} is listed: {text}");
}

/// A Single-mode End of entry 205 (which has `OTPValidation`) keeps the OTP
/// it used up; one of entry 158 (without) keeps none.
fn single_mode(store: Store, app: &App) {
    put_settings(app, SEED_SINGLE);
    store.create_lead(app, "L-s");
    let code = verify_otp(app, "L-s", 205);
    let end = expect(
        &post(
            app,
            "/meetings/end",
            Some("end-205"),
            &end_body("L-s", 205, recording(app, "s-205", 120)),
        ),
        201,
    );
    let approval = stored_approval(app, "L-s", 205);
    let (text, activities) = listing(app, "L-s");
    let activity = listed(&activities, &end["activity_id"]);
    assert_consent(activity, &approval);
    assert_no_secret(&text, &code);

    store.create_lead(app, "L-n");
    let end = expect(
        &post(
            app,
            "/meetings/end",
            Some("end-158"),
            &end_body("L-n", 158, recording(app, "s-158", 120)),
        ),
        201,
    );
    let (_, activities) = listing(app, "L-n");
    let activity = listed(&activities, &end["activity_id"]);
    assert!(activity.get("consent").is_none(), "{activity}");
    assert!(
        !activity["note"]
            .as_str()
            .unwrap_or_default()
            .contains("OTP verified"),
        "{activity}"
    );
}

/// A Dual-mode Start of entry 221 uses the OTP up and keeps it; its End
/// (222) carries the same consent.
fn dual_mode(store: Store, app: &App) {
    put_settings(app, SEED_DUAL);
    store.create_lead(app, "L-d");
    let code = verify_otp(app, "L-d", 221);
    let start = expect(
        &post(
            app,
            "/meetings/start",
            Some("start-221"),
            &meeting("L-d", 221),
        ),
        201,
    );
    let end = expect(
        &post(
            app,
            "/meetings/end",
            Some("end-222"),
            &end_body("L-d", 222, recording(app, "d-222", 60)),
        ),
        201,
    );
    assert_eq!(end["start_activity_id"], start["activity_id"]);
    let approval = stored_approval(app, "L-d", 221);
    let (text, activities) = listing(app, "L-d");
    let at_start = assert_consent(listed(&activities, &start["activity_id"]), &approval);
    let at_end = assert_consent(listed(&activities, &end["activity_id"]), &approval);
    assert_eq!(at_end, at_start);
    assert_no_secret(&text, &code);
}

#[test]
fn kv_single_mode_keeps_the_otp_on_the_end() {
    let app = app(&[]);
    single_mode(Store::Kv, &app);
}

#[test]
fn kv_dual_mode_end_carries_the_starts_otp() {
    let app = app(&[]);
    dual_mode(Store::Kv, &app);
}

#[test]
fn crm_single_mode_notes_the_otp_before_the_request_tag() {
    let crm = CrmStub::start();
    let app = crm_app(&crm);
    single_mode(Store::Crm(&crm), &app);
    let posted = crm.activities("L-s");
    let note = posted.last().unwrap()["ActivityNote"]
        .as_str()
        .unwrap()
        .to_owned();
    // The consent line, then the request's tag, which a retry looks for.
    let line = note
        .find(&format!("to {MASKED}, challenge sha256:"))
        .expect(&note);
    let tag = note.find(" [request ").expect(&note);
    assert!(line < tag && note.ends_with(']'), "{note}");
    assert!(!note.contains(DIGITS), "{note}");
}

#[test]
fn crm_dual_mode_end_carries_the_starts_otp() {
    let crm = CrmStub::start();
    let app = crm_app(&crm);
    dual_mode(Store::Crm(&crm), &app);
    for activity in crm
        .activities("L-d")
        .iter()
        .filter(|a| a["EventCode"] != 154)
    {
        let note = activity["ActivityNote"].as_str().unwrap();
        assert!(
            note.contains(&format!("to {MASKED}, challenge sha256:")),
            "{note}"
        );
        assert!(!note.contains(DIGITS), "{note}");
    }
}

/// A Start the CRM created although it answered a 5xx: its retry finds it
/// (`recovered`) and keeps its consent then, so its End still carries it.
#[test]
fn crm_a_start_recovered_after_an_unknown_outcome_still_gives_its_end_the_otp() {
    let crm = CrmStub::start();
    let app = crm_app(&crm);
    put_settings(&app, SEED_DUAL);
    Store::Crm(&crm).create_lead(&app, "L-r");
    let code = verify_otp(&app, "L-r", 221);
    crm.fail_next_at(
        "/v2/ProspectActivity.svc/Create",
        Fault::ServedThenServerError,
        1,
    );
    let unknown = expect(
        &post(
            &app,
            "/meetings/start",
            Some("start-r"),
            &meeting("L-r", 221),
        ),
        502,
    );
    assert_eq!(unknown["outcome_unknown"], true, "{unknown}");
    let start = expect(
        &post(
            &app,
            "/meetings/start",
            Some("start-r"),
            &meeting("L-r", 221),
        ),
        201,
    );
    assert_eq!(start["recovered"], true, "{start}");
    let end = expect(
        &post(
            &app,
            "/meetings/end",
            Some("end-r"),
            &end_body("L-r", 222, recording(&app, "r-222", 60)),
        ),
        201,
    );
    let approval = stored_approval(&app, "L-r", 221);
    let (text, activities) = listing(&app, "L-r");
    let at_start = assert_consent(listed(&activities, &start["activity_id"]), &approval);
    let at_end = assert_consent(listed(&activities, &end["activity_id"]), &approval);
    assert_eq!(at_end, at_start);
    assert_no_secret(&text, &code);
}
