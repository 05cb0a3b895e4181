//! Crm: the End's recordings as attachments of its activity in the CRM,
//! each exactly once (states and rules in [`recrules_sdk::attachment`]).
//!
//! Once the CRM created the End, the End is registered
//! (`{org}/meetings/crm-end/{hash of its id}`, the org's queue
//! `{org}/meetings/crm-attach-queue` and the lead's list
//! `{org}/meetings/crm-lead-ends/{lead}`), then its recordings are uploaded
//! (File/Upload) and attached (Attachment/Add) one after the other, for as
//! long as `crm_attach_budget_ms` allows from the request's arrival, so 20
//! recordings of 10 MB never push the End past the host's deadline. What did
//! not fit stays `pending`, and `POST /meetings/attachments` (the drain, which
//! the platform calls until it answers `"pending": 0`) completes it.
//!
//! Each recording's state (`{org}/meetings/crm-attachment/{id}`) changes by
//! [`Store::update`] before and after each call: `uploading` or `attaching`
//! claims the step (two requests never send the same step), and the CRM's
//! answer is kept at once (the file's URL, then the attachment's id). An
//! Attachment/Add whose outcome is unknown is never sent again on its own
//! (the CRM has no call listing an activity's attachments; SECURITY.md): the
//! recording is `unknown` until a person resolves it with the drain's
//! `resolve`. A 429 on Attachment/Add puts the state back to `uploaded`
//! before the wait, so a request killed while it waits leaves nothing unknown.

use std::time::{Duration, Instant as Clock};

use recrules_crm::wire::attachment::NewAttachment;
use recrules_crm::wire::file::FileUpload;
use recrules_crm::{add_attachment, backoff, upload_file, CrmConfig, CrmError};
use recrules_lapp_support::store::Change;
use recrules_sdk::attachment::{
    attachment_description, attachment_name, content_type, file_name, next_step, outcome, pending,
    resolve, settled, AttachmentState, EndAttachments, Outcome, Step,
};
use recrules_sdk::lifecycle::removal::{bytes_at, Bytes};
use recrules_sdk::otp::OrgId;
use recrules_sdk::upload::StoredUpload;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::keys;
use crate::recordings::stored;
use crate::reply::{Failure, Store};
use crate::request::now;

/// The least time left in the budget to start an upload.
const MIN_CALL_MS: u64 = 500;
/// The least time left to start an Attachment/Add (or the CRM's timeout, if shorter).
const ATTACH_RESERVE_MS: u64 = 5_000;

/// When a request's attaching must stop: its arrival plus the budget.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    until: Clock,
}

impl Budget {
    /// The budget of a request that arrived at `arrived`.
    pub fn from(arrived: Clock, budget_ms: u64) -> Self {
        Self {
            until: arrived + Duration::from_millis(budget_ms),
        }
    }

    /// Milliseconds left.
    fn left_ms(&self) -> u64 {
        self.until
            .saturating_duration_since(Clock::now())
            .as_millis() as u64
    }
}

/// Registers `end` for attaching, then attaches what fits in `budget`;
/// answers each recording's outcome. A failure to register is marked
/// [`Failure::outcome_unknown`]: the End exists in the CRM, and its retry
/// with the same key finds it ([`crate::recover`]) and registers it.
pub async fn after_end(
    store: &Store,
    org: &OrgId,
    cfg: &CrmConfig,
    end: &EndAttachments,
    budget: Budget,
) -> Result<Value, Failure> {
    register(store, org, end).map_err(Failure::outcome_unknown)?;
    let errors = attach_within(store, org, cfg, end, budget).await;
    // The End is posted: a store failure here leaves its recordings pending for the drain.
    report(store, org, end, &errors).or_else(|e| {
        Ok(json!(end
            .recordings
            .iter()
            .map(|r| json!({ "recording": r.id, "state": Outcome::Pending, "error": e.message }))
            .collect::<Vec<_>>()))
    })
}

/// Keeps `end` and lists it in the org's queue and its lead's Ends.
fn register(store: &Store, org: &OrgId, end: &EndAttachments) -> Result<(), Failure> {
    store.set(&keys::crm_end(org, &end.activity_id), end)?;
    listed(
        store,
        &keys::crm_lead_ends(org, &end.lead_id),
        &end.activity_id,
    )?;
    listed(store, &keys::attach_queue(org), &end.activity_id)
}

/// Adds `id` to the list at `key` (once).
fn listed(store: &Store, key: &str, id: &str) -> Result<(), Failure> {
    store.update(key, |mut ids: Vec<String>| {
        Ok(if ids.iter().any(|i| i == id) {
            Change::Keep(())
        } else {
            ids.push(id.to_owned());
            Change::Write(ids, ())
        })
    })
}

/// A recording's error of this request, by recording id.
type Errors = Vec<(String, String)>;

/// Uploads and attaches `end`'s recordings in order while the budget lasts;
/// answers the errors met, by recording.
async fn attach_within(
    store: &Store,
    org: &OrgId,
    cfg: &CrmConfig,
    end: &EndAttachments,
    budget: Budget,
) -> Errors {
    let mut errors = Errors::new();
    for (index, recording) in end.recordings.iter().enumerate() {
        match attach_one(store, org, cfg, end, index, budget).await {
            Ok(()) => {}
            Err(Stop::Budget) => break,
            Err(Stop::Failed(e)) => errors.push((recording.id.clone(), e.message)),
            Err(Stop::All(e)) => {
                errors.push((recording.id.clone(), e.message));
                break;
            }
        }
    }
    errors
}

/// Why a recording was left.
enum Stop {
    /// The budget is spent.
    Budget,
    /// This recording failed; try the next.
    Failed(Failure),
    /// Every recording would fail the same way (configuration, the activity type).
    All(Failure),
}

impl From<Failure> for Stop {
    fn from(e: Failure) -> Self {
        Stop::Failed(e)
    }
}

/// A CRM error as a [`Stop`], naming the recording.
fn crm_stop(e: CrmError) -> Stop {
    let everyone = matches!(
        e,
        CrmError::AttachmentsNotAllowed { .. } | CrmError::Misconfigured { .. }
    );
    let failure = Failure::new(e.status(), "crm_error", None, e.to_string());
    if everyone {
        Stop::All(failure)
    } else {
        Stop::Failed(failure)
    }
}

/// Takes recording `index` of `end` as far as it goes: upload, attach.
async fn attach_one(
    store: &Store,
    org: &OrgId,
    cfg: &CrmConfig,
    end: &EndAttachments,
    index: usize,
    budget: Budget,
) -> Result<(), Stop> {
    let recording = &end.recordings[index];
    let key = keys::crm_attachment(org, &recording.id);
    if bytes_removed(store, org, &recording.id)? {
        withdraw(store, org, &recording.id)?;
        return Ok(());
    }
    let mut retries = 0;
    loop {
        let left = budget.left_ms();
        let at = now()?;
        let step = store.update(&key, |current: Option<AttachmentState>| {
            let step = next_step(current.as_ref(), at);
            Ok(match &step {
                Step::Upload if left >= MIN_CALL_MS => {
                    Change::Write(Some(AttachmentState::Uploading { since: at }), step)
                }
                Step::Attach { file } if left >= ATTACH_RESERVE_MS.min(cfg.timeout_ms) => {
                    Change::Write(
                        Some(AttachmentState::Attaching {
                            file: file.clone(),
                            since: at,
                        }),
                        step,
                    )
                }
                Step::Upload | Step::Attach { .. } => Change::Keep(Step::Busy),
                // An interrupted step is kept as what it stands for (a dead attach: unknown).
                _ => {
                    let now_is = settled(current.as_ref(), at);
                    if now_is == current {
                        Change::Keep(step)
                    } else {
                        Change::Write(now_is, step)
                    }
                }
            })
        })?;
        let timed = CrmConfig {
            timeout_ms: cfg.timeout_ms.min(left.max(1)),
            ..cfg.clone()
        };
        match step {
            Step::Done => return Ok(()),
            Step::Busy if left < ATTACH_RESERVE_MS.min(cfg.timeout_ms) => return Err(Stop::Budget),
            Step::Busy => return Ok(()),
            Step::Upload => {
                let uploaded = upload(store, org, &timed, end, index).await;
                let state = uploaded
                    .as_ref()
                    .ok()
                    .map(|file| AttachmentState::Uploaded { file: file.clone() });
                store.set(&key, &state)?;
                uploaded?;
            }
            Step::Attach { file } => {
                let attachment = NewAttachment {
                    prospect_activity_id: end.activity_id.clone(),
                    attachment_name: attachment_name(index, end.recordings.len(), recording),
                    description: attachment_description(recording),
                    attachment_file: file.clone(),
                };
                let added = add_attachment(&timed, &end.lead_id, &attachment).await;
                let state = match &added {
                    Ok(id) => AttachmentState::Attached {
                        file,
                        attachment_id: Some(id.clone()),
                    },
                    Err(e) if e.outcome_unknown() => AttachmentState::Unknown { file },
                    // Refused or rate limited: nothing was attached.
                    Err(_) => AttachmentState::Uploaded { file },
                };
                store.set(&key, &Some(state))?;
                match added {
                    Ok(_) => return Ok(()),
                    Err(CrmError::RateLimited { retry_after_s, .. }) => {
                        let retry_after = retry_after_s.map(|s| s.to_string());
                        match backoff::after_429(retries, cfg.max_retries, retry_after.as_deref())
                        {
                            backoff::Next::Retry { after_ms }
                                if after_ms + ATTACH_RESERVE_MS.min(cfg.timeout_ms)
                                    <= budget.left_ms() =>
                            {
                                std::thread::sleep(Duration::from_millis(after_ms));
                                retries += 1;
                            }
                            _ => {
                                return Err(Stop::Failed(Failure::new(
                                    503,
                                    "crm_error",
                                    None,
                                    "CRM: attaching a file: the CRM is rate limiting us (HTTP 429); the drain attaches it later",
                                )))
                            }
                        }
                    }
                    Err(e) => return Err(crm_stop(e)),
                }
            }
        }
    }
}

/// Whether recording `id`'s bytes are removed (or expired and not swept yet).
fn bytes_removed(store: &Store, org: &OrgId, id: &str) -> Result<bool, Failure> {
    let Some(meta) = store
        .get::<Option<StoredUpload>>(&keys::upload(org, id))?
        .flatten()
    else {
        return Ok(false);
    };
    let retention = crate::settings::retention_days(store, org)?;
    Ok(matches!(
        bytes_at(&meta, retention, now()?),
        Bytes::Removed(_)
    ))
}

/// Stops sending recording `id` to the CRM, its bytes being removed: a
/// recording nothing was sent of, or only the file (not attached), becomes
/// `removed`; one being sent, attached or of unknown outcome is left as it
/// is. Answers the state it is left in.
pub fn withdraw(store: &Store, org: &OrgId, id: &str) -> Result<Option<AttachmentState>, Failure> {
    let at = now()?;
    store.update(
        &keys::crm_attachment(org, id),
        |current: Option<AttachmentState>| {
            Ok(match settled(current.as_ref(), at) {
                None => {
                    let removed = Some(AttachmentState::Removed { file: None });
                    Change::Write(removed.clone(), removed)
                }
                Some(AttachmentState::Uploaded { file }) => {
                    let removed = Some(AttachmentState::Removed { file: Some(file) });
                    Change::Write(removed.clone(), removed)
                }
                other => Change::Keep(other),
            })
        },
    )
}

/// Uploads recording `index` of `end` from the store; answers the file.
async fn upload(
    store: &Store,
    org: &OrgId,
    cfg: &CrmConfig,
    end: &EndAttachments,
    index: usize,
) -> Result<String, Stop> {
    let recording = &end.recordings[index];
    let (meta, bytes) = stored(store, org, &recording.id)?;
    let kind = meta
        .content_type
        .unwrap_or_else(|| content_type(&bytes[..bytes.len().min(64)], None));
    let name = file_name(&recording.id, &kind);
    let file = FileUpload {
        file_name: &name,
        content_type: &kind,
        bytes: &bytes,
        event_code: end.event_code,
        boundary_seed: &meta.sha256,
    };
    upload_file(cfg, &end.lead_id, &file)
        .await
        .map_err(crm_stop)
}

/// Each recording of `end` as the answers show it: `{recording, state,
/// attachment_id, file, download, error}`.
pub fn report(
    store: &Store,
    org: &OrgId,
    end: &EndAttachments,
    errors: &Errors,
) -> Result<Value, Failure> {
    let at = now()?;
    let mut list = Vec::new();
    for recording in &end.recordings {
        let state: Option<AttachmentState> = store
            .get::<Option<AttachmentState>>(&keys::crm_attachment(org, &recording.id))?
            .flatten();
        let mut item = json!({
            "recording": recording.id,
            "state": outcome(state.as_ref(), at),
            "download": format!("/recordings/{}", recording.id),
        });
        match settled(state.as_ref(), at) {
            Some(AttachmentState::Attached {
                file,
                attachment_id,
            }) => {
                item["attachment_id"] = json!(attachment_id);
                item["file"] = json!(file);
            }
            Some(AttachmentState::Unknown { file }) => item["file"] = json!(file),
            _ => {}
        }
        if let Some((_, error)) = errors.iter().find(|(id, _)| *id == recording.id) {
            item["error"] = json!(error);
        }
        list.push(item);
    }
    Ok(Value::Array(list))
}

/// The states of `end`'s recordings, by id.
fn states(
    store: &Store,
    org: &OrgId,
    end: &EndAttachments,
) -> Result<Vec<(String, Option<AttachmentState>)>, Failure> {
    end.recordings
        .iter()
        .map(|r| {
            let state = store
                .get::<Option<AttachmentState>>(&keys::crm_attachment(org, &r.id))?
                .flatten();
            Ok((r.id.clone(), state))
        })
        .collect()
}

/// The Ends of lead `lead` whose recordings go to the CRM.
pub fn lead_ends(store: &Store, org: &OrgId, lead: &str) -> Result<Vec<EndAttachments>, Failure> {
    let ids: Vec<String> = store
        .get(&keys::crm_lead_ends(org, lead))?
        .unwrap_or_default();
    let mut ends = Vec::new();
    for id in ids {
        if let Some(end) = store.get::<EndAttachments>(&keys::crm_end(org, &id))? {
            ends.push(end);
        }
    }
    Ok(ends)
}

/// The Ends of lead `lead` with their recordings' outcomes, by activity id.
pub fn of_lead(store: &Store, org: &OrgId, lead: &str) -> Result<Vec<(String, Value)>, Failure> {
    lead_ends(store, org, lead)?
        .into_iter()
        .map(|end| {
            Ok((
                end.activity_id.clone(),
                report(store, org, &end, &Errors::new())?,
            ))
        })
        .collect()
}

/// The body of `POST /meetings/attachments`: empty (drain), or a person's
/// word on a recording of unknown outcome.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrainBody {
    /// A recording of unknown outcome, once looked for in the CRM.
    #[serde(default)]
    pub resolve: Option<Resolution>,
}

/// A person's word on a recording whose Attachment/Add outcome is unknown.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    /// The End activity (its id in the CRM).
    pub activity_id: String,
    /// The recording.
    pub recording: String,
    /// Whether the End activity in the CRM has the recording attached.
    pub found_in_crm: bool,
}

/// `POST /meetings/attachments`: attaches the org's pending recordings while
/// the budget lasts; answers `{pending, unknown, ends: [{activity_id,
/// lead, attachments}]}`. With `resolve`, first takes a person's word on a
/// recording of unknown outcome (not found: it is attached again).
pub async fn drain(
    store: &Store,
    org: &OrgId,
    cfg: &CrmConfig,
    body: DrainBody,
    budget: Budget,
) -> Result<Value, Failure> {
    if let Some(word) = body.resolve {
        resolve_one(store, org, &word)?;
    }
    let queue: Vec<String> = store.get(&keys::attach_queue(org))?.unwrap_or_default();
    let (mut ends, mut still, mut unknown) = (Vec::new(), 0, 0);
    for id in queue {
        let Some(end) = store.get::<EndAttachments>(&keys::crm_end(org, &id))? else {
            continue;
        };
        let errors = attach_within(store, org, cfg, &end, budget).await;
        let at = now()?;
        let states = states(store, org, &end)?;
        let left = pending(&states, at).len();
        unknown += states
            .iter()
            .filter(|(_, s)| outcome(s.as_ref(), at) == Outcome::Unknown)
            .count();
        still += left;
        if left == 0 {
            store.update(&keys::attach_queue(org), |mut ids: Vec<String>| {
                ids.retain(|i| *i != id);
                Ok(Change::Write(ids, ()))
            })?;
        }
        ends.push(json!({
            "activity_id": end.activity_id,
            "lead": end.lead_id,
            "attachments": report(store, org, &end, &errors)?,
        }));
    }
    Ok(json!({ "pending": still, "unknown": unknown, "ends": ends }))
}

/// Takes a person's word on a recording of unknown outcome.
fn resolve_one(store: &Store, org: &OrgId, word: &Resolution) -> Result<(), Failure> {
    let end = store
        .get::<EndAttachments>(&keys::crm_end(org, &word.activity_id))?
        .filter(|end| end.recordings.iter().any(|r| r.id == word.recording))
        .ok_or_else(|| {
            Failure::not_found(
                "resolve.recording",
                format!(
                    "End activity `{}` carries no recording `{}` for the CRM",
                    word.activity_id, word.recording
                ),
            )
        })?;
    let at = now()?;
    store.update(
        &keys::crm_attachment(org, &word.recording),
        |current: Option<AttachmentState>| {
            resolve(&word.recording, current.as_ref(), word.found_in_crm, at)
                .map(|state| Change::Write(Some(state), ()))
                .map_err(|e| {
                    Failure::new(409, "not_unknown", Some("resolve.recording"), e.to_string())
                })
        },
    )?;
    listed(store, &keys::attach_queue(org), &end.activity_id)
}

/// `POST /meetings/attachments` (the drain; `activity_store` = `crm` only):
/// 200 `{pending, unknown, ends}`; 404 `resolve.recording` unknown; 409 a
/// recording resolved that is not of unknown outcome.
pub async fn post(
    req: &spin_sdk::http::Request,
    org: &OrgId,
) -> Result<spin_sdk::http::Response, Failure> {
    let arrived = Clock::now();
    if crate::config::store_kind()? != crate::config::StoreKind::Crm {
        return Err(Failure::not_found(
            "activity_store",
            "POST /meetings/attachments exists only when `activity_store` is `crm`",
        ));
    }
    let body: DrainBody = if req.body().iter().all(u8::is_ascii_whitespace) {
        DrainBody::default()
    } else {
        crate::request::json_body(req.body())?
    };
    if let Some(word) = &body.resolve {
        crate::request::checked_id("resolve.recording", &word.recording)?;
    }
    let cfg = crate::config::crm_config()?;
    let budget = Budget::from(arrived, crate::config::attach_budget_ms()?);
    let store = Store::open()?;
    let answer = drain(&store, org, &cfg, body, budget).await?;
    Ok(crate::reply::json(200, &answer))
}
