//! The CRM connector (`lapps/crm`) inside the meetings Lapp with
//! `activity_store` = `crm`, against the loopback CRM stub.

use recrules_e2e::app::{free_port, App};
use recrules_e2e::crm_stub::{CrmStub, Fault, ACCESS_KEY, API_USER, SECRET_KEY};
use recrules_e2e::data::expect;
use recrules_e2e::raw::{send, RawReply};
use serde_json::{json, Value};

const ORG: &str = "org-1";
const KEY: &str = "org-1-key-0123456789";
const ADMIN: &str = "org-1-admin-abcdefghij";
const SEED_DUAL: &str = include_str!("../../fixtures/settings/seed-dual.json");

/// The meetings Lapp on the CRM `stub`, with `secret` as the CRM secret key.
fn app(stub: &CrmStub, secret: &str) -> App {
    let keys = json!({ ORG: KEY }).to_string();
    let admin = json!({ ORG: ADMIN }).to_string();
    let vars = [
        ("org_api_keys", keys.as_str()),
        ("org_admin_keys", admin.as_str()),
        ("activity_store", "crm"),
        ("crm_base_url", stub.origin.as_str()),
        ("crm_origin", stub.origin.as_str()),
        ("crm_access_key", ACCESS_KEY),
        ("crm_secret_key", secret),
        ("crm_timeout_ms", "1500"),
        ("crm_max_retries", "2"),
    ];
    let app = App::start(free_port(), &vars);
    let put = call(&app, "PUT", "/settings", ADMIN, &[], SEED_DUAL.as_bytes());
    assert_eq!(put.status, 200, "{}", put.text());
    app
}

/// A stub with lead L-1 (one earlier activity, by U-9).
fn stub() -> CrmStub {
    let stub = CrmStub::start();
    stub.add_lead(
        "L-1",
        json!({ "Phone": "+919800000001", "Mobile": "", "ProspectStage": "Open" }),
    );
    stub.add_activity("L-1", 154, "2026-01-01 09:00:00", Some("U-9"));
    stub
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

fn listing(app: &App, lead: &str) -> RawReply {
    call(
        app,
        "GET",
        &format!("/leads/{lead}/activities"),
        KEY,
        &[],
        b"",
    )
}

fn meeting(lead: &str, code: u32) -> Value {
    json!({ "lead": lead, "activity_code": code, "user": "U-1" })
}

#[test]
fn the_lapp_reads_and_writes_leads_and_activities_in_the_crm() {
    let stub = stub();
    let app = app(&stub, SECRET_KEY);

    let history = expect(&listing(&app, "L-1"), 200);
    assert_eq!(
        history["activities"].as_array().map(Vec::len),
        Some(1),
        "{history}"
    );

    let body = meeting("L-1", 209).to_string();
    let decision = expect(
        &call(&app, "POST", "/validate", KEY, &[], body.as_bytes()),
        200,
    );
    assert_eq!(decision["allowed"], true, "{decision}");
    let paths: Vec<String> = stub.received().iter().map(|r| r.path.clone()).collect();
    assert!(
        paths
            .iter()
            .any(|p| p == "/v2/LeadManagement.svc/Leads.GetById?id=L-1"),
        "{paths:?}"
    );
    assert!(
        paths
            .iter()
            .any(|p| p == "/v2/ProspectActivity.svc/Retrieve?leadId=L-1"),
        "{paths:?}"
    );

    let start = call(
        &app,
        "POST",
        "/meetings/start",
        KEY,
        &[("idempotency-key", "s-1")],
        body.as_bytes(),
    );
    let start = expect(&start, 201);
    let posted = stub.activities("L-1");
    let created = posted.last().expect("the Start in the CRM");
    assert_eq!(
        (created["EventCode"].as_u64(), created["CreatedBy"].as_str()),
        (Some(209), Some(API_USER))
    );
    assert_eq!(start["activity_id"], created["Id"], "{start}");

    let create = stub
        .received()
        .into_iter()
        .find(|r| r.path == "/v2/ProspectActivity.svc/Create")
        .expect("a Create call");
    let sent: Value = serde_json::from_str(&create.body).expect("a JSON body");
    assert_eq!(
        (
            sent["RelatedProspectId"].as_str(),
            sent["ActivityEvent"].as_u64()
        ),
        (Some("L-1"), Some(209))
    );
    let at = sent["ActivityDateTime"].as_str().unwrap_or_default();
    assert!(
        at.len() == 19 && at.as_bytes()[10] == b' ' && !at.contains('T'),
        "not yyyy-MM-dd HH:mm:ss: {at}"
    );
    // Every call carried both keys.
    for request in stub.received() {
        assert_eq!(
            request.header("x-lsq-accesskey"),
            Some(ACCESS_KEY),
            "{}",
            request.path
        );
        assert_eq!(
            request.header("x-lsq-secretkey"),
            Some(SECRET_KEY),
            "{}",
            request.path
        );
    }
    // The second Start within 30 days breaks entry 209's creation limit, counted from the CRM.
    let again = call(
        &app,
        "POST",
        "/meetings/start",
        KEY,
        &[("idempotency-key", "s-2")],
        body.as_bytes(),
    );
    expect(&again, 422);
}

#[test]
fn crm_failures_answer_their_statuses() {
    let stub = stub();
    let app = app(&stub, SECRET_KEY);
    let fails = |status: u16| {
        let reply = listing(&app, "L-1");
        assert_eq!(reply.status, status, "{}", reply.text());
        assert!(reply.text().contains("CRM"), "{}", reply.text());
    };

    let unknown = listing(&app, "L-404");
    assert_eq!(unknown.status, 404, "{}", unknown.text());

    // Two 429s are retried (max_retries = 2); the third attempt is served.
    let before = stub.received().len();
    stub.fail_next(
        Fault::TooManyRequests {
            retry_after_s: Some(0),
        },
        2,
    );
    expect(&listing(&app, "L-1"), 200);
    let retrieves = stub.received().len() - before;
    assert_eq!(retrieves, 3, "two 429s, then the history");
    // Three are one too many.
    stub.fail_next(
        Fault::TooManyRequests {
            retry_after_s: None,
        },
        3,
    );
    fails(503);

    stub.fail_next(Fault::ServerError, 1);
    fails(502);
    stub.fail_next(Fault::Garbage, 1);
    fails(502);
    stub.fail_next(Fault::Hang, 1);
    fails(504);
    // The stub still serves after all that.
    expect(&listing(&app, "L-1"), 200);
}

#[test]
fn wrong_crm_keys_are_a_bad_gateway() {
    let stub = stub();
    let app = app(&stub, "not-the-secret");
    let reply = listing(&app, "L-1");
    assert_eq!(reply.status, 502, "{}", reply.text());
    assert!(reply.text().contains("secret key"), "{}", reply.text());
}

#[test]
fn an_end_pairs_with_the_start_this_lapp_posted_although_the_crm_names_the_api_user() {
    use sha2::{Digest, Sha256};
    let stub = stub();
    let app = app(&stub, SECRET_KEY);
    let start = meeting("L-1", 209).to_string();
    expect(
        &call(
            &app,
            "POST",
            "/meetings/start",
            KEY,
            &[("idempotency-key", "s-1")],
            start.as_bytes(),
        ),
        201,
    );
    // The CRM says the API key's owner created the Start, not U-1.
    let posted = stub.activities("L-1");
    assert_eq!(posted.last().unwrap()["CreatedBy"].as_str(), Some(API_USER));

    let bytes = vec![7u8; 2048];
    let sha = hex::encode(Sha256::digest(&bytes));
    let put = call(
        &app,
        "PUT",
        "/recordings/crm-r1",
        KEY,
        &[("x-content-sha256", sha.as_str())],
        &bytes,
    );
    assert_eq!(put.status, 201, "{}", put.text());
    let now = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
    let started = (now - chrono::Duration::seconds(120)).to_rfc3339();
    let ended = (now - chrono::Duration::seconds(30)).to_rfc3339();
    let end = json!({
        "lead": "L-1", "activity_code": 210, "user": "U-1",
        "recordings": [{ "id": "crm-r1", "started_at": started, "ended_at": ended,
                         "duration_s": 90, "size_bytes": bytes.len(), "sha256": sha }],
    })
    .to_string();
    let answer = expect(
        &call(
            &app,
            "POST",
            "/meetings/end",
            KEY,
            &[("idempotency-key", "e-1")],
            end.as_bytes(),
        ),
        201,
    );
    assert_eq!(answer["ok"], true, "{answer}");
    let end_activity = stub.activities("L-1").last().cloned().unwrap();
    assert_eq!(end_activity["EventCode"].as_u64(), Some(210));
}
