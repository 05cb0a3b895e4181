//! The example tenant validation Lapp (`lapps/tenant-closed-stage`, built
//! with `lapps/tenant-kit`) over HTTP, served by recrules-host alone.

use recrules_e2e::app::tenant_wasm;
use recrules_e2e::host::{store_grants, store_variable_lines, Host, STORE_VARIABLES};
use recrules_e2e::raw::RawReply;
use recrules_e2e::signed::{send_signed, send_with, signature, unix_now, Headers};
use recrules_sdk::hook::{ENV_HEADER, MAX_CLOCK_SKEW_S, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use recrules_sdk::settings::LappEnv::{Live, Test};
use serde_json::{json, Value};

/// Where the hook calls the Lapp (`{tenant_lapp_base_url}/{LappId}/validate`).
const ROUTE: &str = "/tenant/tenant_closed_stage/validate";
/// The Lapp's `LappId`.
const LAPP: &str = "tenant_closed_stage";
/// Another tenant Lapp sharing the secret (the same code, another `LappId`).
const OTHER_ROUTE: &str = "/tenant/other_lapp/validate";
/// Its `LappId`.
const OTHER: &str = "other_lapp";
/// The secret the Lapp shares with the meetings Lapp (`tenant_lapp_secret`).
const SECRET: &str = "tenant-lapp-secret-0123456789";

/// Serves the Lapp twice (as `tenant_closed_stage` and `other_lapp`, sharing
/// the state store) with `tenant_lapp_secret` set to `secret` (`None`: unset).
fn tenant_host(secret: Option<&str>) -> Host {
    let mut text = String::from(
        "spin_manifest_version = 2\n\n[application]\nname = \"recrules-e2e-tenant\"\n\n[variables]\ntenant_lapp_secret = { default = \"\", secret = true }\n",
    );
    for (name, default) in STORE_VARIABLES {
        text.push_str(&format!("{name} = {{ default = {default:?} }}\n"));
    }
    for (route, component) in [(ROUTE, "tenant-closed-stage"), (OTHER_ROUTE, "other-lapp")] {
        text.push_str(&format!(
            "\n[[trigger.http]]\nroute = \"{route}\"\ncomponent = \"{component}\"\n\n[component.{component}]\nsource = {wasm:?}\n{grants}\n[component.{component}.variables]\ntenant_lapp_secret = \"{{{{ tenant_lapp_secret }}}}\"\n{store}",
            wasm = tenant_wasm().display().to_string(),
            grants = store_grants(&[]),
            store = store_variable_lines(),
        ));
    }
    let variables: Vec<(&str, &str)> = secret
        .map(|secret| ("tenant_lapp_secret", secret))
        .into_iter()
        .collect();
    Host::serve(text, &["tenant_lapp_secret"], &variables)
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

fn expect(reply: &RawReply, status: u16) -> Value {
    assert_eq!(reply.status, status, "{}", reply.text());
    reply.json()
}

/// POSTs `body` signed with the shared secret now, for the Live Lapp.
fn post(host: &Host, body: &Value) -> RawReply {
    let body = body.to_string();
    send_signed(
        &host.base,
        "POST",
        ROUTE,
        Live,
        SECRET,
        unix_now(),
        body.as_bytes(),
    )
}

/// Asserts `reply` is a 401 with `code` naming `field`.
fn assert_refused(reply: &RawReply, code: &str, field: &str, why: &str) {
    assert_eq!(reply.status, 401, "{why}: {}", reply.text());
    let answer = reply.json();
    assert_eq!(
        (answer["error"].as_str(), answer["field"].as_str()),
        (Some(code), Some(field)),
        "{why}: {answer}"
    );
}

#[test]
fn the_example_lapp_speaks_the_hook_protocol() {
    let host = tenant_host(Some(SECRET));

    for stage in ["Closed", "closed"] {
        let refused = expect(&post(&host, &context(Some(stage))), 200);
        assert_eq!(refused["allowed"], false, "{refused}");
        assert!(
            refused["message"]
                .as_str()
                .is_some_and(|m| m.contains("Closed")),
            "{refused}"
        );
    }
    for stage in [Some("Open"), None] {
        let allowed = expect(&post(&host, &context(stage)), 200);
        assert_eq!(allowed, json!({ "allowed": true }));
    }

    let mut no_time = context(Some("Open"));
    no_time.as_object_mut().expect("an object").remove("now");
    let bad = expect(&post(&host, &no_time), 400);
    assert_eq!(
        (bad["error"].as_str(), bad["field"].as_str()),
        (Some("bad_request"), Some("now"))
    );
    let garbage = send_signed(
        &host.base,
        "POST",
        ROUTE,
        Test,
        SECRET,
        unix_now(),
        b"not json",
    );
    assert_eq!(expect(&garbage, 400)["field"], "body");
    let wrong_type = expect(&post(&host, &json!({ "lead": [] })), 400);
    assert_eq!(wrong_type["field"], "lead", "{wrong_type}");

    let not_allowed = send_signed(&host.base, "GET", ROUTE, Live, SECRET, unix_now(), b"");
    assert_eq!(not_allowed.status, 405, "{}", not_allowed.text());
    assert_eq!(not_allowed.json()["error"], "method_not_allowed");
    assert_eq!(not_allowed.header("allow"), Some("POST"));
}

#[test]
fn a_call_not_signed_by_the_meetings_lapp_is_refused() {
    let host = tenant_host(Some(SECRET));
    let body = context(Some("Open")).to_string();
    let now = unix_now();
    let sign = |secret: &str, at: i64| signature(secret, LAPP, Live, at, body.as_bytes()).to_vec();
    let [env, timestamp, signed] = signature(SECRET, LAPP, Live, now, body.as_bytes());
    let tampered = context(Some("Closed")).to_string();
    let refused: [(Headers, &str, &str, &str, &str); 10] = [
        (
            vec![],
            &body,
            "missing_signature",
            TIMESTAMP_HEADER,
            "no signature",
        ),
        (
            vec![env.clone(), timestamp.clone()],
            &body,
            "missing_signature",
            SIGNATURE_HEADER,
            "a timestamp only",
        ),
        (
            vec![env.clone(), signed.clone()],
            &body,
            "missing_signature",
            TIMESTAMP_HEADER,
            "a signature only",
        ),
        (
            vec![timestamp.clone(), signed.clone()],
            &body,
            "missing_signature",
            ENV_HEADER,
            "no environment",
        ),
        (
            vec![
                (ENV_HEADER, "Staging".to_owned()),
                timestamp.clone(),
                signed.clone(),
            ],
            &body,
            "bad_signature",
            ENV_HEADER,
            "an unknown environment",
        ),
        (
            sign("not-the-secret", now),
            &body,
            "bad_signature",
            SIGNATURE_HEADER,
            "signed with another secret",
        ),
        (
            vec![env.clone(), timestamp.clone(), signed.clone()],
            &tampered,
            "bad_signature",
            SIGNATURE_HEADER,
            "another body under the signature",
        ),
        (
            signature(SECRET, OTHER, Live, now, body.as_bytes()).to_vec(),
            &body,
            "bad_signature",
            SIGNATURE_HEADER,
            "signed for another LappId",
        ),
        (
            sign(SECRET, now - MAX_CLOCK_SKEW_S - 60),
            &body,
            "stale_timestamp",
            TIMESTAMP_HEADER,
            "signed too long ago",
        ),
        (
            sign(SECRET, now + MAX_CLOCK_SKEW_S + 60),
            &body,
            "stale_timestamp",
            TIMESTAMP_HEADER,
            "signed in the future",
        ),
    ];
    for (headers, sent, code, field, why) in refused {
        for method in ["POST", "GET"] {
            let reply = send_with(&host.base, method, ROUTE, &headers, sent.as_bytes());
            assert_refused(&reply, code, field, &format!("{why}, {method}"));
        }
    }
    // None of those was admitted: the signed request is answered once, its
    // replay (also with the digest in upper case) refused.
    let headers = [env, timestamp, signed];
    let answered = send_with(&host.base, "POST", ROUTE, &headers, body.as_bytes());
    assert_eq!(expect(&answered, 200), json!({ "allowed": true }));
    let upper = (
        SIGNATURE_HEADER,
        headers[2].1.to_uppercase().replace("V2=", "v2="),
    );
    for replay in [
        headers.to_vec(),
        vec![headers[0].clone(), headers[1].clone(), upper],
    ] {
        let reply = send_with(&host.base, "POST", ROUTE, &replay, body.as_bytes());
        assert_refused(&reply, "replayed", SIGNATURE_HEADER, "a replay");
    }
}

#[test]
fn a_call_signed_for_another_lapp_or_environment_is_refused() {
    let host = tenant_host(Some(SECRET));
    let body = context(None).to_string();
    let now = unix_now();
    // Signed for the other Lapp sharing the secret: this one refuses it,
    // the other answers it.
    let for_other = signature(SECRET, OTHER, Live, now, body.as_bytes());
    let reply = send_with(&host.base, "POST", ROUTE, &for_other, body.as_bytes());
    assert_refused(
        &reply,
        "bad_signature",
        SIGNATURE_HEADER,
        "signed for another Lapp",
    );
    let reply = send_with(&host.base, "POST", OTHER_ROUTE, &for_other, body.as_bytes());
    assert_eq!(expect(&reply, 200), json!({ "allowed": true }));
    // And the other way round, also behind the base URL's prefix or a trailing `/`.
    let for_this = signature(SECRET, LAPP, Live, now, body.as_bytes());
    let reply = send_with(&host.base, "POST", OTHER_ROUTE, &for_this, body.as_bytes());
    assert_refused(
        &reply,
        "bad_signature",
        SIGNATURE_HEADER,
        "signed for this Lapp",
    );
    let trailing = format!("{ROUTE}/");
    let reply = send_with(&host.base, "POST", &trailing, &for_this, body.as_bytes());
    assert_eq!(expect(&reply, 200), json!({ "allowed": true }));
    // A signed Test call sent again as Live is refused; as Test it is answered once.
    let [_, timestamp, signed] = signature(SECRET, LAPP, Test, now, body.as_bytes());
    for env in ["Live", "live", ""] {
        let as_live = [
            (ENV_HEADER, env.to_owned()),
            timestamp.clone(),
            signed.clone(),
        ];
        let reply = send_with(&host.base, "POST", ROUTE, &as_live, body.as_bytes());
        let field = if env == "Live" {
            SIGNATURE_HEADER
        } else {
            ENV_HEADER
        };
        assert_refused(
            &reply,
            "bad_signature",
            field,
            &format!("Test sent as {env:?}"),
        );
    }
    let as_test = [(ENV_HEADER, "Test".to_owned()), timestamp, signed];
    let reply = send_with(&host.base, "POST", ROUTE, &as_test, body.as_bytes());
    assert_eq!(expect(&reply, 200), json!({ "allowed": true }));
    let reply = send_with(&host.base, "POST", ROUTE, &as_test, body.as_bytes());
    assert_refused(&reply, "replayed", SIGNATURE_HEADER, "the Test call again");
}

#[test]
fn one_lapp_asked_in_live_and_test_in_one_second_answers_both() {
    // An entry listing one Lapp for Live and for Test: the meetings Lapp
    // sends both the same body, here signed in the same second. Each is
    // signed for its environment, so neither is the other's replay (with
    // v1, which signed the timestamp and body only, the second was refused
    // `replayed`).
    let host = tenant_host(Some(SECRET));
    let body = context(Some("Closed")).to_string();
    let now = unix_now();
    for env in [Live, Test] {
        let headers = signature(SECRET, LAPP, env, now, body.as_bytes());
        let reply = send_with(&host.base, "POST", ROUTE, &headers, body.as_bytes());
        let answer = expect(&reply, 200);
        assert_eq!(answer["allowed"], false, "{env:?}: {answer}");
    }
}

#[test]
fn racing_copies_of_one_signed_call_are_answered_once() {
    let host = tenant_host(Some(SECRET));
    let body = context(None).to_string();
    let headers = signature(SECRET, LAPP, Live, unix_now(), body.as_bytes());
    let replies: Vec<RawReply> = std::thread::scope(|s| {
        let sends: Vec<_> = (0..6)
            .map(|_| s.spawn(|| send_with(&host.base, "POST", ROUTE, &headers, body.as_bytes())))
            .collect();
        sends
            .into_iter()
            .map(|t| t.join().expect("a sender"))
            .collect()
    });
    let answered = replies.iter().filter(|r| r.status == 200).count();
    assert_eq!(
        answered,
        1,
        "{:?}",
        replies.iter().map(RawReply::text).collect::<Vec<_>>()
    );
    for reply in replies.iter().filter(|r| r.status != 200) {
        assert_refused(reply, "replayed", SIGNATURE_HEADER, "a racing copy");
    }
}

#[test]
fn a_lapp_without_its_secret_answers_no_one() {
    let host = tenant_host(None);
    let body = context(Some("Open")).to_string();
    let now = unix_now();
    for headers in [
        vec![],
        signature("", LAPP, Live, now, body.as_bytes()).to_vec(),
        signature(SECRET, LAPP, Live, now, body.as_bytes()).to_vec(),
    ] {
        let reply = send_with(&host.base, "POST", ROUTE, &headers, body.as_bytes());
        let answer = expect(&reply, 503);
        assert_eq!(
            (answer["error"].as_str(), answer["field"].as_str()),
            (Some("misconfigured"), Some("tenant_lapp_secret"))
        );
    }
}
