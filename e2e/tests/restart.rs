//! Crash safety: the host killed with SIGKILL (no shutdown at all) and started
//! again on the same state directory loses nothing it had answered for.

use recrules_e2e::restart::DurableHost;
use recrules_e2e::Talk;
use serde_json::{json, Value};

const ORG: &str = "org-1";
const KEY: &str = "org-1-key-0123456789";
const PHONE: &str = "+919800000001";
/// An SMS text from which the code is easy to cut.
const TEMPLATE: &str = "code:{code} valid {minutes} min";
/// Where the approval of lead L-1, entry 221, user U-1 is kept.
const APPROVAL_KEY: &str = "org-1/otp/approval/L-1/221/U-1";

fn body(code: Option<&str>) -> Value {
    let mut body = json!({ "phone": PHONE, "lead": "L-1", "entry": 221, "user": "U-1" });
    if let Some(code) = code {
        body["code"] = json!(code);
    }
    body
}

fn talk(host: &DurableHost) -> Talk {
    Talk::new(&host.base, &[("x-org-id", ORG), ("x-api-key", KEY)])
}

/// The code in the last SMS the `log` gateway kept (itself stored state).
fn last_code(talk: &Talk) -> String {
    let reply = talk.get("/otp/test/last-message?phone=%2B919800000001");
    assert_eq!(reply.status, 200, "{}", reply.body);
    let text = reply.json()["body"].as_str().unwrap_or_default().to_owned();
    text.trim_start_matches("code:").chars().take(6).collect()
}

/// A six-digit code other than `code`.
fn other_than(code: &str) -> String {
    let n: u32 = code.parse().expect("a six-digit code");
    format!("{:06}", (n + 1) % 1_000_000)
}

/// Kills the host with SIGKILL, checks that it died of it, and starts it again.
fn crash_and_restart(host: &mut DurableHost) {
    let pid = host.pid();
    let status = host.kill9();
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            status.signal(),
            Some(9),
            "host {pid} should have died of SIGKILL: {status:?}"
        );
    }
    #[cfg(not(unix))]
    assert!(!status.success(), "host {pid}: {status:?}");
    host.restart();
}

/// The stored approval, read straight from the host's state database.
fn stored_approval(host: &DurableHost) -> Option<Value> {
    host.state
        .get(APPROVAL_KEY)
        .map(|bytes| serde_json::from_slice(&bytes).expect("the approval is JSON"))
}

#[test]
fn nothing_answered_is_lost_to_sigkill() {
    let keys = json!({ ORG: KEY }).to_string();
    let mut host = DurableHost::otp(&[
        ("org_api_keys", keys.as_str()),
        ("lapp_env", "Test"),
        ("sms_gateway", "log"),
        ("sms_template", TEMPLATE),
    ]);
    let state_dir = host.state_dir.clone();

    // A challenge, and one wrong code counted against it.
    let sent = talk(&host).post("/otp/send", &body(None));
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert_eq!(sent.outcome(), "sent", "{}", sent.body);
    let code = last_code(&talk(&host));
    let wrong = other_than(&code);
    let first_wrong = talk(&host).post("/otp/verify", &body(Some(&wrong)));
    assert_eq!(first_wrong.outcome(), "wrong_code", "{}", first_wrong.body);
    assert_eq!(
        first_wrong.json()["attempts_left"],
        4,
        "{}",
        first_wrong.body
    );

    // kill -9, then the same state directory on a new process.
    crash_and_restart(&mut host);
    assert_eq!(host.state_dir, state_dir);

    // The kept SMS, the challenge and its wrong-code count all survived.
    assert_eq!(last_code(&talk(&host)), code, "the logged SMS was lost");
    let second_wrong = talk(&host).post("/otp/verify", &body(Some(&wrong)));
    assert_eq!(
        second_wrong.outcome(),
        "wrong_code",
        "{}",
        second_wrong.body
    );
    assert_eq!(
        second_wrong.json()["attempts_left"],
        3,
        "the first wrong code was forgotten: {}",
        second_wrong.body
    );

    // The second wrong code survives a crash too; then the right code approves.
    crash_and_restart(&mut host);
    let third_wrong = talk(&host).post("/otp/verify", &body(Some(&wrong)));
    assert_eq!(
        third_wrong.json()["attempts_left"],
        2,
        "{}",
        third_wrong.body
    );
    let approved = talk(&host).post("/otp/verify", &body(Some(&code)));
    assert_eq!(approved.status, 200, "{}", approved.body);
    assert_eq!(
        approved.outcome(),
        "approved",
        "the challenge was lost: {}",
        approved.body
    );
    let approval = stored_approval(&host).expect("an approval was recorded");

    // The approval and the closed challenge survive another crash.
    crash_and_restart(&mut host);
    let after = stored_approval(&host).expect("the approval was lost to SIGKILL");
    assert_eq!(after, approval);
    assert_eq!(after["phone"], PHONE, "{after}");
    assert_eq!(after["subject"]["lead"], "L-1", "{after}");
    assert_eq!(after["subject"]["entry"], 221, "{after}");
    assert_eq!(after["subject"]["user"], "U-1", "{after}");
    // The challenge is closed: the same code cannot approve twice.
    let again = talk(&host).post("/otp/verify", &body(Some(&code)));
    assert_eq!(again.outcome(), "unknown_challenge", "{}", again.body);
    assert_eq!(stored_approval(&host), Some(approval));
}
