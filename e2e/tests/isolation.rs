//! Cross-org isolation over HTTP: two orgs with their own keys on one app.
//! One org's keys reach none of the other's settings, leads, activities,
//! recordings, idempotency keys or OTPs, whether it names the other org,
//! guesses its ids (the same lead and recording ids exist in both), or
//! smuggles path and key separators, long or unicode ids through an id: that
//! gets a 4xx naming the field, never the other org's data.

use recrules_e2e::app::{free_port, App};
use recrules_e2e::data::{ago, audio, expect, sha};
use recrules_e2e::raw::{send, RawReply};
use serde_json::{json, Value};

const SEED_DUAL: &str = include_str!("../../fixtures/settings/seed-dual.json");
const PHONE: &str = "+919800000001";

/// An org and its keys.
struct Org {
    id: &'static str,
    key: &'static str,
    admin: &'static str,
}

const A: Org = Org {
    id: "org-a",
    key: "org-a-key-0123456789",
    admin: "org-a-admin-0123456789",
};
const B: Org = Org {
    id: "org-b",
    key: "org-b-key-abcdefghij",
    admin: "org-b-admin-abcdefghij",
};

/// The app with both orgs' keys, the OTP Lapp in Test with the `log` gateway.
fn app() -> App {
    let keys = json!({ A.id: A.key, B.id: B.key }).to_string();
    let admin = json!({ A.id: A.admin, B.id: B.admin }).to_string();
    App::start(
        free_port(),
        &[
            ("org_api_keys", keys.as_str()),
            ("org_admin_keys", admin.as_str()),
            ("lapp_env", "Test"),
            ("sms_gateway", "log"),
            ("sms_template", "code:{code}"),
        ],
    )
}

/// A request naming org `org_id` with `key`.
fn raw(
    app: &App,
    org_id: &str,
    key: &str,
    method: &str,
    path: &str,
    more: &[(&str, &str)],
    body: &[u8],
) -> RawReply {
    let mut headers = vec![("x-org-id", org_id), ("x-api-key", key)];
    headers.extend_from_slice(more);
    send(&app.base, method, path, &headers, body)
}

/// A request as `org` with its API key.
fn call(app: &App, org: &Org, method: &str, path: &str, body: &[u8]) -> RawReply {
    raw(app, org.id, org.key, method, path, &[], body)
}

/// A JSON POST as `org` with an idempotency key.
fn post(app: &App, org: &Org, path: &str, idempotency: &str, body: &Value) -> RawReply {
    raw(
        app,
        org.id,
        org.key,
        "POST",
        path,
        &[("idempotency-key", idempotency)],
        body.to_string().as_bytes(),
    )
}

fn upload(app: &App, org: &Org, id: &str, bytes: &[u8]) -> RawReply {
    let hash = sha(bytes);
    raw(
        app,
        org.id,
        org.key,
        "PUT",
        &format!("/recordings/{id}"),
        &[("x-content-sha256", &hash)],
        bytes,
    )
}

/// Org `org`'s settings: seed Dual with its own display name.
fn settings(org: &Org) -> String {
    SEED_DUAL.replace("\"Meeting name\"", &format!("\"Meeting of {}\"", org.id))
}

fn create_lead(app: &App, org: &Org, id: &str, phone: &str) {
    let history = json!([{ "id": format!("A-154-{}", org.id), "event_code": 154,
                           "created_on": ago(3600), "user": "U-1" }]);
    let body =
        json!({ "id": id, "fields": { "Phone": phone, "Owner": org.id }, "activities": history });
    expect(
        &call(app, org, "POST", "/leads", body.to_string().as_bytes()),
        201,
    );
}

fn end_body(lead: &str, code: u32, id: &str, bytes: &[u8]) -> Value {
    json!({ "lead": lead, "activity_code": code, "user": "U-1", "recordings": [{
        "id": id, "started_at": ago(300), "ended_at": ago(240), "duration_s": 60,
        "size_bytes": bytes.len(), "sha256": sha(bytes),
    }] })
}

/// The ids and codes of a lead's activities, as `org` reads them.
fn activities(app: &App, org: &Org, lead: &str) -> Vec<(String, u64)> {
    let listing = expect(
        &call(app, org, "GET", &format!("/leads/{lead}/activities"), b""),
        200,
    );
    listing["activities"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            (
                a["id"].as_str().unwrap_or_default().to_owned(),
                a["activity"]["event_code"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

/// Both orgs with settings, lead L-1 and recording rec-1 of their own; org A
/// with an End posted on L-1 and an open Start on L-2. Answers A's and B's
/// rec-1 bytes.
fn two_orgs(app: &App) -> (Vec<u8>, Vec<u8>) {
    for org in [&A, &B] {
        let put = raw(
            app,
            org.id,
            org.admin,
            "PUT",
            "/settings",
            &[],
            settings(org).as_bytes(),
        );
        expect(&put, 200);
        create_lead(app, org, "L-1", PHONE);
        create_lead(app, org, "L-2", PHONE);
    }
    let (a_bytes, b_bytes) = (audio("org-a rec-1", 3000), audio("org-b rec-1", 2000));
    expect(&upload(app, &A, "rec-1", &a_bytes), 201);
    // The same id in B is B's own recording, not a conflict with A's.
    expect(&upload(app, &B, "rec-1", &b_bytes), 201);
    let meeting = json!({ "lead": "L-1", "activity_code": 209, "user": "U-1" });
    expect(&post(app, &A, "/meetings/start", "start-1", &meeting), 201);
    let end = end_body("L-1", 210, "rec-1", &a_bytes);
    expect(&post(app, &A, "/meetings/end", "end-1", &end), 201);
    let meeting = json!({ "lead": "L-2", "activity_code": 209, "user": "U-1" });
    expect(&post(app, &A, "/meetings/start", "start-2", &meeting), 201);
    (a_bytes, b_bytes)
}

#[test]
fn one_orgs_keys_reach_nothing_of_another_org() {
    let app = app();
    let (a_bytes, b_bytes) = two_orgs(&app);
    let a_l1 = activities(&app, &A, "L-1");

    // B's keys naming org A, on every route: 401, and nothing of A's in the answer.
    let meeting = json!({ "lead": "L-1", "activity_code": 209, "user": "U-1" }).to_string();
    let end = end_body("L-2", 210, "rec-1", &a_bytes).to_string();
    let otp = json!({ "phone": PHONE, "lead": "L-1", "entry": 221, "user": "U-1" }).to_string();
    let routes: [(&str, &str, &[u8]); 13] = [
        ("GET", "/settings", b""),
        ("PUT", "/settings", SEED_DUAL.as_bytes()),
        ("GET", "/leads/L-1/activities", b""),
        ("POST", "/leads", br#"{"id": "L-9"}"#),
        ("GET", "/recordings/rec-1", b""),
        ("PUT", "/recordings/rec-1", &b_bytes),
        ("POST", "/validate", meeting.as_bytes()),
        ("POST", "/meetings/start", meeting.as_bytes()),
        ("POST", "/meetings/end", end.as_bytes()),
        ("POST", "/otp/send", otp.as_bytes()),
        ("POST", "/otp/resend", otp.as_bytes()),
        ("POST", "/otp/verify", otp.as_bytes()),
        ("GET", "/otp/test/last-message?phone=%2B919800000001", b""),
    ];
    let hash = sha(&b_bytes);
    for (method, path, body) in routes {
        for key in [B.key, B.admin] {
            let more = [("idempotency-key", "k-x"), ("x-content-sha256", &hash)];
            let reply = raw(&app, A.id, key, method, path, &more, body);
            assert_eq!(reply.status, 401, "{method} {path}: {}", reply.text());
            assert!(!reply.text().contains("Meeting of org-a"), "{path}");
        }
    }

    // Each org reads its own settings, leads, activities and recordings
    // under the same ids.
    let own = |org: &Org| call(&app, org, "GET", "/settings", b"").text();
    assert_eq!(own(&A), settings(&A));
    assert_eq!(own(&B), settings(&B));
    assert_eq!(activities(&app, &A, "L-1"), a_l1);
    let codes: Vec<u64> = a_l1.iter().map(|(_, code)| *code).collect();
    assert_eq!(codes, vec![154, 209, 210]);
    let b_l1 = activities(&app, &B, "L-1");
    assert_eq!(b_l1.len(), 1, "{b_l1:?}");
    assert!(b_l1.iter().all(|a| !a_l1[1..].contains(a)), "{b_l1:?}");
    let got = |org: &Org| call(&app, org, "GET", "/recordings/rec-1", b"").body;
    assert!(got(&A) == a_bytes, "A's rec-1 changed");
    assert!(got(&B) == b_bytes, "B reads A's rec-1");

    // Ids that exist only in A: unknown to B; B creating them makes its own.
    expect(&upload(&app, &A, "a-only", &a_bytes), 201);
    let missing = expect(&call(&app, &B, "GET", "/recordings/a-only", b""), 404);
    assert_eq!(missing["field"], "id", "{missing}");
    create_lead(&app, &A, "L-a", PHONE);
    let missing = expect(&call(&app, &B, "GET", "/leads/L-a/activities", b""), 404);
    assert_eq!(missing["field"], "lead", "{missing}");
    let other = audio("org-b a-only", 1000);
    expect(&upload(&app, &B, "a-only", &other), 201);
    assert!(call(&app, &A, "GET", "/recordings/a-only", b"").body == a_bytes);

    // A's open Start on L-2 is not B's: B's End is refused, A's is posted.
    let refused = expect(
        &post(
            &app,
            &B,
            "/meetings/end",
            "end-2",
            &end_body("L-2", 210, "rec-1", &b_bytes),
        ),
        409,
    );
    assert_eq!(refused["error"], "missing_start", "{refused}");
    // The same Idempotency-Key in both orgs: B's End is its own request, not
    // a replay of A's "end-1".
    let b_meeting = json!({ "lead": "L-1", "activity_code": 209, "user": "U-1" });
    expect(
        &post(&app, &B, "/meetings/start", "start-1", &b_meeting),
        201,
    );
    let b_end = post(
        &app,
        &B,
        "/meetings/end",
        "end-1",
        &end_body("L-1", 210, "rec-1", &b_bytes),
    );
    let b_end_answer = expect(&b_end, 201);
    assert_eq!(b_end.header("idempotent-replayed"), None);
    assert!(!a_l1
        .iter()
        .any(|(id, _)| b_end_answer["activity_id"] == *id));
    assert_eq!(activities(&app, &A, "L-1"), a_l1, "B's End landed in A");
    expect(
        &post(
            &app,
            &A,
            "/meetings/end",
            "end-2",
            &end_body("L-2", 210, "a-only", &a_bytes),
        ),
        201,
    );
}

#[test]
fn one_orgs_otp_is_not_another_orgs() {
    let app = app();
    two_orgs(&app);
    let otp = json!({ "phone": PHONE, "lead": "L-1", "entry": 221, "user": "U-1" });
    let send_otp = |org: &Org, path: &str, body: &Value| {
        expect(&post(&app, org, path, "unused", body), 200)["outcome"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(send_otp(&A, "/otp/send", &otp), "sent");
    let message = "/otp/test/last-message?phone=%2B919800000001";
    let kept = expect(&call(&app, &A, "GET", message, b""), 200);
    let code: String = kept["body"]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("code:")
        .chars()
        .take(6)
        .collect();
    // B sees no SMS, no challenge to resend, and A's code verifies nothing in B.
    let none = expect(&call(&app, &B, "GET", message, b""), 404);
    assert!(!none.to_string().contains(&code), "{none}");
    assert_eq!(send_otp(&B, "/otp/resend", &otp), "unknown_challenge");
    let mut verify = otp.clone();
    verify["code"] = json!(code);
    assert_eq!(send_otp(&B, "/otp/verify", &verify), "unknown_challenge");
    // B's own challenge for the same phone, lead and user is B's: A's code
    // is a wrong code there, and B's attempts do not count against A's.
    assert_eq!(send_otp(&B, "/otp/send", &otp), "sent");
    let b_code: String = expect(&call(&app, &B, "GET", message, b""), 200)["body"]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("code:")
        .chars()
        .take(6)
        .collect();
    if b_code != code {
        let wrong = expect(&post(&app, &B, "/otp/verify", "unused", &verify), 200);
        assert_eq!(wrong["outcome"], "wrong_code", "{wrong}");
        assert_eq!(wrong["attempts_left"], 4, "{wrong}");
    }
    assert_eq!(send_otp(&A, "/otp/verify", &verify), "approved");
    // A's approval serves A's meeting, not B's.
    let meeting = json!({ "lead": "L-1", "activity_code": 221, "user": "U-1" });
    let failed = |org: &Org| -> Vec<String> {
        let decision = expect(&post(&app, org, "/validate", "unused", &meeting), 200);
        decision["failures"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| f["rule"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(failed(&A), Vec::<String>::new());
    assert_eq!(failed(&B), vec!["OTPValidation"]);
    expect(&post(&app, &B, "/meetings/start", "otp-b", &meeting), 422);
    expect(&post(&app, &A, "/meetings/start", "otp-a", &meeting), 201);
}

/// Ids that try to leave their key: separators (raw and percent-encoded),
/// dot segments, NUL, spaces, unicode and lengths past the limit.
fn injected_ids() -> Vec<String> {
    let mut ids: Vec<String> = [
        "..%2Forg-a%2Fmeetings%2Frecording%2Frec-1",
        "%2E%2E%2F%2E%2E%2Forg-a",
        "rec-1%2F..",
        "a%2Fb",
        "org-a%2Frec-1",
        "rec-1%00",
        "rec-1%20",
        "rec-1%3Borg-a",
        "r%C3%A9c-1",
        "%E2%80%AErec-1",
        "%F0%9F%8E%A4",
        "rec-1%5C..%5Corg-a",
    ]
    .map(str::to_owned)
    .to_vec();
    ids.push("x".repeat(129));
    ids.push("x".repeat(5000));
    ids
}

/// Checks a refused request: a 4xx naming one of `fields`, and none of A's bytes.
fn refused(reply: &RawReply, fields: &[&str], a_bytes: &[u8], what: &str) {
    assert!(
        (400..500).contains(&reply.status),
        "{what}: {} {}",
        reply.status,
        reply.text()
    );
    let body = reply.json();
    let field = body["field"].as_str().unwrap_or_default();
    assert!(fields.contains(&field), "{what}: field {field:?} in {body}");
    assert!(
        !reply.body.windows(64).any(|w| w == &a_bytes[..64]),
        "{what}: A's bytes in the answer"
    );
}

#[test]
fn injected_ids_get_a_4xx_naming_the_field() {
    let app = app();
    let (a_bytes, b_bytes) = two_orgs(&app);
    let hash = sha(&b_bytes);
    // In the path: the id is refused, or names no route.
    for id in injected_ids() {
        for (method, path, body, fields) in [
            (
                "GET",
                format!("/recordings/{id}"),
                &b""[..],
                &["id", "path"],
            ),
            (
                "PUT",
                format!("/recordings/{id}"),
                &b_bytes[..],
                &["id", "path"],
            ),
            (
                "GET",
                format!("/leads/{id}/activities"),
                &b""[..],
                &["lead", "path"],
            ),
        ] {
            let more = [("x-content-sha256", hash.as_str())];
            let reply = raw(&app, B.id, B.key, method, &path, &more, body);
            refused(&reply, fields, &a_bytes, &format!("{method} {path:.80}"));
        }
    }
    // Literal dot segments and separators in the path.
    for path in [
        "/recordings/../recordings/rec-1",
        "/recordings/rec-1/../../settings",
        "/leads/../../org-a/leads/L-1/activities",
        "/recordings//rec-1",
    ] {
        let reply = raw(&app, B.id, B.key, "GET", path, &[], b"");
        refused(&reply, &["id", "lead", "path"], &a_bytes, path);
    }
    // In bodies: every id field names itself (an End is checked with B's
    // Start open, so that its recordings are read).
    let b_meeting = json!({ "lead": "L-1", "activity_code": 209, "user": "U-1" });
    expect(
        &post(&app, &B, "/meetings/start", "b-start", &b_meeting),
        201,
    );
    let decoded = [
        "../org-a/L-1",
        "L-1/../../org-a",
        "..",
        "L-1\u{0}",
        "L-1\\..",
        "lé-1",
        "\u{202e}L-1",
        &"L".repeat(129),
    ];
    for id in decoded {
        let lead = json!({ "id": id });
        let reply = call(&app, &B, "POST", "/leads", lead.to_string().as_bytes());
        refused(&reply, &["id"], &a_bytes, &format!("POST /leads {id:.40}"));
        let meeting = json!({ "lead": id, "activity_code": 209, "user": "U-1" });
        let reply = post(&app, &B, "/validate", "k", &meeting);
        refused(&reply, &["lead"], &a_bytes, &format!("/validate {id:.40}"));
        let by = json!({ "lead": "L-1", "activity_code": 209, "user": id });
        let reply = post(&app, &B, "/validate", "k", &by);
        refused(
            &reply,
            &["user"],
            &a_bytes,
            &format!("/validate user {id:.40}"),
        );
        let mut end = end_body("L-1", 210, "rec-1", &b_bytes);
        end["recordings"][0]["id"] = json!(id);
        let reply = post(&app, &B, "/meetings/end", "k", &end);
        refused(
            &reply,
            &["recordings[0].id", "recordings[0]"],
            &a_bytes,
            &format!("/meetings/end {id:.40}"),
        );
        for field in ["lead", "user"] {
            let mut otp = json!({ "phone": PHONE, "lead": "L-1", "entry": 221, "user": "U-1" });
            otp[field] = json!(id);
            let reply = post(&app, &B, "/otp/send", "k", &otp);
            refused(&reply, &[field], &a_bytes, &format!("/otp/send {field}"));
        }
    }
    // In headers: another org's id with a separator, and an idempotency key
    // trying to reach A's.
    for org in [
        "org-a/../org-b",
        "org-b/../org-a",
        "org-b/",
        "ORG-A",
        "org-a ",
    ] {
        let reply = raw(&app, org, B.key, "GET", "/settings", &[], b"");
        assert_eq!(reply.status, 401, "{org}: {}", reply.text());
    }
    let meeting = json!({ "lead": "L-1", "activity_code": 209, "user": "U-1" });
    for key in [
        "../../org-a/meetings/idempotency/end-1",
        "end-1/..",
        &"k".repeat(129),
    ] {
        let reply = post(&app, &B, "/meetings/start", key, &meeting);
        refused(&reply, &["Idempotency-Key"], &a_bytes, key);
    }
    // A's data is as it was.
    assert!(call(&app, &A, "GET", "/recordings/rec-1", b"").body == a_bytes);
    let codes: Vec<u64> = activities(&app, &A, "L-1")
        .iter()
        .map(|(_, c)| *c)
        .collect();
    assert_eq!(codes, vec![154, 209, 210]);
}
