//! Two replicas, one database: two `recrules-host` processes serving the
//! same Lapps on one PostgreSQL database, requests spread over both, as Spin
//! or SpinKube replicas would be. Every race that one host checks alone is
//! run again across the two: the database, not a process, must decide.
//!
//! These tests always use PostgreSQL: `RECRULES_POSTGRES_URL` must name the
//! test server (`bash scripts/postgres.sh start` prints it).

use std::sync::Arc;
use std::time::Duration;

use recrules_e2e::app::{free_port, App};
use recrules_e2e::data::{ago, audio, expect, sha};
use recrules_e2e::raw::{send, try_send, RawReply};
use recrules_e2e::restart::DurableHost;
use recrules_e2e::state::StateDb;
use serde_json::{json, Value};

const ORG: &str = "org-1";
const KEY: &str = "org-1-key-0123456789";
const ADMIN: &str = "org-1-admin-abcdefghij";
const PHONE: &str = "+919800000001";
const SEED_DUAL: &str = include_str!("../../fixtures/settings/seed-dual.json");
const SEED_SINGLE: &str = include_str!("../../fixtures/settings/seed-single.json");

/// The app's variables: org-1's keys, the OTP Lapp in Test with the `log` gateway.
fn variables() -> Vec<(&'static str, String)> {
    vec![
        ("org_api_keys", json!({ ORG: KEY }).to_string()),
        ("org_admin_keys", json!({ ORG: ADMIN }).to_string()),
        ("lapp_env", "Test".to_owned()),
        ("sms_gateway", "log".to_owned()),
        ("sms_template", "code:{code}".to_owned()),
    ]
}

/// Two replicas of the app on one fresh PostgreSQL database.
fn replicas() -> [App; 2] {
    let state = Arc::new(StateDb::postgres());
    let vars = variables();
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    [(); 2].map(|()| App::start_sharing(free_port(), &vars, state.clone()))
}

fn call(base: &str, method: &str, path: &str, more: &[(&str, &str)], body: &[u8]) -> RawReply {
    let mut headers = vec![("x-org-id", ORG), ("x-api-key", KEY)];
    headers.extend_from_slice(more);
    send(base, method, path, &headers, body)
}

fn post(base: &str, path: &str, idempotency: Option<&str>, body: &Value) -> RawReply {
    let more: Vec<(&str, &str)> = idempotency
        .map(|k| ("idempotency-key", k))
        .into_iter()
        .collect();
    call(base, "POST", path, &more, body.to_string().as_bytes())
}

fn setup(base: &str, settings: &str, lead: &str, activities: Value) {
    let headers = [("x-org-id", ORG), ("x-api-key", ADMIN)];
    expect(
        &send(base, "PUT", "/settings", &headers, settings.as_bytes()),
        200,
    );
    let body =
        json!({ "id": lead, "fields": { "Phone": PHONE, "Mobile": "" }, "activities": activities });
    expect(&post(base, "/leads", None, &body), 201);
}

fn upload(base: &str, id: &str, bytes: &[u8]) -> RawReply {
    let hash = sha(bytes);
    call(
        base,
        "PUT",
        &format!("/recordings/{id}"),
        &[("x-content-sha256", &hash)],
        bytes,
    )
}

fn codes(base: &str, lead: &str) -> Vec<u64> {
    let listing = expect(
        &call(base, "GET", &format!("/leads/{lead}/activities"), &[], b""),
        200,
    );
    listing["activities"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["activity"]["event_code"].as_u64())
        .collect()
}

/// Sends every `(base, path, key, body)` at once, one thread each.
fn all_at_once(requests: &[(&str, &str, Option<String>, Value)]) -> Vec<RawReply> {
    std::thread::scope(|s| {
        let sent: Vec<_> = requests
            .iter()
            .map(|(base, path, key, body)| s.spawn(move || post(base, path, key.as_deref(), body)))
            .collect();
        sent.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// The OTP request body for entry 221 of lead `lead`.
fn otp_body(lead: &str, code: Option<&str>) -> Value {
    let mut body = json!({ "phone": PHONE, "lead": lead, "entry": 221, "user": "U-1" });
    if let Some(code) = code {
        body["code"] = json!(code);
    }
    body
}

/// Sends an OTP through replica `base` and reads the code the `log` gateway kept.
fn send_code(base: &str, lead: &str) -> String {
    let sent = expect(&post(base, "/otp/send", None, &otp_body(lead, None)), 200);
    assert_eq!(sent["outcome"], "sent", "{sent}");
    let message = expect(
        &call(
            base,
            "GET",
            "/otp/test/last-message?phone=%2B919800000001",
            &[],
            b"",
        ),
        200,
    );
    message["body"].as_str().unwrap()["code:".len().."code:".len() + 6].to_owned()
}

fn outcomes(replies: &[RawReply]) -> Vec<String> {
    replies
        .iter()
        .map(|r| {
            expect(r, 200)["outcome"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[test]
fn parallel_verifies_of_one_code_on_two_replicas_approve_once() {
    let [a, b] = replicas();
    for round in 0..4 {
        let lead = format!("L-otp-{round}");
        // The code is sent through one replica and verified through both.
        let code = send_code(&a.base, &lead);
        let requests: Vec<_> = (0..8)
            .map(|i| {
                let base = if i % 2 == 0 { &a.base } else { &b.base };
                (
                    base.as_str(),
                    "/otp/verify",
                    None,
                    otp_body(&lead, Some(&code)),
                )
            })
            .collect();
        let mut seen = outcomes(&all_at_once(&requests));
        seen.sort();
        let approved = seen.iter().filter(|o| *o == "approved").count();
        assert_eq!(approved, 1, "round {round}: {seen:?}");
        assert!(
            seen.iter()
                .all(|o| o == "approved" || o == "unknown_challenge"),
            "{seen:?}"
        );
    }
}

#[test]
fn wrong_codes_on_two_replicas_never_pass_five() {
    let [a, b] = replicas();
    let code = send_code(&b.base, "L-wrong");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let requests: Vec<_> = (0..12)
        .map(|i| {
            let base = if i % 2 == 0 { &a.base } else { &b.base };
            (
                base.as_str(),
                "/otp/verify",
                None,
                otp_body("L-wrong", Some(wrong)),
            )
        })
        .collect();
    let replies = all_at_once(&requests);
    let seen = outcomes(&replies);
    assert_eq!(
        seen.iter().filter(|o| *o == "wrong_code").count(),
        5,
        "{seen:?}"
    );
    assert_eq!(
        seen.iter().filter(|o| *o == "locked").count(),
        7,
        "{seen:?}"
    );
    // Each wrong code counted once: the attempts left run 4, 3, 2, 1, 0.
    let mut left: Vec<u64> = replies
        .iter()
        .map(RawReply::json)
        .filter(|r| r["outcome"] == "wrong_code")
        .filter_map(|r| r["attempts_left"].as_u64())
        .collect();
    left.sort();
    assert_eq!(left, vec![0, 1, 2, 3, 4]);
    // Even the right code is refused now, on either replica.
    for base in [&a.base, &b.base] {
        let late = expect(
            &post(base, "/otp/verify", None, &otp_body("L-wrong", Some(&code))),
            200,
        );
        assert_eq!(late["outcome"], "locked", "{late}");
    }
}

/// Seed Dual with entry 209 allowing one Start in 30 days.
fn one_start_allowed() -> String {
    let mut settings: Value = serde_json::from_str(SEED_DUAL).unwrap();
    settings["Data"][0]["Validations"]["ActivityCreationLimitValidation"]["ActivityCount"] =
        json!(1);
    settings.to_string()
}

#[test]
fn racing_starts_on_two_replicas_under_a_limit_of_one_post_one() {
    let [a, b] = replicas();
    setup(&a.base, &one_start_allowed(), "L-race", json!([]));
    let requests: Vec<_> = (0..8)
        .map(|i| {
            let base = if i % 2 == 0 { &a.base } else { &b.base };
            let body = json!({ "lead": "L-race", "activity_code": 209, "user": format!("U-{i}") });
            (
                base.as_str(),
                "/meetings/start",
                Some(format!("race-{i}")),
                body,
            )
        })
        .collect();
    let replies = all_at_once(&requests);
    let texts: Vec<String> = replies.iter().map(RawReply::text).collect();
    let posted = replies.iter().filter(|r| r.status == 201).count();
    assert_eq!(posted, 1, "{texts:?}");
    for reply in replies.iter().filter(|r| r.status != 201) {
        let body = reply.json();
        match reply.status {
            422 => assert_eq!(body["error"], "validation_failed", "{texts:?}"),
            409 => assert_eq!(body["error"], "lead_busy", "{texts:?}"),
            other => panic!("status {other}: {texts:?}"),
        }
    }
    assert_eq!(codes(&a.base, "L-race"), vec![209]);
    assert_eq!(codes(&b.base, "L-race"), vec![209]);
}

#[test]
fn one_idempotency_key_on_two_replicas_posts_once() {
    let [a, b] = replicas();
    setup(&a.base, SEED_SINGLE, "L-key", json!([]));
    let bytes = audio("key-rec", 3000);
    expect(&upload(&a.base, "key-rec", &bytes), 201);
    let body = json!({ "lead": "L-key", "activity_code": 158, "user": "U-1", "recordings": [{
        "id": "key-rec", "started_at": ago(300), "ended_at": ago(240), "duration_s": 60,
        "size_bytes": bytes.len(), "sha256": sha(&bytes),
    }] });
    let requests: Vec<_> = [&a.base, &b.base, &a.base, &b.base]
        .into_iter()
        .map(|base| {
            (
                base.as_str(),
                "/meetings/end",
                Some("same-key".to_owned()),
                body.clone(),
            )
        })
        .collect();
    let replies = all_at_once(&requests);
    let texts: Vec<String> = replies.iter().map(RawReply::text).collect();
    // The first answers 201; the others replay it or are told to come back.
    let created: Vec<&RawReply> = replies.iter().filter(|r| r.status == 201).collect();
    assert!(!created.is_empty(), "{texts:?}");
    for reply in &replies {
        match reply.status {
            201 => assert_eq!(reply.body, created[0].body, "{texts:?}"),
            409 => assert_eq!(reply.json()["error"], "request_in_progress", "{texts:?}"),
            other => panic!("status {other}: {texts:?}"),
        }
    }
    // Afterwards every replica replays the one answer.
    for base in [&a.base, &b.base] {
        let again = post(base, "/meetings/end", Some("same-key"), &body);
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(again.body, created[0].body);
    }
    assert_eq!(codes(&a.base, "L-key"), vec![158]);
}

#[test]
fn racing_uploads_of_one_new_id_on_two_replicas_keep_the_winners_bytes() {
    let [a, b] = replicas();
    for round in 0..10 {
        let id = format!("race-up-{round}");
        let ours = audio(&format!("{id}-a"), 1_500_000);
        let theirs = audio(&format!("{id}-b"), 1_500_000);
        let (first, second) = std::thread::scope(|s| {
            let one = s.spawn(|| upload(&a.base, &id, &ours));
            let two = s.spawn(|| upload(&b.base, &id, &theirs));
            (one.join().unwrap(), two.join().unwrap())
        });
        let mut statuses = [first.status, second.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [201, 409],
            "{id}: {} / {}",
            first.text(),
            second.text()
        );
        let winner = if first.status == 201 { &ours } else { &theirs };
        for base in [&a.base, &b.base] {
            let stored = call(base, "GET", &format!("/recordings/{id}"), &[], b"");
            assert_eq!(stored.status, 200, "{id}");
            assert!(stored.body == *winner, "{id}: not the 201's bytes");
        }
    }
}

/// The delays after which replica A is killed during an End, in ms.
const KILL_DELAYS_MS: [u64; 6] = [0, 3, 8, 15, 30, 60];

#[test]
fn an_end_killed_on_one_replica_is_retried_on_the_other_and_posted_once() {
    let state = Arc::new(StateDb::postgres());
    let vars = variables();
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut a = DurableHost::app_sharing(&vars, state.clone());
    let b = App::start_sharing(free_port(), &vars, state.clone());
    let headers = [("x-org-id", ORG), ("x-api-key", ADMIN)];
    expect(
        &send(&b.base, "PUT", "/settings", &headers, SEED_DUAL.as_bytes()),
        200,
    );
    for (n, delay) in KILL_DELAYS_MS.into_iter().enumerate() {
        let lead = format!("L-kill-{n}");
        let body =
            json!({ "id": lead, "fields": { "Phone": PHONE, "Mobile": "" }, "activities": [] });
        expect(&post(&b.base, "/leads", None, &body), 201);
        let meeting = json!({ "lead": lead, "activity_code": 209, "user": "U-1" });
        expect(
            &post(
                &b.base,
                "/meetings/start",
                Some(&format!("s-{n}")),
                &meeting,
            ),
            201,
        );
        let rec = format!("kill-rec-{n}");
        let bytes = audio(&rec, 4000);
        expect(&upload(&b.base, &rec, &bytes), 201);
        let end = json!({ "lead": lead, "activity_code": 210, "user": "U-1", "recordings": [{
            "id": rec, "started_at": ago(300), "ended_at": ago(270), "duration_s": 30,
            "size_bytes": bytes.len(), "sha256": sha(&bytes),
        }] });
        let key = format!("e-{n}");
        let base = a.base.clone();
        let before = std::thread::scope(|s| {
            let running = s.spawn(|| {
                let headers = [
                    ("x-org-id", ORG),
                    ("x-api-key", KEY),
                    ("idempotency-key", key.as_str()),
                ];
                try_send(
                    &base,
                    "POST",
                    "/meetings/end",
                    &headers,
                    end.to_string().as_bytes(),
                )
                .ok()
            });
            std::thread::sleep(Duration::from_millis(delay));
            a.kill9();
            running.join().unwrap()
        });
        // The retry goes to the other replica. A claim the killed request
        // left answers 409 until its time to live passes: made stale here.
        let mut retried = post(&b.base, "/meetings/end", Some(&key), &end);
        if retried.status == 409 && retried.json()["error"] == "request_in_progress" {
            make_stale(&state, &key, &lead);
            retried = post(&b.base, "/meetings/end", Some(&key), &end);
        }
        let again = expect(&retried, 201);
        if let Some(first) = before.filter(|r| r.status == 201) {
            assert_eq!(
                first.json(),
                again,
                "{lead}: the retry answers the first answer"
            );
        }
        assert_eq!(codes(&b.base, &lead), vec![209, 210], "{lead}");
        let served = call(&b.base, "GET", &format!("/recordings/{rec}"), &[], b"");
        assert!(
            served.status == 200 && served.body == bytes,
            "{lead}: the recording is kept whole"
        );
        a.restart();
        assert_eq!(codes(&a.base, &lead), vec![209, 210], "{lead}");
    }
}

/// Makes the idempotency claim of `key` and its hold on `lead` stale, as
/// their time to live passing would (the killed request will never end them).
fn make_stale(state: &StateDb, key: &str, lead: &str) {
    let record_key = format!("{ORG}/meetings/idempotency/{key}");
    let mut record: Value =
        serde_json::from_slice(&state.get(&record_key).expect("a claim")).unwrap();
    record["state"] = json!({ "state": "pending", "since": ago(3600) });
    state.put(&record_key, record.to_string().as_bytes());
    let hold = format!("{ORG}/meetings/lead-hold/{lead}");
    if let Some(bytes) = state.get(&hold) {
        let mut record: Value = serde_json::from_slice(&bytes).unwrap();
        if !record.is_null() {
            record["since"] = json!(ago(3600));
            state.put(&hold, record.to_string().as_bytes());
        }
    }
}
