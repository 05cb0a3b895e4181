//! The OTP Lapp over HTTP, served by recrules-host.

use std::collections::HashMap;

use recrules_e2e::{GatewayStub, Host, Reply, Talk};
use serde_json::{json, Value};

const ORG: &str = "org-1";
const KEY: &str = "org-1-key-0123456789";
const PHONE: &str = "+919800000001";
/// An SMS text from which the code is easy to cut.
const TEMPLATE: &str = "code:{code} valid {minutes} min";

/// `org_api_keys` for two orgs.
fn api_keys() -> String {
    json!({ ORG: KEY, "org-2": "org-2-key-abcdefghij" }).to_string()
}

/// The body of send and resend (and verify, with `code`).
fn body(code: Option<&str>) -> Value {
    let mut body = json!({ "phone": PHONE, "lead": "L-1", "entry": 221, "user": "U-1" });
    if let Some(code) = code {
        body["code"] = json!(code);
    }
    body
}

/// A host in Test with the `log` gateway, plus `extra` variables.
fn test_host(extra: &[(&str, &str)]) -> Host {
    let keys = api_keys();
    let mut vars = vec![
        ("org_api_keys", keys.as_str()),
        ("lapp_env", "Test"),
        ("sms_gateway", "log"),
        ("sms_template", TEMPLATE),
    ];
    vars.extend_from_slice(extra);
    Host::otp(&vars)
}

/// A client of org-1.
fn org1(host: &Host) -> Talk {
    Talk::new(&host.base, &[("x-org-id", ORG), ("x-api-key", KEY)])
}

/// The code in the last SMS the `log` gateway kept.
fn last_code(talk: &Talk) -> String {
    let reply = talk.get("/otp/test/last-message?phone=%2B919800000001");
    assert_eq!(reply.status, 200, "{}", reply.body);
    let text = reply.json()["body"].as_str().unwrap_or_default().to_owned();
    text.trim_start_matches("code:").chars().take(6).collect()
}

fn assert_error(reply: &Reply, status: u16, field: Option<&str>) {
    assert_eq!(reply.status, status, "{}", reply.body);
    let json = reply.json();
    assert!(
        json["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{}",
        reply.body
    );
    if let Some(field) = field {
        assert_eq!(json["field"], field, "{}", reply.body);
    }
}

#[test]
fn send_then_verify_approves_once() {
    let host = test_host(&[("display_message", "Ask the lead for the code")]);
    let talk = org1(&host);
    let sent = talk.post("/otp/send", &body(None));
    assert_eq!(sent.status, 200, "{}", sent.body);
    let answer = sent.json();
    assert_eq!(answer["outcome"], "sent");
    assert_eq!(answer["phone_masked"], "+91******0001");
    assert_eq!(answer["display_message"], "Ask the lead for the code");
    assert_eq!(answer["attempts_left"], 5);
    assert_eq!(answer["expires_in_s"], 600);
    assert!(
        !sent.body.contains(&last_code(&talk)),
        "the answer must not carry the code"
    );
    let reply = talk.get("/otp/test/last-message?phone=%2B919800000001");
    assert!(reply.json()["body"]
        .as_str()
        .unwrap()
        .ends_with("valid 10 min"));

    let code = last_code(&talk);
    assert_eq!(
        talk.post("/otp/verify", &body(Some(&code))).outcome(),
        "approved"
    );
    assert_eq!(
        talk.post("/otp/verify", &body(Some(&code))).outcome(),
        "unknown_challenge"
    );
    assert_eq!(
        talk.post("/otp/resend", &body(None)).outcome(),
        "unknown_challenge"
    );
}

#[test]
fn wrong_key_or_org_answers_401() {
    let host = test_host(&[]);
    let cases: [&[(&str, &str)]; 5] = [
        &[],
        &[("x-org-id", ORG)],
        &[("x-org-id", ORG), ("x-api-key", "wrong")],
        &[("x-org-id", "org-3"), ("x-api-key", KEY)],
        &[("x-org-id", ORG), ("x-api-key", "org-2-key-abcdefghij")],
    ];
    for headers in cases {
        let reply = Talk::new(&host.base, headers).post("/otp/send", &body(None));
        assert_error(&reply, 401, None);
    }
}

#[test]
fn bad_bodies_answer_400_naming_the_field() {
    let host = test_host(&[]);
    let talk = org1(&host);
    let cases = [
        ("/otp/send", json!("not an object"), "body"),
        (
            "/otp/send",
            json!({ "lead": "L-1", "entry": 221, "user": "U-1" }),
            "phone",
        ),
        (
            "/otp/send",
            json!({ "phone": "9800", "lead": "L-1", "entry": 221, "user": "U-1" }),
            "phone",
        ),
        (
            "/otp/send",
            json!({ "phone": PHONE, "lead": "L/1", "entry": 221, "user": "U-1" }),
            "lead",
        ),
        (
            "/otp/send",
            json!({ "phone": PHONE, "lead": "L-1", "entry": 0, "user": "U-1" }),
            "entry",
        ),
        (
            "/otp/send",
            json!({ "phone": PHONE, "lead": "L-1", "entry": 221, "user": "U-1", "x": 1 }),
            "x",
        ),
        ("/otp/verify", body(None), "code"),
        ("/otp/verify", body(Some("12345")), "code"),
    ];
    for (path, payload, field) in cases {
        assert_error(&talk.post(path, &payload), 400, Some(field));
    }
    let raw = talk.request("POST", "/otp/send", b"{not json");
    assert_error(&raw, 400, Some("body"));
}

#[test]
fn orgs_do_not_see_each_others_challenges() {
    let host = test_host(&[]);
    let talk = org1(&host);
    assert_eq!(talk.post("/otp/send", &body(None)).outcome(), "sent");
    let code = last_code(&talk);
    let other = Talk::new(
        &host.base,
        &[("x-org-id", "org-2"), ("x-api-key", "org-2-key-abcdefghij")],
    );
    assert_eq!(
        other.post("/otp/verify", &body(Some(&code))).outcome(),
        "unknown_challenge"
    );
    assert_eq!(
        talk.post("/otp/verify", &body(Some(&code))).outcome(),
        "approved"
    );
}

#[test]
fn lapp_config_counters_come_back() {
    let host = test_host(&[
        ("remaining_retry_count", "1"),
        ("retry_time_interval", "30"),
    ]);
    let talk = org1(&host);
    let sent = talk.post("/otp/send", &body(None)).json();
    assert_eq!(sent["remaining_retry_count"], 1);
    assert_eq!(sent["retry_after_s"], 30);
    let early = talk.post("/otp/resend", &body(None)).json();
    assert_eq!(early["outcome"], "resend_too_soon");
    let wait = early["retry_after_s"].as_u64().unwrap();
    assert!((1..=30).contains(&wait), "{early}");
}

#[test]
fn webhook_failure_answers_502_and_counts_nothing() {
    let stub = GatewayStub::start();
    let keys = api_keys();
    let url = format!("{}/sms", stub.origin);
    let host = Host::otp(&[
        ("org_api_keys", &keys),
        ("sms_gateway", "webhook"),
        ("sms_webhook_url", &url),
        ("sms_webhook_token", "hook-token"),
        ("sms_gateway_origin", &stub.origin),
        ("sms_template", TEMPLATE),
        ("remaining_retry_count", "1"),
        ("retry_time_interval", "0"),
    ]);
    let talk = org1(&host);
    stub.answer(500);
    assert_error(&talk.post("/otp/send", &body(None)), 502, None);
    assert_eq!(
        talk.post("/otp/resend", &body(None)).outcome(),
        "unknown_challenge"
    );
    stub.answer(200);
    let sent = talk.post("/otp/send", &body(None)).json();
    assert_eq!(sent["outcome"], "sent");
    assert_eq!(sent["remaining_retry_count"], 1);
    stub.answer(503);
    assert_error(&talk.post("/otp/resend", &body(None)), 502, None);
    stub.answer(200);
    let resent = talk.post("/otp/resend", &body(None)).json();
    assert_eq!(resent["outcome"], "sent", "{resent}");
    assert_eq!(resent["remaining_retry_count"], 0);

    let received = stub.received();
    assert_eq!(received.len(), 4);
    let last = received.last().unwrap();
    assert_eq!(last.method, "POST");
    assert_eq!(last.path, "/sms");
    assert_eq!(last.header("authorization"), Some("Bearer hook-token"));
    let message: Value = serde_json::from_str(&last.body).unwrap();
    assert_eq!(message["to"], PHONE);
    assert_eq!(message["org"], ORG);
    let code: String = message["message"]
        .as_str()
        .unwrap()
        .trim_start_matches("code:")
        .chars()
        .take(6)
        .collect();
    assert_eq!(
        talk.post("/otp/verify", &body(Some(&code))).outcome(),
        "approved"
    );
}

#[test]
fn twilio_gets_a_messages_form_post() {
    let stub = GatewayStub::start();
    let keys = api_keys();
    let host = Host::otp(&[
        ("org_api_keys", &keys),
        ("sms_gateway", "twilio"),
        ("twilio_base_url", &stub.origin),
        ("twilio_account_sid", "AC123"),
        ("twilio_auth_token", "tw-secret"),
        ("twilio_from", "+15550001111"),
        ("sms_gateway_origin", &stub.origin),
    ]);
    assert_eq!(org1(&host).post("/otp/send", &body(None)).outcome(), "sent");
    let received = stub.received();
    let post = received.first().expect("the gateway got a request");
    assert_eq!(post.path, "/2010-04-01/Accounts/AC123/Messages.json");
    assert_eq!(
        post.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    // base64("AC123:tw-secret")
    assert_eq!(
        post.header("authorization"),
        Some("Basic QUMxMjM6dHctc2VjcmV0")
    );
    let form: HashMap<String, String> = post
        .body
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.replace('+', " ").replace("%2B", "+")))
        .collect();
    assert_eq!(form["To"], PHONE);
    assert_eq!(form["From"], "+15550001111");
    assert!(
        form["Body"].contains("expires in 10 minutes"),
        "{:?}",
        form["Body"]
    );
}

#[test]
fn parallel_verifies_of_one_code_approve_once() {
    let host = test_host(&[]);
    let talk = org1(&host);
    assert_eq!(talk.post("/otp/send", &body(None)).outcome(), "sent");
    let code = last_code(&talk);
    let outcomes = in_parallel(12, |_| {
        talk.post("/otp/verify", &body(Some(&code))).outcome()
    });
    assert_eq!(count(&outcomes, "approved"), 1, "{outcomes:?}");
    assert_eq!(count(&outcomes, "unknown_challenge"), 11, "{outcomes:?}");
}

#[test]
fn parallel_wrong_codes_never_pass_five() {
    let host = test_host(&[]);
    let talk = org1(&host);
    assert_eq!(talk.post("/otp/send", &body(None)).outcome(), "sent");
    let real = last_code(&talk);
    let outcomes = in_parallel(12, |i| {
        let wrong = format!(
            "{:06}",
            (real.parse::<u32>().unwrap() + 1 + i as u32) % 1_000_000
        );
        talk.post("/otp/verify", &body(Some(&wrong))).outcome()
    });
    assert_eq!(count(&outcomes, "wrong_code"), 5, "{outcomes:?}");
    assert_eq!(count(&outcomes, "locked"), 7, "{outcomes:?}");
    assert_eq!(
        talk.post("/otp/verify", &body(Some(&real))).outcome(),
        "locked"
    );
}

#[test]
fn test_endpoint_and_log_gateway_exist_only_in_test() {
    let keys = api_keys();
    let live = Host::otp(&[
        ("org_api_keys", &keys),
        ("lapp_env", "Live"),
        ("sms_gateway", "log"),
    ]);
    let talk = org1(&live);
    assert_error(
        &talk.get("/otp/test/last-message?phone=%2B919800000001"),
        404,
        None,
    );
    assert_error(
        &talk.post("/otp/send", &body(None)),
        503,
        Some("sms_gateway"),
    );
}

#[test]
fn malformed_variables_answer_503_naming_them() {
    let host = test_host(&[("retry_time_interval", "soon")]);
    assert_error(
        &org1(&host).post("/otp/send", &body(None)),
        503,
        Some("retry_time_interval"),
    );
    let host = test_host(&[("lapp_env", "Staging")]);
    assert_error(
        &org1(&host).post("/otp/send", &body(None)),
        503,
        Some("lapp_env"),
    );
}

/// Runs `n` calls of `f` at once and collects their results.
fn in_parallel<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let f = &f;
                scope.spawn(move || f(i))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a request thread"))
            .collect()
    })
}

fn count(outcomes: &[String], name: &str) -> usize {
    outcomes.iter().filter(|o| o.as_str() == name).count()
}
