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
//! the activity whose note carries the request's tag
//! ([`recrules_sdk::meeting::request_tag`]), which both stores write:
//!
//! - with `activity_store` = `kv`, in the lead's history;
//! - with `crm`, in the lead's CRM history, answered from the draft the
//!   request kept before it posted ([`Backend::posted_by`]).
//!
//! If there is one, the retry answers 201 with it (`"recovered": true`) and
//! posts nothing; if there is none, it posts. A recovered End in CRM mode
//! then attaches its recordings as the End would have ([`crate::attachments`]).

use recrules_sdk::meeting::{request_tag, PostedActivity};
use recrules_sdk::otp::OrgId;
use serde_json::{json, Value};

use crate::attachments::{after_end, Budget};
use crate::backend::Backend;
use crate::config::attach_budget_ms;
use crate::keys;
use crate::reply::{Failure, Store};
use recrules_sdk::attachment::EndAttachments;

/// What an earlier attempt of the request `key` with this `path` and
/// `body` posted, as the 201 answer to give; `None` when it posted nothing.
pub async fn posted_earlier(
    store: &Store,
    org: &OrgId,
    key: &str,
    path: &str,
    body: &[u8],
) -> Result<Option<(u16, Value)>, Failure> {
    let arrived = std::time::Instant::now();
    let end = path.trim_end_matches('/') == "/meetings/end";
    let backend = Backend::choose(store, org)?;
    let found = match &backend {
        Backend::Kv { .. } => in_kv(store, org, key, body)?,
        crm @ Backend::Crm { .. } => crm.posted_by(key).await?,
    };
    let Some(posted) = found else {
        return Ok(None);
    };
    let mut found = answer(&posted, end);
    if let (true, Backend::Crm { cfg, .. }) = (end, &backend) {
        // The earlier attempt may have died before or while attaching.
        let attach = EndAttachments {
            activity_id: posted.id.clone(),
            lead_id: posted.activity.lead_id.clone(),
            event_code: posted.activity.event_code,
            recordings: posted.activity.recordings.clone(),
        };
        let budget = Budget::from(arrived, attach_budget_ms()?);
        found["attachments"] = after_end(store, org, cfg, &attach, budget).await?;
    }
    Ok(Some((201, found)))
}

/// Kv: the activity in the history of the body's lead whose note carries the
/// request's tag.
fn in_kv(
    store: &Store,
    org: &OrgId,
    key: &str,
    body: &[u8],
) -> Result<Option<PostedActivity>, Failure> {
    // The body was read by the route already; anything else finds nothing.
    let Some(lead) = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|body| body["lead"].as_str().map(str::to_owned))
    else {
        return Ok(None);
    };
    let tag = request_tag(org, key);
    let history: Vec<PostedActivity> = store.get(&keys::history(org, &lead))?.unwrap_or_default();
    Ok(history
        .into_iter()
        .find(|posted| posted.activity.note.contains(&tag)))
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
