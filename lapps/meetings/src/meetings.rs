//! `POST /meetings/start` and `POST /meetings/end`: the Start and End
//! activities, each posted once per idempotency key ([`crate::once`]).
//!
//! ## Concurrency
//! Before an End is posted, the Start it closes is claimed by
//! compare-and-swap (`{org}/meetings/start-closed/{hash of the Start's id}`),
//! so of two Ends racing for one Start exactly one is posted. The loser reads
//! the history again (after a short pause, so the winner's End is in it) and
//! gets the rules' answer: 409 `missing_start` with `MeetingEndFormErrorMessage`.
//! An OTP approval is used up by a swap from the exact bytes read, for the
//! request's idempotency key ([`crate::approval`]). Every Start and End holds
//! its lead while it checks and posts, and an End holds its recordings
//! ([`crate::holds`]). If posting fails, the claim, the approval and the
//! recordings are given back; a request cut off before it posted, or whose
//! post may have been carried out although it failed (a CRM timeout, 5xx or
//! garbage: `"outcome_unknown": true`), leaves them its own, for its retry
//! with the same key. The lead's hold is given back either way: the retry
//! checks again, under a new hold, against a history that holds the
//! activity if it was created.

use std::future::Future;
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
use crate::attachments::{after_end, Budget};
use crate::backend::Backend;
use crate::config::attach_budget_ms;
use crate::holds::{attach, detach, hold_lead};
use crate::hook::facts;
use crate::keys;
use crate::once::once;
use crate::refusal::{not_allowed, plan_failure};
use crate::reply::{Failure, Store};
use crate::request::{checked_id, json_body, now, EndBody, MeetingBody};
use recrules_sdk::attachment::EndAttachments;

/// How many times an End whose Start another End claimed reads the history again.
const END_TRIES: usize = 5;
/// The pause before reading it again.
const END_RETRY_PAUSE: Duration = Duration::from_millis(200);

/// `POST /meetings/start` (Dual mode): 201 with the Start's id and the
/// decision; 422 (`validation_failed`, `no_start_in_single_mode`, ...), 409
/// (`otp_already_used`, `lead_busy`), 404 (lead, settings).
pub async fn start(req: &Request, org: &OrgId) -> Result<Response, Failure> {
    let body: MeetingBody = json_body(req.body())?;
    checked_id("lead", &body.lead)?;
    let lead = body.lead.clone();
    once(req, org, &lead, |key| async move {
        let store = Store::open()?;
        holding(
            &store,
            org,
            &body.lead,
            &key,
            start_once(&store, org, &body, &key),
        )
        .await
    })
    .await
}

/// Posts the Start once.
async fn start_once(
    store: &Store,
    org: &OrgId,
    body: &MeetingBody,
    key: &str,
) -> Result<(u16, Value), Failure> {
    let backend = Backend::choose(store, org)?;
    let facts = facts(
        store,
        org,
        &backend,
        &body.lead,
        &body.user,
        body.activity_code,
        Some(key),
    )
    .await?;
    let at = now()?;
    let input = facts.input(body);
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
    let consent = facts.approval.as_ref().map(|a| a.consent.clone());
    let used = match facts.approval {
        Some(approval) => Some(approval.use_up(store, at, key)?),
        None => None,
    };
    let taken = Taken {
        used,
        start: None,
        recordings: Vec::new(),
        by: key,
    };
    let draft = start_draft(&plan, &facts.lead.id, &body.user).with_consent(consent);
    let id = posted(store, &backend, &draft, &taken).await?;
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

/// Runs `work` while the request `key` holds `lead` ([`hold_lead`]), so its
/// checks and its post are one step on the lead.
async fn holding<T>(
    store: &Store,
    org: &OrgId,
    lead: &str,
    key: &str,
    work: impl Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    let held = hold_lead(store, org, lead, key)?;
    let answer = work.await;
    // A hold that is not given back lapses after LEAD_HOLD_TTL_S: the answer stands either way.
    let _ = held.release(store);
    answer
}

/// `POST /meetings/end`: 201 with the End's id, fields and recordings; 409
/// `missing_start`, `recording_attached` (another End carries a recording),
/// `lead_busy`; 422 for the rules' refusals and for recordings not uploaded
/// as listed (`recording_not_uploaded`).
pub async fn end(req: &Request, org: &OrgId) -> Result<Response, Failure> {
    let arrived = std::time::Instant::now();
    let body: EndBody = json_body(req.body())?;
    checked_id("lead", &body.lead)?;
    let lead = body.lead.clone();
    once(req, org, &lead, |key| async move {
        let store = Store::open()?;
        let tries = async {
            for _ in 1..END_TRIES {
                match end_once(&store, org, &body, &key, arrived).await? {
                    Some(answer) => return Ok(answer),
                    None => std::thread::sleep(END_RETRY_PAUSE),
                }
            }
            end_once(&store, org, &body, &key, arrived).await?.ok_or_else(|| {
                Failure::new(
                    409,
                    "end_in_progress",
                    None,
                    "another End activity is being posted for this meeting's Start; retry in a moment",
                )
            })
        };
        holding(&store, org, &body.lead, &key, tries).await
    })
    .await
}

/// Posts the End once; `None` when another End claimed its Start first.
async fn end_once(
    store: &Store,
    org: &OrgId,
    body: &EndBody,
    key: &str,
    arrived: std::time::Instant,
) -> Result<Option<(u16, Value)>, Failure> {
    let backend = Backend::choose(store, org)?;
    let facts = facts(
        store,
        org,
        &backend,
        &body.lead,
        &body.user,
        body.activity_code,
        Some(key),
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
                .get::<Option<StoredUpload>>(&keys::upload(org, &r.id))
                .map(Option::flatten)
        })
        .collect::<Result<Vec<_>, _>>()?;
    match_uploads(&body.recordings, &uploads).map_err(|e| {
        let field = format!("recordings[{}]", e.index);
        Failure::new(422, "recording_not_uploaded", Some(&field), e.to_string())
    })?;
    // The consent evidence: Single mode's own approval, or the Start's.
    let consent = match (&plan.start_activity_id, facts.settings.mode) {
        (_, Mode::Single) => facts.approval.as_ref().map(|a| a.consent.clone()),
        (Some(start), Mode::Dual) => backend.start_consent(&facts.lead.id, start).await?,
        (None, Mode::Dual) => None,
    };
    let mut taken = Taken {
        used: None,
        start: None,
        recordings: attach(store, org, &body.recordings, key)?,
        by: key,
    };
    if let Some(start) = &plan.start_activity_id {
        match close_start(store, org, start, key)? {
            Some(claim) => taken.start = Some(claim),
            None => {
                taken.give_back(store)?;
                return Ok(None);
            }
        }
    }
    if let Some(approval) = facts
        .approval
        .filter(|_| facts.settings.mode == Mode::Single)
    {
        match approval.use_up(store, at, key) {
            Ok(used) => taken.used = Some(used),
            Err(e) => {
                taken.give_back(store)?;
                return Err(e);
            }
        }
    }
    let draft =
        end_draft(&plan, &facts.lead.id, &body.user, &body.recordings, at).with_consent(consent);
    let id = posted(store, &backend, &draft, &taken).await?;
    let event_code = plan.event_code;
    let mut answer = serde_json::to_value(EndAnswer::from(Ok(plan)))
        .map_err(|e| Failure::unavailable(e.to_string()))?;
    answer["activity_id"] = Value::from(id.clone());
    if let Backend::Crm { cfg, .. } = &backend {
        let end = EndAttachments {
            activity_id: id,
            lead_id: facts.lead.id.clone(),
            event_code,
            recordings: body.recordings.clone(),
        };
        let budget = Budget::from(arrived, attach_budget_ms()?);
        answer["attachments"] = after_end(store, org, cfg, &end, budget).await?;
    }
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

/// What a post took beforehand, given back if the post fails.
struct Taken<'k> {
    /// The OTP approval used up.
    used: Option<UsedUp>,
    /// The key of the Start's claim (an End in Dual mode).
    start: Option<String>,
    /// The keys of the recordings' holds (an End).
    recordings: Vec<String>,
    /// The request (its idempotency key).
    by: &'k str,
}

impl Taken<'_> {
    /// Gives everything back: the approval, the Start's claim, the recordings.
    fn give_back(&self, store: &Store) -> Result<(), Failure> {
        if let Some(used) = &self.used {
            used.give_back(store)?;
        }
        if let Some(claim) = &self.start {
            // Removed only while it is still this request's.
            store.update(claim, |claimed: Option<String>| {
                Ok(match claimed {
                    Some(owner) if owner == self.by => Change::Remove(()),
                    _ => Change::Keep(()),
                })
            })?;
        }
        detach(store, &self.recordings, self.by)
    }
}

/// Posts `draft`; if that fails, gives back what was `taken` for it,
/// unless the activity may have been posted all the same
/// ([`Failure::is_outcome_unknown`]): then the request keeps it, for its
/// retry with the same key, which looks for the activity first.
async fn posted(
    store: &Store,
    backend: &Backend<'_>,
    draft: &recrules_sdk::meeting::ActivityDraft,
    taken: &Taken<'_>,
) -> Result<String, Failure> {
    match backend.post(draft, taken.by).await {
        Ok(id) => Ok(id),
        Err(e) if e.is_outcome_unknown() => Err(e),
        Err(e) => {
            taken.give_back(store)?;
            Err(e)
        }
    }
}
