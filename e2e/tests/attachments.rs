//! Recordings posted to the CRM as attachments of their End activity
//! (`activity_store` = `crm`), against the loopback CRM stub speaking
//! File/Upload (multipart, on its own files host) and Attachment/Add: each
//! recording uploaded and attached exactly once across CRM faults, 429
//! storms, a `kill -9` between upload and attach, and 20 recordings of
//! 10 MB; and played back by managers with `Range`.

use std::time::{Duration, Instant};

use recrules_e2e::app::{free_port, App};
use recrules_e2e::crm_stub::{CrmStub, Fault, ACCESS_KEY, SECRET_KEY};
use recrules_e2e::data::{ago, expect, sha};
use recrules_e2e::raw::{send, try_send, RawReply};
use recrules_e2e::restart::DurableHost;
use serde_json::{json, Value};

const ORG: &str = "org-1";
const KEY: &str = "org-1-key-0123456789";
const ADMIN: &str = "org-1-admin-abcdefghij";
const SEED_DUAL: &str = include_str!("../../fixtures/settings/seed-dual.json");
/// The path of Attachment/Add.
const ATTACH: &str = "/v2/ProspectActivity.svc/Attachment/Add";

/// The meetings Lapp's variables on the CRM `stub`.
fn variables(stub: &CrmStub, timeout_ms: &'static str) -> Vec<(&'static str, String)> {
    vec![
        ("org_api_keys", json!({ ORG: KEY }).to_string()),
        ("org_admin_keys", json!({ ORG: ADMIN }).to_string()),
        ("activity_store", "crm".into()),
        ("crm_base_url", stub.origin.clone()),
        ("crm_origin", stub.origin.clone()),
        ("crm_files_url", stub.files_origin.clone()),
        ("crm_files_origin", stub.files_origin.clone()),
        ("crm_access_key", ACCESS_KEY.into()),
        ("crm_secret_key", SECRET_KEY.into()),
        ("crm_timeout_ms", timeout_ms.into()),
        ("crm_max_retries", "2".into()),
    ]
}

fn app(stub: &CrmStub, timeout_ms: &'static str) -> App {
    let vars = variables(stub, timeout_ms);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = App::start(free_port(), &vars);
    settings(&app.base);
    app
}

fn settings(base: &str) {
    let put = send(
        base,
        "PUT",
        "/settings",
        &[("x-org-id", ORG), ("x-api-key", ADMIN)],
        SEED_DUAL.as_bytes(),
    );
    assert_eq!(put.status, 200, "{}", put.text());
}

/// A stub with lead `lead`.
fn stub(lead: &str) -> CrmStub {
    let stub = CrmStub::start();
    stub.add_lead(lead, json!({ "Phone": "+919800000001" }));
    stub
}

fn call(base: &str, method: &str, path: &str, more: &[(&str, &str)], body: &[u8]) -> RawReply {
    let mut headers = vec![("x-org-id", ORG), ("x-api-key", KEY)];
    headers.extend_from_slice(more);
    send(base, method, path, &headers, body)
}

fn post(base: &str, path: &str, key: &str, body: &Value) -> RawReply {
    let more = [("idempotency-key", key)];
    call(base, "POST", path, &more, body.to_string().as_bytes())
}

/// `len` bytes of stand-in M4A audio (an `ftyp` box, then bytes that differ per `tag`).
fn m4a(tag: &str, len: usize) -> Vec<u8> {
    let mut bytes = b"\0\0\0\x20ftypM4A \0\0\0\0M4A mp42isom".to_vec();
    bytes.extend(
        tag.bytes()
            .cycle()
            .zip(0..len.saturating_sub(bytes.len()))
            .map(|(b, i)| b ^ (i as u8) ^ ((i >> 11) as u8)),
    );
    bytes
}

/// Uploads recording `id` to the Lapp and answers its End metadata.
fn recording(base: &str, id: &str, bytes: &[u8]) -> Value {
    let hash = sha(bytes);
    let put = call(
        base,
        "PUT",
        &format!("/recordings/{id}"),
        &[("x-content-sha256", hash.as_str())],
        bytes,
    );
    assert!(matches!(put.status, 200 | 201), "{}", put.text());
    json!({ "id": id, "started_at": ago(600), "ended_at": ago(60), "duration_s": 90,
            "size_bytes": bytes.len(), "sha256": hash })
}

/// Posts the Start of lead `lead` (entry 209/210) with key `key`.
fn start(base: &str, lead: &str, key: &str) {
    let meeting = json!({ "lead": lead, "activity_code": 209, "user": "U-1" });
    expect(&post(base, "/meetings/start", key, &meeting), 201);
}

fn end_body(lead: &str, recordings: &[Value]) -> Value {
    json!({ "lead": lead, "activity_code": 210, "user": "U-1", "recordings": recordings })
}

/// The drain's answer.
fn drain(base: &str, body: &Value) -> Value {
    expect(
        &call(
            base,
            "POST",
            "/meetings/attachments",
            &[],
            body.to_string().as_bytes(),
        ),
        200,
    )
}

/// Each recording's `state` in an answer's `attachments`.
fn states(attachments: &Value) -> Vec<String> {
    attachments
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| a["state"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Asserts that the stub holds each of `recordings` (their bytes) uploaded
/// exactly once and attached exactly once, to `activity`, and nothing else.
fn each_once(stub: &CrmStub, activity: &Value, recordings: &[&[u8]]) {
    let uploads = stub.uploads();
    let attachments = stub.attachments();
    assert_eq!(uploads.len(), recordings.len(), "uploads: {uploads:?}");
    assert_eq!(attachments.len(), recordings.len(), "{attachments:?}");
    for bytes in recordings {
        let hash = sha(bytes);
        let mine: Vec<_> = uploads.iter().filter(|u| u.sha256 == hash).collect();
        assert_eq!(mine.len(), 1, "{hash} uploaded {} times", mine.len());
        let attached: Vec<_> = attachments
            .iter()
            .filter(|a| a.file == mine[0].url)
            .collect();
        assert_eq!(
            attached.len(),
            1,
            "{hash} attached {} times",
            attached.len()
        );
        assert_eq!(activity.as_str(), Some(attached[0].activity_id.as_str()));
    }
}

#[test]
fn an_end_with_three_recordings_attaches_each_once_and_managers_play_them() {
    let stub = stub("L-1");
    let app = app(&stub, "3000");
    start(&app.base, "L-1", "s-1");
    let bytes: Vec<Vec<u8>> = (1..=3).map(|i| m4a(&format!("r{i}"), 40_000 * i)).collect();
    let metas: Vec<Value> = (0..3)
        .map(|i| recording(&app.base, &format!("r{}", i + 1), &bytes[i]))
        .collect();
    let body = end_body("L-1", &metas);
    let end = expect(&post(&app.base, "/meetings/end", "e-1", &body), 201);
    assert_eq!(states(&end["attachments"]), ["attached"; 3], "{end}");
    let slices: Vec<&[u8]> = bytes.iter().map(Vec::as_slice).collect();
    each_once(&stub, &end["activity_id"], &slices);
    // The stub parsed the real multipart form with the documented keys.
    let upload = &stub.uploads()[0];
    assert_eq!(
        (upload.file_name.as_str(), upload.content_type.as_str()),
        ("r1.m4a", "audio/mp4")
    );
    assert_eq!(upload.fields.get("Id").map(String::as_str), Some("210"));
    assert_eq!(upload.fields.get("Entity").map(String::as_str), Some("1"));
    let attachment = &stub.attachments()[0];
    assert_eq!(attachment.name, "Recording 1 of 3 (1.50 min)");
    assert!(attachment.description.contains("r1"), "{attachment:?}");
    assert_eq!(
        end["attachments"][0]["attachment_id"].as_str(),
        Some(attachment.id.as_str())
    );
    // Uploads went to the files host, attachments to the API host.
    let paths: Vec<String> = stub.received().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths.iter().filter(|p| *p == "/File/Upload").count(), 3);

    // A replay, a drain and the listing change nothing in the CRM.
    let replay = post(&app.base, "/meetings/end", "e-1", &body);
    assert_eq!(replay.json(), end);
    let drained = drain(&app.base, &json!({}));
    assert_eq!(drained["pending"], 0, "{drained}");
    each_once(&stub, &end["activity_id"], &slices);
    let listing = expect(
        &call(&app.base, "GET", "/leads/L-1/activities", &[], b""),
        200,
    );
    let listed = listing["activities"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["id"] == end["activity_id"])
        .cloned()
        .unwrap_or_default();
    assert_eq!(states(&listed["attachments"]), ["attached"; 3], "{listing}");
    assert_eq!(listed["attachments"][1]["download"], "/recordings/r2");

    // Managers play the bytes from the Lapp's store, by range, as audio.
    let part = call(
        &app.base,
        "GET",
        "/recordings/r2",
        &[("range", "bytes=0-99")],
        b"",
    );
    assert_eq!(part.status, 206);
    assert_eq!(part.header("content-type"), Some("audio/mp4"));
    assert_eq!(part.header("accept-ranges"), Some("bytes"));
    assert_eq!(part.body, bytes[1][..100]);
}

#[test]
fn crm_faults_on_attaching_never_attach_twice_and_lose_nothing() {
    let stub = CrmStub::start();
    let app = app(&stub, "1000");
    let mut all: Vec<Vec<u8>> = Vec::new();
    // One lead per End: entry 209 allows one Start per lead in 30 days.
    let mut end = |key: &str, ids: &[&str]| {
        let lead = format!("L-{key}");
        stub.add_lead(&lead, json!({ "Phone": "+919800000001" }));
        start(&app.base, &lead, &format!("s-{key}"));
        let bytes: Vec<Vec<u8>> = ids.iter().map(|id| m4a(id, 30_000)).collect();
        let metas: Vec<Value> = ids
            .iter()
            .zip(&bytes)
            .map(|(id, b)| recording(&app.base, id, b))
            .collect();
        all.extend(bytes);
        expect(
            &post(&app.base, "/meetings/end", key, &end_body(&lead, &metas)),
            201,
        )
    };

    // A 429 storm on Attachment/Add: each recording's three attempts are
    // refused; both stay pending (uploaded) and the drain attaches them.
    stub.fail_next_at(
        ATTACH,
        Fault::TooManyRequests {
            retry_after_s: Some(0),
        },
        6,
    );
    let stormed = end("e-429", &["s1", "s2"]);
    assert_eq!(states(&stormed["attachments"]), ["pending"; 2], "{stormed}");
    assert_eq!(stub.uploads().len(), 2);
    assert_eq!(stub.attachments().len(), 0);
    let drained = drain(&app.base, &json!({}));
    assert_eq!(drained["pending"], 0, "{drained}");
    assert_eq!(stub.uploads().len(), 2, "no upload twice");
    assert_eq!(stub.attachments().len(), 2);

    // A timeout on Attachment/Add after the CRM attached it: unknown, never
    // sent again; a person finds it in the CRM.
    stub.fail_next_at(ATTACH, Fault::Unanswered, 1);
    let lost = end("e-lost", &["t1"]);
    assert_eq!(states(&lost["attachments"]), ["unknown"], "{lost}");
    assert_eq!(stub.attachments().len(), 3);
    let drained = drain(&app.base, &json!({}));
    assert_eq!(
        (drained["pending"].as_u64(), drained["unknown"].as_u64()),
        (Some(0), Some(1)),
        "{drained}"
    );
    assert_eq!(
        stub.attachments().len(),
        3,
        "an unknown outcome is not sent again"
    );
    let word = json!({ "resolve": { "activity_id": lost["activity_id"], "recording": "t1", "found_in_crm": true } });
    assert_eq!(drain(&app.base, &word)["unknown"], 0);
    assert_eq!(stub.attachments().len(), 3);

    // A timeout before the CRM attached it: unknown too; a person finds
    // nothing in the CRM, and the drain attaches it once.
    stub.fail_next_at(ATTACH, Fault::Hang, 1);
    let hung = end("e-hang", &["t2"]);
    assert_eq!(states(&hung["attachments"]), ["unknown"], "{hung}");
    assert_eq!(stub.attachments().len(), 3);
    let word = json!({ "resolve": { "activity_id": hung["activity_id"], "recording": "t2", "found_in_crm": false } });
    let resolved = drain(&app.base, &word);
    assert_eq!(resolved["pending"], 0, "{resolved}");
    assert_eq!(stub.attachments().len(), 4);
    // Resolving a recording whose outcome is known is refused.
    let again = call(
        &app.base,
        "POST",
        "/meetings/attachments",
        &[],
        word.to_string().as_bytes(),
    );
    assert_eq!(expect(&again, 409)["error"], "not_unknown");

    // 5xx and garbage on File/Upload: uploaded again (the CRM keeps no
    // recording on a failed upload's answer here), then attached once.
    stub.fail_next_at("/File/Upload", Fault::ServerError, 1);
    stub.fail_next_at("/File/Upload", Fault::Garbage, 1);
    let faulty = end("e-5xx", &["u1"]);
    assert_eq!(states(&faulty["attachments"]), ["pending"], "{faulty}");
    assert_eq!(drain(&app.base, &json!({}))["pending"], 1, "garbage");
    assert_eq!(drain(&app.base, &json!({}))["pending"], 0);

    // An activity type without "Allow Attachments": pending, naming the setting.
    stub.refuse_attachments(210);
    let refused = end("e-refused", &["v1"]);
    assert_eq!(states(&refused["attachments"]), ["pending"], "{refused}");
    let error = refused["attachments"][0]["error"]
        .as_str()
        .unwrap_or_default();
    assert!(error.contains("\"Allow Attachments\""), "{error}");
    stub.allow_attachments(210);
    assert_eq!(drain(&app.base, &json!({}))["pending"], 0);

    // In all: every recording's bytes uploaded once and attached once.
    let uploads = stub.uploads();
    let attachments = stub.attachments();
    for bytes in &all {
        let hash = sha(bytes);
        let mine: Vec<_> = uploads.iter().filter(|u| u.sha256 == hash).collect();
        assert_eq!(mine.len(), 1, "{hash} uploaded {} times", mine.len());
        let attached = attachments.iter().filter(|a| a.file == mine[0].url).count();
        assert_eq!(attached, 1, "{hash} attached {attached} times");
    }
    // No End was posted twice.
    for key in ["e-429", "e-lost", "e-hang", "e-5xx", "e-refused"] {
        let ends = stub
            .activities(&format!("L-{key}"))
            .iter()
            .filter(|a| a["EventCode"] == 210)
            .count();
        assert_eq!(ends, 1, "{key}");
    }
}

#[test]
fn an_end_killed_between_upload_and_attach_attaches_once() {
    let stub = stub("L-3");
    let vars = variables(&stub, "3000");
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut host = DurableHost::app(&vars);
    settings(&host.base);
    start(&host.base, "L-3", "s-k");
    let bytes = m4a("k1", 50_000);
    let meta = recording(&host.base, "k1", &bytes);
    let body = end_body("L-3", &[meta]);
    // The CRM holds the file; its first Attachment/Add answers 429 with a
    // 3 s wait, during which the host is killed: uploaded, not attached.
    stub.fail_next_at(
        ATTACH,
        Fault::TooManyRequests {
            retry_after_s: Some(3),
        },
        1,
    );
    let base = host.base.clone();
    let answered = std::thread::scope(|s| {
        let running = s.spawn(|| {
            let more = [
                ("x-org-id", ORG),
                ("x-api-key", KEY),
                ("idempotency-key", "e-k"),
            ];
            try_send(
                &base,
                "POST",
                "/meetings/end",
                &more,
                body.to_string().as_bytes(),
            )
            .ok()
        });
        // Killed once the 429 was answered and the recording's state put
        // back to `uploaded` for the wait: a kill before that write leaves
        // the step claimed by the dead request (`attaching`), which only its
        // time to live ends (then `unknown`), a case of its own.
        let state_key = format!("{ORG}/meetings/crm-attachment/k1");
        let waited = Instant::now();
        loop {
            let attach_sent = stub.received().iter().any(|r| r.path == ATTACH);
            let state: Option<Value> = host
                .state
                .get(&state_key)
                .map(|b| serde_json::from_slice(&b).expect("a JSON state"));
            if attach_sent && state.as_ref().is_some_and(|v| v["state"] == "uploaded") {
                break;
            }
            assert!(
                waited.elapsed() < Duration::from_secs(60),
                "no Attachment/Add answered 429: {state:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        host.kill9();
        running.join().expect("the request thread")
    });
    assert!(answered.is_none(), "answered before the kill");
    assert_eq!((stub.uploads().len(), stub.attachments().len()), (1, 0));
    host.restart();
    // The platform's drain attaches it without uploading it again.
    let drained = drain(&host.base, &json!({}));
    assert_eq!(drained["pending"], 0, "{drained}");
    let end_id = stub.activities("L-3").last().expect("the End")["Id"].clone();
    each_once(&stub, &end_id, &[&bytes]);
    let creates = stub
        .received()
        .iter()
        .filter(|r| r.path == "/v2/ProspectActivity.svc/Create")
        .count();
    assert_eq!(creates, 2, "the Start and the End, once each");
}

/// Twenty recordings of 10 MB: the End answers within the host's deadline
/// (attaching what fits and leaving the rest `pending`), under the CRM's
/// documented rate limit of 25 calls in 5 s, and the drain completes them;
/// each is uploaded and attached once. The timings go to
/// `target/bench/attachments.json` (see `bench/attachments.md`).
#[test]
fn twenty_recordings_of_10_mb_are_attached_once_within_the_deadline() {
    const SIZE: usize = 10 * 1024 * 1024;
    let stub = stub("L-4");
    stub.rate_limit(25, Duration::from_secs(5));
    let app = app(&stub, "10000");
    start(&app.base, "L-4", "s-big");
    let bytes: Vec<Vec<u8>> = (0..20).map(|i| m4a(&format!("big-{i}"), SIZE)).collect();
    let metas: Vec<Value> = bytes
        .iter()
        .enumerate()
        .map(|(i, b)| recording(&app.base, &format!("big-{i}"), b))
        .collect();
    let began = Instant::now();
    let end = expect(
        &post(
            &app.base,
            "/meetings/end",
            "e-big",
            &end_body("L-4", &metas),
        ),
        201,
    );
    let end_s = began.elapsed().as_secs_f64();
    let attached_by_end = states(&end["attachments"])
        .iter()
        .filter(|s| *s == "attached")
        .count();
    let mut drains = 0;
    while drain(&app.base, &json!({}))["pending"] != 0 {
        drains += 1;
        assert!(drains < 20, "the drain does not finish");
    }
    let total_s = began.elapsed().as_secs_f64();
    let slices: Vec<&[u8]> = bytes.iter().map(Vec::as_slice).collect();
    each_once(&stub, &end["activity_id"], &slices);

    // The same bytes uploaded straight to the stub, one after the other.
    let raw_began = Instant::now();
    for (i, b) in bytes.iter().enumerate() {
        raw_upload(&stub, &format!("raw-{i}.m4a"), b);
    }
    let raw_s = raw_began.elapsed().as_secs_f64();
    let mb = (20 * SIZE) as f64 / 1e6;
    let report = json!({
        "recordings": 20, "bytes_each": SIZE,
        "end_s": end_s, "attached_by_end": attached_by_end,
        "drain_calls": drains + 1, "end_and_drains_s": total_s,
        "end_and_drains_mb_per_s": mb / total_s,
        "raw_upload_s": raw_s, "raw_upload_mb_per_s": mb / raw_s,
    });
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir).expect("target/bench");
    std::fs::write(dir.join("attachments.json"), report.to_string()).expect("the report");
    eprintln!("attachments bench: {report}");
}

/// Uploads `bytes` to the stub's files host as the connector does, waiting
/// out its rate limit.
fn raw_upload(stub: &CrmStub, name: &str, bytes: &[u8]) {
    let boundary = "raw-boundary-7f3a";
    let mut body = Vec::new();
    for (k, v) in [
        ("FileType", "3"),
        ("AccessKey", ACCESS_KEY),
        ("SecretKey", SECRET_KEY),
        ("FileStorageType", "0"),
        ("EnableResize", "false"),
        ("Id", "210"),
        ("Entity", "1"),
    ] {
        body.extend_from_slice(
            format!("--{boundary}\r\ncontent-disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}\r\ncontent-disposition: form-data; name=\"uploadFiles\"; filename=\"{name}\"\r\ncontent-type: audio/mp4\r\n\r\n").as_bytes());
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let kind = format!("multipart/form-data; boundary={boundary}");
    loop {
        let reply = send(
            &stub.files_origin,
            "POST",
            "/File/Upload",
            &[("content-type", kind.as_str())],
            &body,
        );
        if reply.status != 429 {
            assert_eq!(reply.status, 200, "{}", reply.text());
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn an_erasure_lists_the_crms_copies_and_withdraws_what_was_not_sent() {
    let stub = stub("L-1");
    let app = app(&stub, "3000");
    // An End whose first recording a 429 storm left pending (uploaded, not
    // attached); the other two attached.
    start(&app.base, "L-1", "s-1");
    let bytes = [m4a("x1", 30_000), m4a("x2", 20_000), m4a("x3", 10_000)];
    let metas: Vec<Value> = ["x1", "x2", "x3"]
        .iter()
        .zip(&bytes)
        .map(|(id, bytes)| recording(&app.base, id, bytes))
        .collect();
    stub.fail_next_at(
        ATTACH,
        Fault::TooManyRequests {
            retry_after_s: Some(0),
        },
        3,
    );
    let first = expect(
        &post(&app.base, "/meetings/end", "e-1", &end_body("L-1", &metas)),
        201,
    );
    assert_eq!(
        states(&first["attachments"]),
        ["pending", "attached", "attached"],
        "{first}"
    );
    assert_eq!(stub.uploads().len(), 3);

    let erased = expect(
        &send(
            &app.base,
            "POST",
            "/leads/L-1/erasure",
            &[("x-org-id", ORG), ("x-api-key", ADMIN)],
            br#"{"requested_by": "DPO ticket 7"}"#,
        ),
        200,
    );
    assert_eq!(erased["erasure"]["recordings_removed"], 3, "{erased}");
    assert_eq!(erased["erasure"]["crm_copies"], 3, "{erased}");
    let copies = erased["crm_copies"].as_array().unwrap();
    let attached: Vec<&Value> = copies.iter().filter(|c| c["state"] == "attached").collect();
    assert_eq!(attached.len(), 2, "{erased}");
    assert!(
        copies
            .iter()
            .all(|c| c["activity_id"] == first["activity_id"]),
        "{erased}"
    );
    assert!(
        attached.iter().all(|c| c["attachment_id"].is_string()),
        "{erased}"
    );
    let uploaded: Vec<&Value> = copies.iter().filter(|c| c["state"] == "uploaded").collect();
    assert_eq!(
        (uploaded.len(), uploaded[0]["recording"].as_str()),
        (1, Some("x1")),
        "{erased}"
    );
    // The pending recording is never attached now, and the drain sends nothing more.
    let drained = drain(&app.base, &json!({}));
    assert_eq!(drained["pending"], 0, "{drained}");
    assert_eq!(stub.attachments().len(), 2);
    assert_eq!(stub.uploads().len(), 3);
    for id in ["x1", "x2", "x3"] {
        let gone = call(&app.base, "GET", &format!("/recordings/{id}"), &[], b"");
        assert_eq!(gone.status, 410, "{id}: {}", gone.text());
    }
    // The lead's Ends still list every recording, with its state and why its bytes went.
    let listed = expect(
        &call(&app.base, "GET", "/leads/L-1/activities", &[], b""),
        200,
    );
    let ends: Vec<&Value> = listed["activities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a.get("attachments").is_some())
        .collect();
    assert_eq!(ends.len(), 1, "{listed}");
    assert_eq!(
        states(&ends[0]["attachments"]),
        ["removed", "attached", "attached"],
        "{listed}"
    );
    assert!(
        ends.iter()
            .flat_map(|e| e["attachments"].as_array().unwrap())
            .all(|a| a["removed"]["reason"] == "erased"),
        "{listed}"
    );
}
