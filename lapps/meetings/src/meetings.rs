//! `POST /meetings/start` and `POST /meetings/end`: the Start and End
//! activities, each posted once per idempotency key ([`crate::once`]).
//!
//! ## Concurrency
//! Before an End is posted, the Start it closes is claimed by
//! compare-and-swap (`{org}/meetings/start-closed/{hash of the Start's id}`),
//! so of two Ends racing for one Start exactly one is posted. The loser reads
//! the history again (after a short pause, so the winner's End is in it) and
//! gets the rules' answer: 409 `missing_start` with `MeetingEndFormErrorMessage`.
//! An OTP approval is used up by a swap from the exact bytes read
//! ([`crate::approval`]). If posting fails, the claim and the approval are
//! given back.

use std::time::Duration;

use recrules_lapp_support::store::Change;
use recrules_sdk::meeting::{end_draft, start_draft};
use recrules_sdk::otp::OrgId;
use recrules_sdk::plan::{plan_end, plan_start, EndAnswer, EndInput, PlanError};
use recrules_sdk::settings::Mode;
use recrules_sdk::upload::{match_uploads, StoredUpload};
use recrules_sdk::validate::PrecheckInput;
use serde_json::{json, Value};
use spin_sdk::http::{Request, Response};

use crate::approval::UsedUp;
use crate::backend::Backend;
use crate::hook::facts;
use crate::keys;
use crate::once::once;
use crate::refusal::{not_allowed, plan_failure};
use crate::reply::{Failure, Store};
use crate::request::{json_body, now, EndBody, MeetingBody};

/// How many times an End whose Start another End claimed reads the history again.
const END_TRIES: usize = 5;
/// The pause before reading it again.
const END_RETRY_PAUSE: Duration = Duration::from_millis(200);

/// `POST /meetings/start` (Dual mode): 201 with the Start's id and the
/// decision; 422 (`validation_failed`, `no_start_in_single_mode`, ...), 409
/// (`otp_already_used`), 404 (lead, settings).
pub async fn start(req: &Request, org: &OrgId) -> Result<Response, Failure> {
    let body: MeetingBody = json_body(req.body())?;
    once(req, org, |key| start_once(org, body, key)).await
}

/// Posts the Start once.
async fn start_once(org: &OrgId, body: MeetingBody, key: String) -> Result<(u16, Value), Failure> {
    let store = Store::open()?;
    let backend = Backend::choose(&store, org)?;
    let facts = facts(
        &store,
        org,
        &backend,
        &body.lead,
        &body.user,
        body.activity_code,
    )
    .await?;
    let at = now()?;
    let input = facts.input(&body);
    let decision = facts.decide(org, &input, at)?;
    let plan = plan_start(&facts.settings, &facts.lead, &facts.history, &input, at).map_err(
        |e| match e {
            PlanError::ValidationFailed { .. } => not_allowed(&decision),
            other => plan_failure(other),
        },
    )?;
    if !decision.allowed {
        return Err(not_allowed(&decision));
    }
    let used = match facts.approval {
        Some(approval) => Some(approval.use_up(&store, at, &key)?),
        None => None,
    };
    let draft = start_draft(&plan, &facts.lead.id, &body.user);
    let id = posted(&store, &backend, &draft, used.as_ref(), None).await?;
    Ok((
        201,
        json!({
            "ok": true,
            "activity_id": id,
            "event_code": plan.event_code,
            "end_code": plan.end_code,
            "created_on": plan.created_on,
            "decision": decision,
        }),
    ))
}

/// `POST /meetings/end`: 201 with the End's id, fields and recordings; 409
/// `missing_start`; 422 for the rules' refusals and for recordings not
/// uploaded as listed (`recording_not_uploaded`).
pub async fn end(req: &Request, org: &OrgId) -> Result<Response, Failure> {
    let body: EndBody = json_body(req.body())?;
    once(req, org, |key| async move {
        for _ in 1..END_TRIES {
            match end_once(org, &body, &key).await? {
                Some(answer) => return Ok(answer),
                None => std::thread::sleep(END_RETRY_PAUSE),
            }
        }
        end_once(org, &body, &key).await?.ok_or_else(|| {
            Failure::new(
                409,
                "end_in_progress",
                None,
                "another End activity is being posted for this meeting's Start; retry in a moment",
            )
        })
    })
    .await
}

/// Posts the End once; `None` when another End claimed its Start first.
async fn end_once(org: &OrgId, body: &EndBody, key: &str) -> Result<Option<(u16, Value)>, Failure> {
    let store = Store::open()?;
    let backend = Backend::choose(&store, org)?;
    let facts = facts(
        &store,
        org,
        &backend,
        &body.lead,
        &body.user,
        body.activity_code,
    )
    .await?;
    let at = now()?;
    let input = EndInput {
        activity_code: body.activity_code,
        user: body.user.clone(),
        otp_verified_at: facts.approval.as_ref().map(|a| a.verified_at),
        user_location: body.user_location,
        recordings: body.recordings.clone(),
    };
    let plan =
        plan_end(&facts.settings, &facts.lead, &facts.history, &input, at).map_err(plan_failure)?;
    if let Some(decision) = &plan.decision {
        let check = PrecheckInput {
            activity_code: body.activity_code,
            user: body.user.clone(),
            user_location: body.user_location,
            otp_verified_at: input.otp_verified_at,
        };
        let joined = facts.with_lapps(decision.clone(), org, &check, at)?;
        if !joined.allowed {
            return Err(not_allowed(&joined));
        }
    }
    let uploads = body
        .recordings
        .iter()
        .map(|r| {
            store
                .get_versioned::<Option<StoredUpload>>(&keys::upload(org, &r.id))
                .map(Option::flatten)
        })
        .collect::<Result<Vec<_>, _>>()?;
    match_uploads(&body.recordings, &uploads).map_err(|e| {
        let field = format!("recordings[{}]", e.index);
        Failure::new(422, "recording_not_uploaded", Some(&field), e.to_string())
    })?;
    let closed = match &plan.start_activity_id {
        Some(start) => match close_start(&store, org, start, key)? {
            Some(claim) => Some(claim),
            None => return Ok(None),
        },
        None => None,
    };
    let used = match facts.approval {
        Some(approval) if facts.settings.mode == Mode::Single => {
            match approval.use_up(&store, at, key) {
                Ok(used) => Some(used),
                Err(e) => {
                    reopen(&store, closed.as_deref())?;
                    return Err(e);
                }
            }
        }
        _ => None,
    };
    let draft = end_draft(&plan, &facts.lead.id, &body.user, &body.recordings, at);
    let id = posted(&store, &backend, &draft, used.as_ref(), closed.as_deref()).await?;
    let mut answer = serde_json::to_value(EndAnswer::from(Ok(plan)))
        .map_err(|e| Failure::unavailable(e.to_string()))?;
    answer["activity_id"] = Value::from(id);
    Ok(Some((201, answer)))
}

/// Claims the Start for this End; `None` when another End claimed it first.
/// Answers the claim's key, to give it back if the End is not posted.
fn close_start(
    store: &Store,
    org: &OrgId,
    start: &str,
    by: &str,
) -> Result<Option<String>, Failure> {
    let key = keys::start_closed(org, start);
    let mine = store.update(&key, |claimed: Option<String>| {
        Ok(match claimed {
            Some(owner) if owner != by => Change::Keep(false),
            Some(_) => Change::Keep(true),
            None => Change::Write(Some(by.to_owned()), true),
        })
    })?;
    Ok(mine.then_some(key))
}

/// Gives a Start's claim back.
fn reopen(store: &Store, claim: Option<&str>) -> Result<(), Failure> {
    claim.map_or(Ok(()), |key| store.delete(key))
}

/// Posts `draft`; if that fails, gives back the approval and the Start's claim.
async fn posted(
    store: &Store,
    backend: &Backend<'_>,
    draft: &recrules_sdk::meeting::ActivityDraft,
    used: Option<&UsedUp>,
    claim: Option<&str>,
) -> Result<String, Failure> {
    match backend.post(draft).await {
        Ok(id) => Ok(id),
        Err(e) => {
            if let Some(used) = used {
                used.give_back(store)?;
            }
            reopen(store, claim)?;
            Err(e)
        }
    }
}
