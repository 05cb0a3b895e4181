//! The recording lifecycle under the host: retention, erasure, and the
//! sweep that releases what dead requests left behind
//! (`recrules_sdk::lifecycle`). The state a dead request leaves is written
//! the way the Lapps write it (as `faults.rs` ages claims), so each case
//! starts from exactly the leftover it names.

use recrules_e2e::app::{free_port, App};
use recrules_e2e::data::{ago, audio, expect, sha};
use recrules_e2e::raw::{send, RawReply};
use recrules_sdk::idempotency::fingerprint;
use serde_json::{json, Value};

const ORG: &str = "org-1";
const KEY: &str = "org-1-key-0123456789";
const ADMIN: &str = "org-1-admin-abcdefghij";
const SEED_SINGLE: &str = include_str!("../../fixtures/settings/seed-single.json");
/// The Single seed's entry (no validations).
const CODE: u32 = 158;

fn app() -> App {
    app_with(&[])
}

/// [`app`] with more options of `recrules-host up`.
fn app_with(args: &[&str]) -> App {
    let keys = json!({ ORG: KEY }).to_string();
    let admin = json!({ ORG: ADMIN }).to_string();
    App::start_with(
        free_port(),
        &[("org_api_keys", &keys), ("org_admin_keys", &admin)],
        args,
    )
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

/// The Single seed with `RecordingRetentionDays` (none: the seed as it is).
fn settings(retention_days: Option<i64>) -> String {
    let mut settings: Value = serde_json::from_str(SEED_SINGLE).unwrap();
    if let Some(days) = retention_days {
        settings["RecordingRetentionDays"] = json!(days);
    }
    settings.to_string()
}

fn setup(app: &App, retention_days: Option<i64>, leads: &[&str]) {
    expect(
        &call(
            app,
            "PUT",
            "/settings",
            ADMIN,
            &[],
            settings(retention_days).as_bytes(),
        ),
        200,
    );
    for lead in leads {
        let body = json!({ "id": lead, "fields": { "Phone": "+919800000001" } }).to_string();
        expect(&call(app, "POST", "/leads", KEY, &[], body.as_bytes()), 201);
    }
}

/// Uploads recording `id` (`len` bytes) and answers its description for an End.
fn recording(app: &App, id: &str, len: usize) -> Value {
    let bytes = audio(id, len);
    let hash = sha(&bytes);
    expect(
        &call(
            app,
            "PUT",
            &format!("/recordings/{id}"),
            KEY,
            &[("x-content-sha256", &hash)],
            &bytes,
        ),
        201,
    );
    json!({
        "id": id, "started_at": ago(600), "ended_at": ago(540), "duration_s": 60,
        "size_bytes": len, "sha256": hash,
    })
}

fn end_body(lead: &str, recordings: &[Value]) -> String {
    json!({ "lead": lead, "activity_code": CODE, "user": "U-1", "recordings": recordings })
        .to_string()
}

fn end(app: &App, idempotency: &str, body: &str) -> RawReply {
    call(
        app,
        "POST",
        "/meetings/end",
        KEY,
        &[("idempotency-key", idempotency)],
        body.as_bytes(),
    )
}

fn download(app: &App, id: &str) -> RawReply {
    call(app, "GET", &format!("/recordings/{id}"), KEY, &[], b"")
}

fn sweep(app: &App, body: &Value) -> Value {
    expect(
        &call(
            app,
            "POST",
            "/maintenance/sweep",
            ADMIN,
            &[],
            body.to_string().as_bytes(),
        ),
        200,
    )
}

/// Sweeps from the start to the end of the org's state; the sum of what every call did.
fn sweep_all(app: &App) -> Value {
    let mut total = json!({});
    let mut cursor = Value::Null;
    loop {
        let step = sweep(app, &json!({ "cursor": cursor, "limit": 3 }));
        for (k, v) in step.as_object().unwrap() {
            if let Some(n) = v.as_u64() {
                if k != "remaining" {
                    total[k] = json!(total[k].as_u64().unwrap_or(0) + n);
                }
            }
        }
        if step["done"] == true {
            return total;
        }
        assert!(step["remaining"].as_u64().unwrap() > 0, "{step}");
        cursor = step["cursor"].clone();
    }
}

fn erase(app: &App, lead: &str, who: &str) -> RawReply {
    let body = json!({ "requested_by": who }).to_string();
    call(
        app,
        "POST",
        &format!("/leads/{lead}/erasure"),
        ADMIN,
        &[],
        body.as_bytes(),
    )
}

fn listing(app: &App, lead: &str) -> Vec<Value> {
    let body = expect(
        &call(
            app,
            "GET",
            &format!("/leads/{lead}/activities"),
            KEY,
            &[],
            b"",
        ),
        200,
    );
    body["activities"].as_array().cloned().unwrap_or_default()
}

fn key(rest: &str) -> String {
    format!("{ORG}/{rest}")
}

fn stored(app: &App, rest: &str) -> Option<Value> {
    app.state
        .get(&key(rest))
        .map(|b| serde_json::from_slice(&b).unwrap())
}

fn store(app: &App, rest: &str, value: &Value) {
    app.state.put(&key(rest), value.to_string().as_bytes());
}

#[test]
fn recordings_expire_after_the_retention_and_answer_410_with_the_reason() {
    let app = app();
    setup(&app, Some(30), &["L-1"]);
    let recs = [
        recording(&app, "r-old", 3000),
        recording(&app, "r-new", 2000),
    ];
    let posted = expect(&end(&app, "end-1", &end_body("L-1", &recs)), 201);
    // r-old was stored 31 days ago: past the 30 days, before any sweep ran.
    let mut meta = stored(&app, "meetings/recording/r-old").unwrap();
    meta["stored_at"] = json!(ago(31 * 86_400));
    store(&app, "meetings/recording/r-old", &meta);
    let gone = expect(&download(&app, "r-old"), 410);
    assert_eq!(gone["error"], "recording_removed");
    assert_eq!(gone["removed"]["reason"], "expired");
    assert_eq!(gone["removed"]["retention_days"], 30);
    assert!(
        gone["message"]
            .as_str()
            .unwrap()
            .contains("RecordingRetentionDays"),
        "{gone}"
    );
    assert_eq!(download(&app, "r-new").status, 200);
    // The sweep removes the bytes; the End keeps its fields and says why.
    assert!(app.state.count_prefix(&key("meetings/recording/r-old/")) > 0);
    let total = sweep_all(&app);
    assert_eq!(total["expired"], 1, "{total}");
    assert_eq!(total["expired_bytes"], 3000, "{total}");
    assert_eq!(app.state.count_prefix(&key("meetings/recording/r-old/")), 0);
    assert!(app.state.count_prefix(&key("meetings/recording/r-new/")) > 0);
    assert_eq!(
        expect(&download(&app, "r-old"), 410)["removed"]["reason"],
        "expired"
    );
    let activities = listing(&app, "L-1");
    let end = activities
        .iter()
        .find(|a| a["id"] == posted["activity_id"])
        .unwrap();
    assert_eq!(end["activity"]["fields"], posted["fields"]);
    let listed = end["activity"]["recordings"].as_array().unwrap();
    assert_eq!(listed[0]["removed"]["reason"], "expired", "{end}");
    assert!(listed[1].get("removed").is_none(), "{end}");
    // A second pass finds nothing more to do.
    assert_eq!(sweep_all(&app)["expired"], 0);
}

#[test]
fn the_host_sweeps_on_its_own_with_sweep_every() {
    let app = app_with(&["--sweep-every", "1"]);
    setup(&app, Some(1), &["L-1"]);
    let recs = [recording(&app, "auto-1", 2000)];
    expect(&end(&app, "end-auto", &end_body("L-1", &recs)), 201);
    let mut meta = stored(&app, "meetings/recording/auto-1").unwrap();
    meta["stored_at"] = json!(ago(2 * 86_400));
    store(&app, "meetings/recording/auto-1", &meta);
    let chunks = key("meetings/recording/auto-1/");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while app.state.count_prefix(&chunks) > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no sweep removed the expired bytes"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let marked = stored(&app, "meetings/recording/auto-1").unwrap();
    assert_eq!(marked["removed"]["reason"], "expired", "{marked}");
}

#[test]
fn bad_lifecycle_input_gets_a_clear_error() {
    let app = app();
    setup(&app, None, &["L-1"]);
    let negative = call(
        &app,
        "PUT",
        "/settings",
        ADMIN,
        &[],
        settings(Some(-5)).as_bytes(),
    );
    let refused = expect(&negative, 422);
    assert_eq!(refused["field"], "RecordingRetentionDays", "{refused}");
    // The user key may neither erase nor sweep.
    let body = json!({ "requested_by": "x" }).to_string();
    expect(
        &call(
            &app,
            "POST",
            "/leads/L-1/erasure",
            KEY,
            &[],
            body.as_bytes(),
        ),
        401,
    );
    expect(
        &call(&app, "POST", "/maintenance/sweep", KEY, &[], b""),
        401,
    );
    let unknown = expect(&erase(&app, "L-404", "DPO"), 404);
    assert_eq!(unknown["field"], "lead", "{unknown}");
    let blank = expect(&erase(&app, "L-1", "  "), 400);
    assert_eq!(blank["field"], "requested_by", "{blank}");
    let limit = expect(
        &call(
            &app,
            "POST",
            "/maintenance/sweep",
            ADMIN,
            &[],
            br#"{"limit": 0}"#,
        ),
        400,
    );
    assert_eq!(limit["field"], "limit");
    let cursor = expect(
        &call(
            &app,
            "POST",
            "/maintenance/sweep",
            ADMIN,
            &[],
            br#"{"cursor": "org-2/x"}"#,
        ),
        400,
    );
    assert_eq!(cursor["field"], "cursor");
    expect(
        &call(&app, "POST", "/maintenance/sweep", ADMIN, &[], b"{not json"),
        400,
    );
}

#[test]
fn an_erasure_removes_one_leads_recordings_once_and_records_who_asked() {
    let app = app();
    setup(&app, None, &["L-1", "L-2"]);
    let mine = [recording(&app, "e-1", 1500), recording(&app, "e-2", 2500)];
    let theirs = [recording(&app, "e-3", 1000)];
    expect(&end(&app, "end-a", &end_body("L-1", &mine)), 201);
    expect(&end(&app, "end-b", &end_body("L-2", &theirs)), 201);
    let first = expect(&erase(&app, "L-1", "DPO ticket 42"), 200);
    let record = &first["erasure"];
    assert_eq!(record["lead"], "L-1");
    assert_eq!(record["requested_by"], "DPO ticket 42");
    assert_eq!(
        (
            record["recordings_removed"].as_u64(),
            record["bytes_removed"].as_u64()
        ),
        (Some(2), Some(4000))
    );
    // The record names no recording and holds nothing of their content.
    let text = record.to_string();
    assert!(!text.contains("e-1") && !text.contains("e-2"), "{text}");
    for id in ["e-1", "e-2"] {
        let gone = expect(&download(&app, id), 410);
        assert_eq!(gone["removed"]["reason"], "erased");
        assert_eq!(gone["removed"]["erasure"], record["id"]);
        assert_eq!(
            app.state
                .count_prefix(&key(&format!("meetings/recording/{id}/"))),
            0
        );
    }
    assert_eq!(download(&app, "e-3").status, 200);
    // Idempotent: nothing more goes, and the call is recorded.
    let again = expect(&erase(&app, "L-1", "DPO ticket 42"), 200);
    assert_eq!(again["erasure"]["recordings_removed"], 0);
    assert_eq!(again["erasure"]["already_removed"], 2);
    let records = stored(&app, "meetings/erasures/L-1").unwrap();
    assert_eq!(records.as_array().map(Vec::len), Some(2));
    // An erased id cannot be uploaded again.
    let bytes = audio("e-1", 1500);
    let reupload = call(
        &app,
        "PUT",
        "/recordings/e-1",
        KEY,
        &[("x-content-sha256", &sha(&bytes))],
        &bytes,
    );
    assert_eq!(expect(&reupload, 410)["error"], "recording_removed");
    // The End keeps its fields and says why its recordings went.
    let ends = listing(&app, "L-1");
    assert_eq!(
        ends[0]["activity"]["recordings"][1]["removed"]["reason"],
        "erased"
    );
}

#[test]
fn an_erasure_racing_an_end_erases_all_of_its_recordings_or_none() {
    let app = app();
    setup(&app, None, &["L-1", "L-2", "L-3"]);
    for lead in ["L-1", "L-2", "L-3"] {
        let recs: Vec<Value> = (0..4)
            .map(|i| recording(&app, &format!("{lead}-r{i}"), 400_000))
            .collect();
        let body = end_body(lead, &recs);
        let (ended, erased) = std::thread::scope(|s| {
            let ended = s.spawn(|| end(&app, &format!("end-{lead}"), &body));
            let erased = s.spawn(|| erase(&app, lead, "DPO"));
            (ended.join().unwrap(), erased.join().unwrap())
        });
        expect(&ended, 201);
        let removed = expect(&erased, 200)["erasure"]["recordings_removed"]
            .as_u64()
            .unwrap();
        let statuses: Vec<u16> = (0..4)
            .map(|i| download(&app, &format!("{lead}-r{i}")).status)
            .collect();
        match removed {
            4 => assert_eq!(statuses, [410; 4], "{lead}"),
            0 => assert_eq!(statuses, [200; 4], "{lead}"),
            n => panic!("{lead}: the erasure removed {n} of the End's 4 recordings: {statuses:?}"),
        }
    }
}

/// A pending claim of request `idempotency` on `body`, made `seconds` ago,
/// as a request killed midway leaves it.
fn dead_claim(app: &App, idempotency: &str, lead: &str, body: &str, seconds: i64) {
    let record = json!({
        "fingerprint": fingerprint("POST", "/meetings/end", body.as_bytes()),
        "request": { "path": "/meetings/end", "lead": lead },
        "state": { "state": "pending", "since": ago(seconds) },
    });
    store(app, &format!("meetings/idempotency/{idempotency}"), &record);
}

#[test]
fn a_sweep_releases_what_dead_ends_left_and_their_retries_complete() {
    let app = app();
    setup(&app, None, &["L-1"]);
    // A request that failed and could not give its hold back: no record.
    let orphan = [recording(&app, "h-1", 1000)];
    store(
        &app,
        "meetings/attached/h-1",
        &json!({ "by": "gone-key", "since": ago(7200) }),
    );
    let blocked = expect(&end(&app, "end-new", &end_body("L-1", &orphan)), 409);
    assert_eq!(blocked["error"], "recording_attached");
    // A request abandoned two hours ago, after it held its recording, before it posted.
    let held = [recording(&app, "h-2", 1000)];
    let abandoned = end_body("L-1", &held);
    dead_claim(&app, "end-old", "L-1", &abandoned, 7200);
    store(
        &app,
        "meetings/attached/h-2",
        &json!({ "by": "end-old", "since": ago(7200) }),
    );
    // A request killed after it posted, before its answer was kept.
    let posted = [recording(&app, "h-3", 1000)];
    let posted_body = end_body("L-1", &posted);
    let first = expect(&end(&app, "end-posted", &posted_body), 201);
    dead_claim(&app, "end-posted", "L-1", &posted_body, 7200);
    // An OTP approval used by a request that is gone.
    let approval = json!({
        "used": { "subject": { "lead": "L-1", "entry": CODE, "user": "U-1" }, "phone": "+919800000001", "verified_at": ago(60) },
        "used_at": ago(30), "by": "gone-key",
    });
    store(&app, &format!("otp/approval/L-1/{CODE}/U-1"), &approval);
    // Chunks of an upload that died before committing, and of one under way.
    let dead_sha = "d".repeat(64);
    let live_sha = "e".repeat(64);
    app.state.put(
        &key(&format!("meetings/recording/h-9/{dead_sha}/0")),
        b"orphan bytes",
    );
    app.state.put(
        &key(&format!("meetings/recording/h-8/{live_sha}/0")),
        b"uploading",
    );
    store(
        &app,
        &format!("meetings/upload-mark/h-8/{live_sha}"),
        &json!(ago(5)),
    );
    // A record that is not what the Lapps write: counted, and the walk goes on.
    app.state.put(&key("meetings/attached/h-bad"), b"not json");
    // A lead hold whose request died a minute ago.
    store(
        &app,
        "meetings/lead-hold/L-9",
        &json!({ "by": "gone", "since": ago(120) }),
    );

    let total = sweep_all(&app);
    assert_eq!(total["resolved_posted"], 1, "{total}");
    assert_eq!(total["resolved_not_posted"], 1, "{total}");
    assert_eq!(total["approvals"], 1, "{total}");
    assert_eq!(total["chunks"], 1, "{total}");
    assert_eq!(total["lapsed"], 1, "{total}");
    assert_eq!(total["failed"], 1, "{total}");
    // The orphan hold went in this pass; the abandoned request's hold goes
    // once its record is resolved, in the next pass at the latest.
    let total =
        json!(total["released"].as_u64().unwrap() + sweep_all(&app)["released"].as_u64().unwrap());
    assert_eq!(total, 2);
    assert!(app
        .state
        .get(&key(&format!("meetings/recording/h-9/{dead_sha}/0")))
        .is_none());
    assert!(app
        .state
        .get(&key(&format!("meetings/recording/h-8/{live_sha}/0")))
        .is_some());
    assert!(app.state.get(&key("meetings/lead-hold/L-9")).is_none());
    let reopened = stored(&app, &format!("otp/approval/L-1/{CODE}/U-1")).unwrap();
    assert!(
        reopened.get("by").is_none() && reopened["phone"] == "+919800000001",
        "{reopened}"
    );
    // The posted request keeps its answer, and its recording stays its own.
    let replay = end(&app, "end-posted", &posted_body);
    assert_eq!(expect(&replay, 201)["activity_id"], first["activity_id"]);
    assert_eq!(
        expect(&end(&app, "end-other", &end_body("L-1", &posted)), 409)["error"],
        "recording_attached"
    );
    // The others complete now, each posting once.
    expect(&end(&app, "end-new", &end_body("L-1", &orphan)), 201);
    expect(&end(&app, "end-old", &abandoned), 201);
    let ends = listing(&app, "L-1");
    assert_eq!(ends.len(), 3, "{ends:?}");
}

#[test]
fn a_sweep_racing_a_returning_retry_leaves_it_whole() {
    let app = app();
    setup(&app, None, &["L-1"]);
    for round in 0..4 {
        let recs = [recording(&app, &format!("x-{round}"), 1000)];
        let body = end_body("L-1", &recs);
        let idem = format!("end-race-{round}");
        dead_claim(&app, &idem, "L-1", &body, 7200);
        store(
            &app,
            &format!("meetings/attached/x-{round}"),
            &json!({ "by": idem, "since": ago(7200) }),
        );
        let (retried, _) = std::thread::scope(|s| {
            let retry = s.spawn(|| end(&app, &idem, &body));
            let swept = s.spawn(|| {
                sweep_all(&app);
                sweep_all(&app)
            });
            (retry.join().unwrap(), swept.join().unwrap())
        });
        // Posted, or told to wait for the sweep: never half.
        match retried.status {
            201 => {}
            409 => assert_eq!(
                retried.json()["error"],
                "request_in_progress",
                "{}",
                retried.text()
            ),
            other => panic!(
                "round {round}: the retry answered {other}: {}",
                retried.text()
            ),
        }
        let last = end(&app, &idem, &body);
        expect(&last, 201);
        // Exactly one End carries the recording, and the hold is its request's.
        let carrying = listing(&app, "L-1")
            .iter()
            .filter(|a| {
                a["activity"]["recordings"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|x| x["id"] == format!("x-{round}")))
            })
            .count();
        assert_eq!(carrying, 1, "round {round}");
        let hold = stored(&app, &format!("meetings/attached/x-{round}")).unwrap();
        assert_eq!(hold["by"], idem);
        // Answered: later sweeps keep the hold.
        sweep_all(&app);
        assert_eq!(
            stored(&app, &format!("meetings/attached/x-{round}")).unwrap()["by"],
            idem
        );
    }
}
