//! Faults under the real host. The host is killed with SIGKILL while an
//! upload, an End or OTP verifies are in flight, then started again on the
//! same state, and the same requests are retried; the SMS gateway and the CRM
//! (loopback stubs) time out, fail and answer garbage. Every check is made
//! after the fact, on what the host answered and what it stored: wherever
//! the kill lands, nothing answered 2xx is lost, nothing is posted twice, and
//! no half-written state is served.

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use chrono::DateTime;
use recrules_e2e::crm_stub::{CrmStub, Fault, ACCESS_KEY, SECRET_KEY};
use recrules_e2e::data::{ago, audio, expect, sha};
use recrules_e2e::raw::{send, try_send, RawReply};
use recrules_e2e::restart::DurableHost;
use recrules_e2e::state::StateDb;
use recrules_e2e::{GatewayMode, GatewayStub, Host, Talk};
use serde_json::{json, Value};

const ORG: &str = "org-1";
const KEY: &str = "org-1-key-0123456789";
const ADMIN: &str = "org-1-admin-abcdefghij";
const SEED_DUAL: &str = include_str!("../../fixtures/settings/seed-dual.json");
const SEED_SINGLE: &str = include_str!("../../fixtures/settings/seed-single.json");
/// When the host is killed after a request was sent, in milliseconds: from
/// before the Lapp runs to after it answered, on a loaded machine.
const KILL_DELAYS_MS: [u64; 8] = [0, 1, 2, 4, 8, 16, 40, 100];
/// When an upload of [`UPLOAD_BYTES`] is killed, in milliseconds: it takes
/// longer than a JSON request, so the kills reach further.
const UPLOAD_KILL_DELAYS_MS: [u64; 8] = [0, 5, 20, 60, 150, 300, 600, 1200];
/// An upload's size: several store chunks, well under the 10 MB limit.
const UPLOAD_BYTES: usize = 6 * 1024 * 1024;

/// The whole app with org-1's keys, the OTP Lapp in Test with the `log`
/// gateway, on a state directory that survives SIGKILL.
fn durable_app() -> DurableHost {
    let keys = json!({ ORG: KEY }).to_string();
    let admin = json!({ ORG: ADMIN }).to_string();
    DurableHost::app(&[
        ("org_api_keys", keys.as_str()),
        ("org_admin_keys", admin.as_str()),
        ("lapp_env", "Test"),
        ("sms_gateway", "log"),
        ("sms_template", "code:{code}"),
    ])
}

/// A request as org-1 with its API key (or `key`) and more headers.
fn call(
    base: &str,
    method: &str,
    path: &str,
    key: &str,
    more: &[(&str, &str)],
    body: &[u8],
) -> RawReply {
    let mut headers = vec![("x-org-id", ORG), ("x-api-key", key)];
    headers.extend_from_slice(more);
    send(base, method, path, &headers, body)
}

/// The same, answering `None` when the connection broke before a whole answer.
fn try_call(
    base: &str,
    method: &str,
    path: &str,
    more: &[(&str, &str)],
    body: &[u8],
) -> Option<RawReply> {
    let mut headers = vec![("x-org-id", ORG), ("x-api-key", KEY)];
    headers.extend_from_slice(more);
    try_send(base, method, path, &headers, body).ok()
}

fn post(base: &str, path: &str, idempotency: &str, body: &Value) -> RawReply {
    let more = [("idempotency-key", idempotency)];
    call(base, "POST", path, KEY, &more, body.to_string().as_bytes())
}

/// Kills the host with SIGKILL and checks that it died of it.
fn kill9(host: &mut DurableHost) {
    let status = host.kill9();
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "{status:?}");
    }
    #[cfg(not(unix))]
    assert!(!status.success(), "{status:?}");
}

/// Runs `request` on another thread, kills the host `delay_ms` after it
/// began, and answers what the request got before the kill (`None`: no
/// whole answer).
fn killed_during<T: Send>(
    host: &mut DurableHost,
    delay_ms: u64,
    request: impl FnOnce(&str) -> T + Send,
) -> T {
    let base = host.base.clone();
    std::thread::scope(|s| {
        let running = s.spawn(|| request(&base));
        std::thread::sleep(Duration::from_millis(delay_ms));
        kill9(host);
        running.join().expect("the request thread")
    })
}

/// Runs `f` on the host's state database (the host must be stopped).
fn with_database<T>(host: &DurableHost, f: impl FnOnce(&StateDb) -> T) -> T {
    f(&host.state)
}

/// Reads a stored value as JSON.
fn stored(db: &StateDb, key: &str) -> Option<Value> {
    db.get(key)
        .map(|b| serde_json::from_slice(&b).expect("a JSON value"))
}

/// Writes a value as JSON.
fn store(db: &StateDb, key: &str, value: &Value) {
    db.put(key, value.to_string().as_bytes());
}

/// The idempotency record of `key`.
fn idempotency_key(key: &str) -> String {
    format!("{ORG}/meetings/idempotency/{key}")
}

/// Makes the idempotency record of `key` a pending claim made an hour ago:
/// what a request killed before its answer was recorded leaves behind, once
/// the claim's time to live has passed. `done` turns a finished record back
/// into that state too (a kill after the post, before the answer was kept).
/// Answers whether there was a record to age.
fn age_claim(host: &DurableHost, key: &str, done: bool) -> bool {
    with_database(host, |db| {
        let Some(mut record) = stored(db, &idempotency_key(key)) else {
            return false;
        };
        let state = &mut record["state"];
        if state["state"] != "pending" && !done {
            return false;
        }
        *state = json!({ "state": "pending", "since": ago(3600) });
        store(db, &idempotency_key(key), &record);
        true
    })
}

/// The lead's activities' event codes, oldest first.
fn codes(base: &str, lead: &str) -> Vec<u64> {
    let listing = expect(
        &call(
            base,
            "GET",
            &format!("/leads/{lead}/activities"),
            KEY,
            &[],
            b"",
        ),
        200,
    );
    listing["activities"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["activity"]["event_code"].as_u64())
        .collect()
}

fn create_lead(base: &str, id: &str, phone: &str, activities: Value) {
    let body = json!({ "id": id, "fields": { "Phone": phone }, "activities": activities });
    let reply = call(
        base,
        "POST",
        "/leads",
        KEY,
        &[],
        body.to_string().as_bytes(),
    );
    expect(&reply, 201);
}

fn put_settings(base: &str, text: &str) {
    expect(
        &call(base, "PUT", "/settings", ADMIN, &[], text.as_bytes()),
        200,
    );
}

fn upload(base: &str, id: &str, bytes: &[u8]) -> RawReply {
    let hash = sha(bytes);
    call(
        base,
        "PUT",
        &format!("/recordings/{id}"),
        KEY,
        &[("x-content-sha256", &hash)],
        bytes,
    )
}

/// Checks that recording `id` is either absent (404) or served whole and
/// verified; answers whether it is there.
fn absent_or_whole(base: &str, id: &str, bytes: &[u8]) -> bool {
    let got = call(base, "GET", &format!("/recordings/{id}"), KEY, &[], b"");
    match got.status {
        404 => false,
        200 => {
            assert_eq!(
                got.header("x-content-sha256"),
                Some(sha(bytes).as_str()),
                "{id}: served under another hash"
            );
            assert_eq!(got.body.len(), bytes.len(), "{id}: a truncated body");
            assert!(got.body == bytes, "{id}: other bytes than uploaded");
            true
        }
        other => panic!("{id}: GET answered {other}: {}", got.text()),
    }
}

#[test]
fn an_upload_cut_off_by_sigkill_is_absent_or_whole() {
    let mut host = durable_app();
    let bytes = audio("cut", UPLOAD_BYTES);

    // Half the body sent on a raw socket, then the host killed.
    let hash = sha(&bytes);
    let authority = host.base.trim_start_matches("http://").to_owned();
    let mut socket = TcpStream::connect(&authority).expect("connect to the host");
    let head = format!(
        "PUT /recordings/cut HTTP/1.1\r\nhost: {authority}\r\nx-org-id: {ORG}\r\nx-api-key: {KEY}\r\nx-content-sha256: {hash}\r\ncontent-length: {}\r\n\r\n",
        bytes.len()
    );
    socket.write_all(head.as_bytes()).expect("send the head");
    socket
        .write_all(&bytes[..bytes.len() / 2])
        .expect("send half the body");
    socket.flush().expect("flush");
    kill9(&mut host);
    drop(socket);
    host.restart();
    assert!(
        !absent_or_whole(&host.base, "cut", &bytes),
        "half a body was stored"
    );
    expect(&upload(&host.base, "cut", &bytes), 201);
    assert!(absent_or_whole(&host.base, "cut", &bytes));

    // Whole uploads, killed at varied moments.
    let (mut answered, mut stored_unanswered) = (0, 0);
    for (n, delay) in UPLOAD_KILL_DELAYS_MS.into_iter().enumerate() {
        let id = format!("up-{n}");
        let bytes = audio(&id, UPLOAD_BYTES);
        let before = killed_during(&mut host, delay, |base| {
            let hash = sha(&bytes);
            let path = format!("/recordings/{id}");
            try_call(base, "PUT", &path, &[("x-content-sha256", &hash)], &bytes)
        });
        host.restart();
        let there = absent_or_whole(&host.base, &id, &bytes);
        if let Some(reply) = &before {
            assert_eq!(reply.status, 201, "{id}: {}", reply.text());
            assert!(there, "{id}: answered 201, then lost to SIGKILL");
            answered += 1;
        } else if there {
            stored_unanswered += 1;
        }
        // The same upload again: stored now, or found stored.
        let again = upload(&host.base, &id, &bytes);
        let expected = if there { 200 } else { 201 };
        assert_eq!(again.status, expected, "{id}: {}", again.text());
        assert!(absent_or_whole(&host.base, &id, &bytes));
    }
    eprintln!(
        "uploads: {answered} of {} answered before the kill, {stored_unanswered} stored unanswered",
        UPLOAD_KILL_DELAYS_MS.len()
    );
}

/// A recording of `bytes` for an End, uploaded `started_s_ago`.
fn recording_meta(id: &str, bytes: &[u8], started_s_ago: i64) -> Value {
    json!({
        "id": id, "started_at": ago(started_s_ago), "ended_at": ago(started_s_ago - 30),
        "duration_s": 30, "size_bytes": bytes.len(), "sha256": sha(bytes),
    })
}

/// Retries an End after a crash until it is answered: a pending claim left by
/// the killed request answers 409 `request_in_progress` until its time to
/// live passes, which [`age_claim`] stands in for (with the host stopped).
fn retry_end(host: &mut DurableHost, key: &str, body: &Value) -> RawReply {
    let first = post(&host.base, "/meetings/end", key, body);
    if first.status != 409 || first.json()["error"] != "request_in_progress" {
        return first;
    }
    kill9(host);
    assert!(age_claim(host, key, false), "no pending claim for {key}");
    host.restart();
    post(&host.base, "/meetings/end", key, body)
}

#[test]
fn an_end_cut_off_by_sigkill_is_posted_once() {
    let mut host = durable_app();
    put_settings(&host.base, SEED_DUAL);
    let (mut answered, mut recovered) = (0, 0);
    for (n, delay) in KILL_DELAYS_MS.into_iter().enumerate() {
        let lead = format!("L-end-{n}");
        create_lead(&host.base, &lead, "+919800000001", json!([]));
        let meeting = json!({ "lead": lead, "activity_code": 209, "user": "U-1" });
        expect(
            &post(&host.base, "/meetings/start", &format!("s-{n}"), &meeting),
            201,
        );
        let rec = format!("end-rec-{n}");
        let bytes = audio(&rec, 4000);
        expect(&upload(&host.base, &rec, &bytes), 201);
        let body = json!({ "lead": lead, "activity_code": 210, "user": "U-1",
                           "recordings": [recording_meta(&rec, &bytes, 300)] });
        let key = format!("e-{n}");
        let before = killed_during(&mut host, delay, |base| {
            let more = [("idempotency-key", key.as_str())];
            try_call(
                base,
                "POST",
                "/meetings/end",
                &more,
                body.to_string().as_bytes(),
            )
        });
        host.restart();
        let retried = retry_end(&mut host, &key, &body);
        let again = expect(&retried, 201);
        if let Some(first) = &before {
            let first = expect(first, 201);
            assert_eq!(
                retried.header("idempotent-replayed"),
                Some("true"),
                "{lead}: answered before the kill, so the retry is a replay"
            );
            assert_eq!(first, again, "{lead}");
            answered += 1;
        } else if again["recovered"] == true {
            recovered += 1;
        }
        assert_eq!(codes(&host.base, &lead), vec![209, 210], "{lead}");
    }
    eprintln!(
        "ends: {answered} of {} answered before the kill, {recovered} posted unanswered",
        KILL_DELAYS_MS.len()
    );
}

#[test]
fn an_end_killed_between_its_post_and_its_answer_is_not_posted_again() {
    let mut host = durable_app();
    for (settings, lead, start) in [
        (SEED_DUAL, "L-dual", Some(209)),
        (SEED_SINGLE, "L-single", None),
    ] {
        put_settings(&host.base, settings);
        create_lead(&host.base, lead, "+919800000001", json!([]));
        if let Some(code) = start {
            let meeting = json!({ "lead": lead, "activity_code": code, "user": "U-1" });
            expect(
                &post(
                    &host.base,
                    "/meetings/start",
                    &format!("s-{lead}"),
                    &meeting,
                ),
                201,
            );
        }
        let end_code = start.map_or(158, |code| code + 1);
        let rec = format!("rec-{lead}");
        let bytes = audio(&rec, 3000);
        expect(&upload(&host.base, &rec, &bytes), 201);
        let body = json!({ "lead": lead, "activity_code": end_code, "user": "U-1",
                           "recordings": [recording_meta(&rec, &bytes, 300)] });
        let key = format!("e-{lead}");
        let first = expect(&post(&host.base, "/meetings/end", &key, &body), 201);
        let posted = codes(&host.base, lead);
        // The store as a kill right after the post leaves it: the End is in
        // the history, its answer was never kept, the claim is stale.
        kill9(&mut host);
        assert!(age_claim(&host, &key, true));
        host.restart();
        let retried = post(&host.base, "/meetings/end", &key, &body);
        let again = expect(&retried, 201);
        assert_eq!(again["activity_id"], first["activity_id"], "{lead}");
        assert_eq!(again["fields"], first["fields"], "{lead}");
        assert_eq!(codes(&host.base, lead), posted, "{lead}: posted twice");
        // And from then on, a replay.
        let replay = post(&host.base, "/meetings/end", &key, &body);
        assert_eq!(replay.header("idempotent-replayed"), Some("true"));
        assert_eq!(replay.json(), again);
    }
}

#[test]
fn a_retry_does_not_take_another_requests_activity_for_its_own() {
    let mut host = durable_app();
    // Entry 209 without its creation limit: one user may post several Starts.
    let mut settings: Value = serde_json::from_str(SEED_DUAL).expect("the Dual seed");
    let validations = settings["Data"][0]["Validations"]
        .as_object_mut()
        .expect("entry 209's validations");
    validations.remove("ActivityCreationLimitValidation");
    put_settings(&host.base, &settings.to_string());
    let lead = "L-two-starts";
    create_lead(&host.base, lead, "+919800000001", json!([]));
    let meeting = json!({ "lead": lead, "activity_code": 209, "user": "U-1" });
    let first = expect(&post(&host.base, "/meetings/start", "s-a", &meeting), 201);
    // The store as a kill of request `s-a` before it posted leaves it: its
    // claim stale, nothing of it in the history.
    kill9(&mut host);
    assert!(age_claim(&host, "s-a", true));
    with_database(&host, |db| {
        let history = format!("{ORG}/meetings/history/{lead}");
        let mut record = stored(db, &history).expect("the lead's history");
        let list = record.as_array_mut().expect("a list");
        list.retain(|posted| posted["id"] != first["activity_id"]);
        store(db, &history, &record);
    });
    host.restart();
    // The same user's other request posts a Start of the same entry.
    let other = expect(&post(&host.base, "/meetings/start", "s-b", &meeting), 201);
    // `s-a`'s retry finds nothing of its own (the Start there is `s-b`'s) and posts.
    let retried = expect(&post(&host.base, "/meetings/start", "s-a", &meeting), 201);
    assert_ne!(retried["recovered"], true, "{retried}");
    assert_ne!(retried["activity_id"], other["activity_id"]);
    assert_eq!(codes(&host.base, lead), vec![209, 209]);
}

/// The code in the last SMS the `log` gateway kept for `phone`.
fn last_code(base: &str, phone: &str) -> String {
    let path = format!("/otp/test/last-message?phone={}", phone.replace('+', "%2B"));
    let reply = expect(&call(base, "GET", &path, KEY, &[], b""), 200);
    let text = reply["body"].as_str().unwrap_or_default().to_owned();
    text.trim_start_matches("code:").chars().take(6).collect()
}

/// Sends an OTP for `lead`, entry 221 and user U-1 to `phone` and verifies
/// it with the code the `log` gateway kept.
fn verify_otp(base: &str, lead: &str, phone: &str) {
    let mut otp = json!({ "phone": phone, "lead": lead, "entry": 221, "user": "U-1" });
    let send = call(
        base,
        "POST",
        "/otp/send",
        KEY,
        &[],
        otp.to_string().as_bytes(),
    );
    expect(&send, 200);
    otp["code"] = json!(last_code(base, phone));
    let verify = call(
        base,
        "POST",
        "/otp/verify",
        KEY,
        &[],
        otp.to_string().as_bytes(),
    );
    assert_eq!(expect(&verify, 200)["outcome"], "approved");
}

/// The key of the OTP approval of U-1 for `lead` and entry 221.
fn approval_key(lead: &str) -> String {
    format!("{ORG}/otp/approval/{lead}/221/U-1")
}

#[test]
fn a_start_killed_after_using_its_otp_approval_posts_once_without_a_new_otp() {
    let mut host = durable_app();
    put_settings(&host.base, SEED_DUAL);
    let lead = "L-otp-start";
    let cfs = json!([{ "id": "A-154", "event_code": 154, "created_on": ago(3600), "user": "U-1" }]);
    create_lead(&host.base, lead, "+919800000001", cfs);
    verify_otp(&host.base, lead, "+919800000001");
    let meeting = json!({ "lead": lead, "activity_code": 221, "user": "U-1" });
    let first = expect(&post(&host.base, "/meetings/start", "s-otp", &meeting), 201);
    // The store as a kill after the Start used up the approval and before
    // it posted leaves it: the approval used by the request's key, nothing
    // posted, the claim stale.
    kill9(&mut host);
    assert!(age_claim(&host, "s-otp", true));
    with_database(&host, |db| {
        let used = stored(db, &approval_key(lead)).expect("the approval");
        assert_eq!(used["by"], "s-otp", "used up by the Start: {used}");
        let history = format!("{ORG}/meetings/history/{lead}");
        let mut record = stored(db, &history).expect("the lead's history");
        let list = record.as_array_mut().expect("a list");
        list.retain(|posted| posted["id"] != first["activity_id"]);
        assert_eq!(list.len(), 1, "the CFS activity alone is left");
        store(db, &history, &record);
    });
    host.restart();
    assert_eq!(codes(&host.base, lead), vec![154]);
    // The retry finds the approval its own: no new OTP, one Start.
    let retried = post(&host.base, "/meetings/start", "s-otp", &meeting);
    let again = expect(&retried, 201);
    assert_eq!(again["decision"]["allowed"], true, "{again}");
    assert_ne!(again["recovered"], true, "nothing was posted to recover");
    assert_eq!(codes(&host.base, lead), vec![154, 221]);
    let replay = post(&host.base, "/meetings/start", "s-otp", &meeting);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.json(), again);
    // The approval still serves one meeting: another request is refused it.
    let other = expect(
        &post(&host.base, "/meetings/start", "s-otp-2", &meeting),
        422,
    );
    assert!(other.to_string().contains("OTPValidation"), "{other}");
    assert_eq!(codes(&host.base, lead), vec![154, 221]);
}

#[test]
fn otp_verifies_cut_off_by_sigkill_approve_once() {
    let mut host = durable_app();
    put_settings(&host.base, SEED_DUAL);
    let mut approvals_before = 0;
    for (n, delay) in KILL_DELAYS_MS.into_iter().enumerate() {
        let phone = format!("+9198000001{n:02}");
        let lead = format!("L-otp-{n}");
        let cfs = json!([{ "id": format!("A-154-{n}"), "event_code": 154,
                           "created_on": ago(3600), "user": "U-1" }]);
        create_lead(&host.base, &lead, &phone, cfs);
        let otp = json!({ "phone": phone, "lead": lead, "entry": 221, "user": "U-1" });
        expect(
            &call(
                &host.base,
                "POST",
                "/otp/send",
                KEY,
                &[],
                otp.to_string().as_bytes(),
            ),
            200,
        );
        let mut verify = otp.clone();
        verify["code"] = json!(last_code(&host.base, &phone));
        let verify = verify.to_string();
        let before: Vec<Option<RawReply>> = killed_during(&mut host, delay, |base| {
            std::thread::scope(|s| {
                let all: Vec<_> = (0..8)
                    .map(|_| {
                        s.spawn(|| try_call(base, "POST", "/otp/verify", &[], verify.as_bytes()))
                    })
                    .collect();
                all.into_iter()
                    .map(|h| h.join().expect("a verify thread"))
                    .collect()
            })
        });
        let approved_before = before
            .iter()
            .flatten()
            .filter(|r| r.json()["outcome"] == "approved")
            .count();
        assert!(
            approved_before <= 1,
            "{lead}: approved {approved_before} times"
        );
        approvals_before += approved_before;
        let approval = format!("{ORG}/otp/approval/{lead}/221/U-1");
        let kept = with_database(&host, |db| stored(db, &approval));
        if approved_before == 1 {
            assert!(kept.is_some(), "{lead}: an approval answered was lost");
        }
        host.restart();
        // The same code again: approved only if nothing approved it before.
        let retried = call(
            &host.base,
            "POST",
            "/otp/verify",
            KEY,
            &[],
            verify.as_bytes(),
        );
        let outcome = expect(&retried, 200)["outcome"].clone();
        if approved_before == 1 || kept.is_some() {
            assert_eq!(outcome, "unknown_challenge", "{lead}: approved twice");
        } else {
            assert!(
                outcome == "approved" || outcome == "unknown_challenge",
                "{lead}: {outcome}"
            );
        }
        let approved = kept.is_some() || outcome == "approved";
        // One approval serves one meeting at most.
        let meeting = json!({ "lead": lead, "activity_code": 221, "user": "U-1" });
        let starts: Vec<u16> = (0..2)
            .map(|i| {
                post(
                    &host.base,
                    "/meetings/start",
                    &format!("o-{n}-{i}"),
                    &meeting,
                )
                .status
            })
            .collect();
        let expected = if approved {
            vec![201, 422]
        } else {
            vec![422, 422]
        };
        assert_eq!(starts, expected, "{lead}");
    }
    eprintln!(
        "verifies: {approvals_before} of {} rounds approved before the kill",
        KILL_DELAYS_MS.len()
    );
}

/// The body of an OTP send or resend (and verify, with `code`).
fn otp_body(code: Option<&str>) -> Value {
    let mut body = json!({ "phone": "+919800000001", "lead": "L-1", "entry": 221, "user": "U-1" });
    if let Some(code) = code {
        body["code"] = json!(code);
    }
    body
}

/// Checks a gateway failure: a 502 naming the SMS gateway and the cause.
fn gateway_failed(reply: &recrules_e2e::Reply, cause: &str) {
    assert_eq!(reply.status, 502, "{}", reply.body);
    let body = reply.json();
    assert_eq!(body["error"], "sms_gateway_failed", "{}", reply.body);
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("SMS gateway") && message.contains(cause),
        "{message}"
    );
}

#[test]
fn a_failing_sms_gateway_leaves_no_challenge_and_burns_no_resend() {
    let stub = GatewayStub::start();
    let keys = json!({ ORG: KEY }).to_string();
    let url = format!("{}/sms", stub.origin);
    let host = Host::otp(&[
        ("org_api_keys", &keys),
        ("sms_gateway", "webhook"),
        ("sms_webhook_url", &url),
        ("sms_webhook_token", "hook-token"),
        ("sms_gateway_origin", &stub.origin),
        ("sms_template", "code:{code}"),
        ("remaining_retry_count", "1"),
        ("retry_time_interval", "0"),
    ]);
    let talk = Talk::new(&host.base, &[("x-org-id", ORG), ("x-api-key", KEY)]);
    let faults = [
        (GatewayMode::Status(500), "HTTP 500"),
        (GatewayMode::NotHttp, "not valid HTTP"),
        (GatewayMode::Hang, "no answer within"),
    ];
    // A first send that fails leaves no challenge to resend or verify.
    for (mode, cause) in faults {
        stub.behave(mode);
        gateway_failed(&talk.post("/otp/send", &otp_body(None)), cause);
        stub.answer(200);
        let resend = talk.post("/otp/resend", &otp_body(None));
        assert_eq!(resend.outcome(), "unknown_challenge", "{}", resend.body);
        let verify = talk.post("/otp/verify", &otp_body(Some("123456")));
        assert_eq!(verify.outcome(), "unknown_challenge", "{}", verify.body);
    }
    let sent = talk.post("/otp/send", &otp_body(None)).json();
    assert_eq!(
        (
            sent["outcome"].as_str(),
            sent["remaining_retry_count"].as_u64()
        ),
        (Some("sent"), Some(1)),
        "{sent}"
    );
    let delivered = stub.received().len();
    // Failed resends burn no resend and leave the first code valid.
    for (mode, cause) in faults {
        stub.behave(mode);
        gateway_failed(&talk.post("/otp/resend", &otp_body(None)), cause);
    }
    stub.answer(200);
    let code = |at: usize| -> String {
        let message: Value = serde_json::from_str(&stub.received()[at].body).unwrap();
        let text = message["message"].as_str().unwrap_or_default().to_owned();
        text.trim_start_matches("code:").chars().take(6).collect()
    };
    let first_code = code(delivered - 1);
    let resent = talk.post("/otp/resend", &otp_body(None)).json();
    assert_eq!(
        (
            resent["outcome"].as_str(),
            resent["remaining_retry_count"].as_u64()
        ),
        (Some("sent"), Some(0)),
        "{resent}"
    );
    // No wrong code was counted either: all five attempts are left.
    assert_eq!(resent["attempts_left"], 5, "{resent}");
    assert_eq!(
        talk.post("/otp/verify", &otp_body(Some(&first_code)))
            .outcome(),
        "approved"
    );
}

/// The path of the CRM's Create call.
const CREATE: &str = "/v2/ProspectActivity.svc/Create";
/// The path of the CRM's activity history.
const RETRIEVE: &str = "/v2/ProspectActivity.svc/Retrieve";

/// The meetings Lapp on the CRM `stub` (one attempt of `timeout_ms` per
/// call, two retries after 429), with seed Dual settings, and the OTP Lapp
/// in Test with the `log` gateway.
fn crm_app(stub: &CrmStub, timeout_ms: &str) -> DurableHost {
    let keys = json!({ ORG: KEY }).to_string();
    let admin = json!({ ORG: ADMIN }).to_string();
    let host = DurableHost::app(&[
        ("org_api_keys", keys.as_str()),
        ("org_admin_keys", admin.as_str()),
        ("lapp_env", "Test"),
        ("sms_gateway", "log"),
        ("sms_template", "code:{code}"),
        ("activity_store", "crm"),
        ("crm_base_url", stub.origin.as_str()),
        ("crm_origin", stub.origin.as_str()),
        ("crm_access_key", ACCESS_KEY),
        ("crm_secret_key", SECRET_KEY),
        ("crm_timeout_ms", timeout_ms),
        ("crm_max_retries", "2"),
    ]);
    put_settings(&host.base, SEED_DUAL);
    host
}

#[test]
fn a_failed_crm_post_of_an_end_leaves_the_start_open_and_its_retry_posts_once() {
    let stub = CrmStub::start();
    stub.add_lead("L-1", json!({ "Phone": "+919800000001" }));
    let host = crm_app(&stub, "1000");
    let meeting = json!({ "lead": "L-1", "activity_code": 209, "user": "U-1" });
    expect(&post(&host.base, "/meetings/start", "s-1", &meeting), 201);
    let bytes = audio("crm-rec", 2048);
    expect(&upload(&host.base, "crm-rec", &bytes), 201);
    let body = json!({ "lead": "L-1", "activity_code": 210, "user": "U-1",
                       "recordings": [recording_meta("crm-rec", &bytes, 300)] });
    // Whether the CRM may have created the End all the same: not after a
    // refusal (4xx, 429 after every retry), maybe after a 5xx, garbage or no
    // answer. Here it never did; each retry with the same key looks for it
    // (when unknown) and posts again.
    let faults = [
        (Fault::Refused, 1, 502, "HTTP 400", false),
        (
            Fault::TooManyRequests {
                retry_after_s: Some(0),
            },
            3,
            503,
            "rate limiting",
            false,
        ),
        (Fault::ServerError, 1, 502, "HTTP 500", true),
        (Fault::Garbage, 1, 502, "unexpected body", true),
        (Fault::Hang, 1, 504, "no answer within 1000 ms", true),
    ];
    for (fault, times, status, cause, unknown) in faults {
        stub.fail_next_at(CREATE, fault, times);
        let failed = post(&host.base, "/meetings/end", "e-1", &body);
        let answer = expect(&failed, status);
        assert_eq!(answer["error"], "crm_error", "{answer}");
        assert_eq!(answer["outcome_unknown"].as_bool(), unknown.then_some(true));
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("CRM") && message.contains("creating an activity"),
            "{message}"
        );
        assert!(message.contains(cause), "{fault:?}: {message}");
        assert_eq!(failed.header("idempotent-replayed"), None);
        // Nothing was created: the Start alone is in the CRM.
        assert_eq!(crm_codes(&stub, "L-1"), vec![209], "{fault:?}");
    }
    // The CRM recovered: the same key, its last post's outcome unknown,
    // finds no End in the CRM, posts it once, then replays it.
    let end = expect(&post(&host.base, "/meetings/end", "e-1", &body), 201);
    assert_eq!(end.get("recovered"), None, "{end}");
    let replay = post(&host.base, "/meetings/end", "e-1", &body);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.json(), end);
    assert_eq!(crm_codes(&stub, "L-1"), vec![209, 210]);
    assert_eq!(end["start_activity_id"], stub.activities("L-1")[0]["Id"]);
}

#[test]
fn crm_faults_on_reading_refuse_an_end_cleanly() {
    let stub = CrmStub::start();
    stub.add_lead("L-2", json!({ "Phone": "+919800000001" }));
    let host = crm_app(&stub, "1000");
    let meeting = json!({ "lead": "L-2", "activity_code": 209, "user": "U-1" });
    expect(&post(&host.base, "/meetings/start", "s-2", &meeting), 201);
    let bytes = audio("crm-rec-2", 2048);
    expect(&upload(&host.base, "crm-rec-2", &bytes), 201);
    let body = json!({ "lead": "L-2", "activity_code": 210, "user": "U-1",
                       "recordings": [recording_meta("crm-rec-2", &bytes, 300)] });
    for (path, fault, status, call) in [
        (
            "/v2/LeadManagement.svc/Leads.GetById",
            Fault::Garbage,
            502,
            "reading lead `L-2`",
        ),
        (
            RETRIEVE,
            Fault::ServerError,
            502,
            "retrieving the activity history",
        ),
        (
            RETRIEVE,
            Fault::Hang,
            504,
            "retrieving the activity history",
        ),
    ] {
        stub.fail_next_at(path, fault, 1);
        let answer = expect(&post(&host.base, "/meetings/end", "e-2", &body), status);
        assert_eq!(answer["error"], "crm_error", "{answer}");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(message.contains(call), "{fault:?}: {message}");
    }
    expect(&post(&host.base, "/meetings/end", "e-2", &body), 201);
    assert_eq!(stub.activities("L-2").len(), 2);
}

/// A UTC `yyyy-MM-dd HH:mm:ss` time `seconds` before now, as the CRM gives it.
fn crm_ago(seconds: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs() as i64;
    DateTime::from_timestamp(now - seconds, 0)
        .expect("a time in range")
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// How many Create calls the CRM `stub` received.
fn creates(stub: &CrmStub) -> usize {
    stub.received().iter().filter(|r| r.path == CREATE).count()
}

/// The event codes of lead `lead`'s activities in the CRM `stub`, oldest first.
fn crm_codes(stub: &CrmStub, lead: &str) -> Vec<u64> {
    stub.activities(lead)
        .iter()
        .filter_map(|a| a["EventCode"].as_u64())
        .collect()
}

/// Posts `body` to `path` with idempotency `key` and kills the host with
/// SIGKILL once the CRM `stub` received the request's Create (which the
/// stub must be told to leave unanswered); then makes the claim and the lead
/// hold the request left stale ([`age_claim`]) and starts the host again. The host's CRM
/// timeout must be long enough for the Create to be still unanswered when
/// the kill lands, which the request getting no answer checks.
fn killed_at_create(host: &mut DurableHost, stub: &CrmStub, path: &str, key: &str, body: &Value) {
    let before = creates(stub);
    let base = host.base.clone();
    let answered = std::thread::scope(|s| {
        let running = s.spawn(|| {
            let more = [("idempotency-key", key)];
            try_call(&base, "POST", path, &more, body.to_string().as_bytes())
        });
        let waited = std::time::Instant::now();
        while creates(stub) == before {
            if running.is_finished() {
                let answer = running.join().expect("the request thread");
                panic!(
                    "{key}: answered before its Create: {}",
                    answer.map(|r| r.text()).unwrap_or_default()
                );
            }
            assert!(
                waited.elapsed() < Duration::from_secs(60),
                "{key}: no Create reached the CRM"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        kill9(host);
        running.join().expect("the request thread")
    });
    assert!(
        answered.is_none(),
        "{key}: answered before the kill: {}",
        answered.map(|r| r.text()).unwrap_or_default()
    );
    assert!(age_claim(host, key, false), "no pending claim for {key}");
    // By the time the claim is stale, the request's hold on its lead has lapsed too.
    let lead = body["lead"].as_str().expect("a lead");
    with_database(host, |db| {
        let hold = format!("{ORG}/meetings/lead-hold/{lead}");
        let mut record = stored(db, &hold).expect("the request's hold on its lead");
        assert_eq!(record["by"], key, "{record}");
        record["since"] = json!(ago(3600));
        store(db, &hold, &record);
    });
    host.restart();
}

#[test]
fn a_crm_start_killed_before_its_post_keeps_its_otp_approval_and_gives_it_back_when_its_post_fails()
{
    let stub = CrmStub::start();
    let lead = "L-crm-otp";
    stub.add_lead(lead, json!({ "Phone": "+919800000001" }));
    stub.add_activity(lead, 154, &crm_ago(3600), Some("U-1"));
    let mut host = crm_app(&stub, "30000");
    verify_otp(&host.base, lead, "+919800000001");
    let meeting = json!({ "lead": lead, "activity_code": 221, "user": "U-1" });
    // Killed while the CRM holds its Create unserved: the approval is used
    // by the Start's key, and nothing was created.
    stub.fail_next_at(CREATE, Fault::Hang, 1);
    killed_at_create(&mut host, &stub, "/meetings/start", "s-crm-otp", &meeting);
    assert_eq!(crm_codes(&stub, lead), vec![154]);
    // The retry finds the approval its own. Its post fails with a 500: the
    // CRM may have created the Start, so the approval stays the Start's.
    stub.fail_next_at(CREATE, Fault::ServerError, 1);
    let unknown = post(&host.base, "/meetings/start", "s-crm-otp", &meeting);
    let unknown = expect(&unknown, 502);
    assert_eq!(unknown["outcome_unknown"], true, "{unknown}");
    let other = post(&host.base, "/meetings/start", "s-crm-otp-2", &meeting);
    assert_eq!(expect(&other, 422)["error"], "validation_failed");
    // The next retry finds no Start in the CRM and posts it; the CRM refuses
    // it (a 4xx: nothing created), which gives the approval back.
    stub.fail_next_at(CREATE, Fault::Refused, 1);
    let failed = post(&host.base, "/meetings/start", "s-crm-otp", &meeting);
    let failed = expect(&failed, 502);
    assert_eq!(failed["error"], "crm_error", "{failed}");
    assert_eq!(failed.get("outcome_unknown"), None, "{failed}");
    assert_eq!(crm_codes(&stub, lead), vec![154]);
    // Given back: the approval serves the next Start, with no new OTP.
    let start = expect(
        &post(&host.base, "/meetings/start", "s-crm-otp-2", &meeting),
        201,
    );
    assert_eq!(start["decision"]["allowed"], true, "{start}");
    assert_eq!(crm_codes(&stub, lead), vec![154, 221]);
    assert_eq!(stub.activities(lead)[1]["Id"], start["activity_id"]);
}

#[test]
fn crm_posts_killed_before_their_answer_was_kept_are_found_not_posted_again() {
    let stub = CrmStub::start();
    let lead = "L-crm-kill";
    stub.add_lead(lead, json!({ "Phone": "+919800000001" }));
    stub.add_activity(lead, 154, &crm_ago(3600), Some("U-1"));
    let mut host = crm_app(&stub, "30000");
    verify_otp(&host.base, lead, "+919800000001");

    // A Start (entry 221: OTP, no limit on its own code) created in the CRM,
    // its answer never kept.
    let meeting = json!({ "lead": lead, "activity_code": 221, "user": "U-1" });
    stub.fail_next_at(CREATE, Fault::Unanswered, 1);
    killed_at_create(&mut host, &stub, "/meetings/start", "s-kill", &meeting);
    assert_eq!(crm_codes(&stub, lead), vec![154, 221]);
    // A retry that cannot read the CRM history cannot tell: it answers the
    // CRM's error and leaves the claim for the next retry to look again.
    stub.fail_next_at(RETRIEVE, Fault::ServerError, 1);
    let unknown = post(&host.base, "/meetings/start", "s-kill", &meeting);
    assert_eq!(expect(&unknown, 502)["error"], "crm_error");
    let start = expect(
        &post(&host.base, "/meetings/start", "s-kill", &meeting),
        201,
    );
    assert_eq!(start["recovered"], true, "{start}");
    assert_eq!(
        crm_codes(&stub, lead),
        vec![154, 221],
        "the Start posted twice"
    );
    let start_id = stub.activities(lead)[1]["Id"].clone();
    assert_eq!(start["activity_id"], start_id);
    assert_eq!(start["event_code"], 221);
    let replay = post(&host.base, "/meetings/start", "s-kill", &meeting);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.json(), start);

    // Its End, the same way.
    let bytes = audio("crm-kill-rec", 2048);
    expect(&upload(&host.base, "crm-kill-rec", &bytes), 201);
    let body = json!({ "lead": lead, "activity_code": 222, "user": "U-1",
                       "recordings": [recording_meta("crm-kill-rec", &bytes, 300)] });
    stub.fail_next_at(CREATE, Fault::Unanswered, 1);
    killed_at_create(&mut host, &stub, "/meetings/end", "e-kill", &body);
    assert_eq!(crm_codes(&stub, lead), vec![154, 221, 222]);
    let end = expect(&post(&host.base, "/meetings/end", "e-kill", &body), 201);
    assert_eq!(end["recovered"], true, "{end}");
    assert_eq!(
        crm_codes(&stub, lead),
        vec![154, 221, 222],
        "the End posted twice"
    );
    assert_eq!(end["activity_id"], stub.activities(lead)[2]["Id"]);
    assert_eq!(end["start_activity_id"], start_id, "{end}");
    assert_eq!(end["recordings"], json!(["crm-kill-rec"]), "{end}");
    let posted: std::collections::BTreeMap<String, String> = stub.activities(lead)[2]["Fields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            let text = |k: &str| f[k].as_str().unwrap_or_default().to_owned();
            (text("SchemaName"), text("Value"))
        })
        .collect();
    assert_eq!(end["fields"], json!(posted), "{end}");

    // Both are known as U-1's, as if their answers had been kept.
    let listing = expect(
        &call(
            &host.base,
            "GET",
            &format!("/leads/{lead}/activities"),
            KEY,
            &[],
            b"",
        ),
        200,
    );
    let users: Vec<(u64, Option<&str>)> = listing["activities"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| (a["event_code"].as_u64().unwrap_or(0), a["user"].as_str()))
        .collect();
    for code in [221, 222] {
        assert!(users.contains(&(code, Some("U-1"))), "{code}: {users:?}");
    }
}

/// Posts `body` to `path` with idempotency `key` while the CRM `stub`
/// answers its Create with `fault` after creating the activity: the request
/// answers the CRM's error (`status`) marked `outcome_unknown`, and its retry
/// with the same key answers the activity the CRM holds once, without a
/// second Create. Answers the retry's answer.
fn created_then_retried(
    host: &DurableHost,
    stub: &CrmStub,
    (fault, status): (Fault, u16),
    path: &str,
    key: &str,
    body: &Value,
) -> Value {
    let lead = body["lead"].as_str().expect("a lead");
    let before = stub.activities(lead).len();
    stub.fail_next_at(CREATE, fault, 1);
    let failed = expect(&post(&host.base, path, key, body), status);
    assert_eq!(failed["error"], "crm_error", "{fault:?}: {failed}");
    assert_eq!(failed["outcome_unknown"], true, "{fault:?}: {failed}");
    let message = failed["message"].as_str().unwrap_or_default();
    assert!(message.contains("same Idempotency-Key"), "{message}");
    let held = stub.activities(lead);
    assert_eq!(held.len(), before + 1, "{fault:?}: the CRM created it");
    let creates_before = creates(stub);
    let answer = expect(&post(&host.base, path, key, body), 201);
    assert_eq!(answer["recovered"], true, "{fault:?} {path}: {answer}");
    assert_eq!(answer["activity_id"], held[before]["Id"], "{answer}");
    assert_eq!(
        creates(stub),
        creates_before,
        "{fault:?} {path}: posted again"
    );
    assert_eq!(
        stub.activities(lead),
        held,
        "{fault:?} {path}: posted again"
    );
    let replay = post(&host.base, path, key, body);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.json(), answer);
    answer
}

#[test]
fn crm_creates_whose_outcome_is_unknown_are_looked_for_before_their_retry_posts() {
    let stub = CrmStub::start();
    let host = crm_app(&stub, "1000");
    // The CRM created the activity, then answered 500, garbage, or nothing
    // within the timeout.
    let faults = [
        (Fault::ServedThenServerError, 502),
        (Fault::ServedThenGarbage, 502),
        (Fault::Unanswered, 504),
    ];
    for (n, fault) in faults.into_iter().enumerate() {
        let lead = format!("L-unknown-{n}");
        stub.add_lead(&lead, json!({ "Phone": "+919800000001" }));
        let meeting = json!({ "lead": lead, "activity_code": 209, "user": "U-1" });
        let start = created_then_retried(
            &host,
            &stub,
            fault,
            "/meetings/start",
            &format!("s-unknown-{n}"),
            &meeting,
        );
        assert_eq!(start["event_code"], 209, "{start}");

        let id = format!("rec-unknown-{n}");
        let bytes = audio(&id, 2048);
        expect(&upload(&host.base, &id, &bytes), 201);
        let body = json!({ "lead": lead, "activity_code": 210, "user": "U-1",
                           "recordings": [recording_meta(&id, &bytes, 300)] });
        let key = format!("e-unknown-{n}");
        let end = if n == 0 {
            // While the End's outcome is unknown, it keeps its recording and
            // its Start: another End carrying them is refused.
            stub.fail_next_at(CREATE, fault.0, 1);
            let failed = expect(&post(&host.base, "/meetings/end", &key, &body), fault.1);
            assert_eq!(failed["outcome_unknown"], true, "{failed}");
            let other = post(&host.base, "/meetings/end", "e-unknown-other", &body);
            let other = expect(&other, 409);
            assert_eq!(other["error"], "recording_attached", "{other}");
            // A retry that cannot read the CRM history cannot tell: it
            // answers the CRM's error, still unknown, and posts nothing.
            stub.fail_next_at(RETRIEVE, Fault::ServerError, 1);
            let unread = expect(&post(&host.base, "/meetings/end", &key, &body), 502);
            assert_eq!(unread["outcome_unknown"], true, "{unread}");
            assert!(
                unread["message"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("retrieving the activity history"),
                "{unread}"
            );
            let creates_before = creates(&stub);
            let end = expect(&post(&host.base, "/meetings/end", &key, &body), 201);
            assert_eq!(end["recovered"], true, "{end}");
            assert_eq!(creates(&stub), creates_before, "the End posted again");
            end
        } else {
            created_then_retried(&host, &stub, fault, "/meetings/end", &key, &body)
        };
        assert_eq!(crm_codes(&stub, &lead), vec![209, 210], "{fault:?}");
        assert_eq!(end["start_activity_id"], start["activity_id"], "{end}");
        assert_eq!(end["recordings"], json!([id]), "{end}");
    }

    // The CRM did not create it. A refusal (4xx, 429 after every retry)
    // says so: the key is free. A 500 or a hang before creating leaves the
    // outcome unknown: the retry finds nothing and posts. Either way the
    // retry posts exactly once.
    let faults = [
        (Fault::Refused, 1, 502, false),
        (
            Fault::TooManyRequests {
                retry_after_s: Some(0),
            },
            3,
            503,
            false,
        ),
        (Fault::ServerError, 1, 502, true),
        (Fault::Hang, 1, 504, true),
    ];
    for (n, (fault, times, status, unknown)) in faults.into_iter().enumerate() {
        let lead = format!("L-not-created-{n}");
        stub.add_lead(&lead, json!({ "Phone": "+919800000001" }));
        let meeting = json!({ "lead": lead, "activity_code": 209, "user": "U-1" });
        let key = format!("s-not-created-{n}");
        stub.fail_next_at(CREATE, fault, times);
        let failed = expect(&post(&host.base, "/meetings/start", &key, &meeting), status);
        assert_eq!(failed["error"], "crm_error", "{fault:?}: {failed}");
        assert_eq!(
            failed["outcome_unknown"].as_bool(),
            unknown.then_some(true),
            "{fault:?}: {failed}"
        );
        assert_eq!(crm_codes(&stub, &lead), Vec::<u64>::new(), "{fault:?}");
        let creates_before = creates(&stub);
        let start = expect(&post(&host.base, "/meetings/start", &key, &meeting), 201);
        assert_eq!(start.get("recovered"), None, "{fault:?}: {start}");
        assert_eq!(creates(&stub), creates_before + 1, "{fault:?}");
        assert_eq!(crm_codes(&stub, &lead), vec![209], "{fault:?}");
        assert_eq!(start["activity_id"], stub.activities(&lead)[0]["Id"]);
    }
}
