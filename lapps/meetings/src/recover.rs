//! Starts and Ends cut off between their post and their answer, or whose
//! post failed without telling whether it was carried out.
//!
//! A request killed (SIGKILL, a crash) after it posted its activity but
//! before [`crate::once`] kept its answer leaves its `Idempotency-Key` as a
//! pending claim. Once the claim's time to live has passed, a retry of the
//! same request takes the key over and would run again: a Single-mode End
//! or a Start would be posted twice, and a Dual-mode End would be refused
//! with 409 `missing_start` (its Start closed by that very End). The same
//! holds for a request whose CRM Create timed out or failed with a 5xx or
//! garbage after the CRM created the activity: it keeps its key as
//! `outcome_unknown` ([`recrules_sdk::idempotency::KeyState::OutcomeUnknown`]).
//! So a retry that resumes such a key first looks for what the earlier
//! attempt posted:
//!
//! - with `activity_store` = `kv`, in the lead's history: an activity of the
//!   request's code, by its user, created after the claim was made, and for
//!   an End carrying the same recordings (ids and hashes);
//! - with `crm`, in the lead's CRM history: the activity whose note carries
//!   the request's tag ([`recrules_sdk::meeting::request_tag`]), posted from
//!   the draft the request kept before it posted ([`Backend::posted_by`]).
//!
//! If there is one, the retry answers 201 with it (`"recovered": true`) and
//! posts nothing; if there is none, it posts.

use recrules_sdk::meeting::PostedActivity;
use recrules_sdk::otp::OrgId;
use recrules_sdk::time::Instant;
use serde_json::{json, Value};

use crate::backend::Backend;
use crate::keys;
use crate::reply::{Failure, Store};

/// What an earlier attempt of the request `key` with this `path` and
/// `body` posted after `since`, as the 201 answer to give; `None` when it
/// posted nothing.
pub async fn posted_earlier(
    store: &Store,
    org: &OrgId,
    key: &str,
    path: &str,
    body: &[u8],
    since: Instant,
) -> Result<Option<(u16, Value)>, Failure> {
    let end = path.trim_end_matches('/') == "/meetings/end";
    let found = match Backend::choose(store, org)? {
        Backend::Kv { .. } => in_kv(store, org, body, since)?,
        crm @ Backend::Crm { .. } => crm.posted_by(key).await?,
    };
    Ok(found.map(|posted| (201, answer(&posted, end))))
}

/// Kv: the activity in the lead's history that the request with `body`
/// posted after `since`.
fn in_kv(
    store: &Store,
    org: &OrgId,
    body: &[u8],
    since: Instant,
) -> Result<Option<PostedActivity>, Failure> {
    // The body was read by the route already; anything else finds nothing.
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return Ok(None);
    };
    let (Some(lead), Some(code), Some(user)) = (
        body["lead"].as_str(),
        body["activity_code"].as_u64(),
        body["user"].as_str(),
    ) else {
        return Ok(None);
    };
    let recordings: Vec<(&str, &str)> = body["recordings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["id"].as_str().unwrap_or_default(),
                r["sha256"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    let history: Vec<PostedActivity> = store
        .get_versioned(&keys::history(org, lead))?
        .unwrap_or_default();
    Ok(history.into_iter().find(|posted| {
        let activity = &posted.activity;
        let carried: Vec<(&str, &str)> = activity
            .recordings
            .iter()
            .map(|r| (r.id.as_str(), r.sha256.as_str()))
            .collect();
        u64::from(activity.event_code) == code
            && activity.user == user
            && activity.created_on >= since
            && carried == recordings
    }))
}

/// The answer of a recovered Start or End.
fn answer(posted: &PostedActivity, end: bool) -> Value {
    let activity = &posted.activity;
    let mut answer = json!({
        "ok": true,
        "activity_id": posted.id,
        "event_code": activity.event_code,
        "recovered": true,
    });
    if end {
        answer["fields"] = json!(activity.fields);
        answer["recordings"] = activity.recordings.iter().map(|r| json!(r.id)).collect();
        if let Some(start) = &activity.start_activity_id {
            answer["start_activity_id"] = json!(start);
        }
    } else {
        answer["created_on"] = json!(activity.created_on);
    }
    answer
}
