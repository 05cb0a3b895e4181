//! `POST /leads/{id}/erasure` (admin key): erases every recording of one
//! lead ([`recrules_sdk::lifecycle::erasure`]).
//!
//! The erasure holds the lead as a Start or End does ([`hold_lead`]), so it
//! runs wholly before or wholly after an End posted on that lead: an End
//! answered before it has its recordings erased; one that comes after it
//! carries recordings the erasure never covered. It is idempotent, and each
//! call leaves an [`ErasureRecord`] (who asked, when, how much went) in the
//! lead's list at [`keys::erasures`]. With the CRM, the copies the CRM holds
//! as attachments are listed in the answer for the admin to remove there;
//! recordings not sent yet are withdrawn ([`attachments::withdraw`]).

use recrules_lapp_support::store::Change;
use recrules_sdk::attachment::AttachmentState;
use recrules_sdk::lifecycle::erasure::{check_requested_by, covered, erase, Erase, ErasureRecord};
use recrules_sdk::meeting::PostedActivity;
use recrules_sdk::otp::OrgId;
use recrules_sdk::plan::RecordingMeta;
use recrules_sdk::upload::StoredUpload;
use serde::Deserialize;
use serde_json::{json, Value};
use spin_sdk::http::{Request, Response};

use crate::attachments::{self, lead_ends};
use crate::backend::Backend;
use crate::holds::hold_lead;
use crate::keys;
use crate::removal::delete_chunks;
use crate::reply::{json, Failure, Store};
use crate::request::{checked_id, json_body, now, random_id};

/// The body of `POST /leads/{id}/erasure`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ErasureBody {
    /// Who asked for it (a person, a ticket).
    requested_by: String,
}

/// `POST /leads/{id}/erasure`: 200 `{erasure, crm_copies}`; 400 bad
/// `requested_by`; 404 unknown lead; 409 `lead_busy`.
pub async fn post(req: &Request, org: &OrgId, lead: &str) -> Result<Response, Failure> {
    checked_id("lead", lead)?;
    let body: ErasureBody = json_body(req.body())?;
    let requested_by = check_requested_by(&body.requested_by)
        .map_err(|e| Failure::bad(e.field(), e.to_string()))?;
    let store = Store::open()?;
    let backend = Backend::choose(&store, org)?;
    backend.lead(lead).await?;
    let id = random_id("E")?;
    let held = hold_lead(&store, org, lead, &id)?;
    let answer = erase_lead(&store, org, &backend, lead, &id, &requested_by);
    let _ = held.release(&store);
    let (record, crm_copies) = answer?;
    Ok(json(
        200,
        &json!({ "erasure": record, "crm_copies": crm_copies }),
    ))
}

/// Erases the recordings of `lead`'s activities while the lead is held.
fn erase_lead(
    store: &Store,
    org: &OrgId,
    backend: &Backend<'_>,
    lead: &str,
    id: &str,
    requested_by: &str,
) -> Result<(ErasureRecord, Vec<Value>), Failure> {
    let at = now()?;
    let (recordings, crm) = match backend {
        Backend::Kv { .. } => {
            let history: Vec<PostedActivity> =
                store.get(&keys::history(org, lead))?.unwrap_or_default();
            let all: Vec<(String, RecordingMeta)> = history
                .into_iter()
                .flat_map(|p| {
                    let activity = p.id;
                    p.activity
                        .recordings
                        .into_iter()
                        .map(move |r| (activity.clone(), r))
                })
                .collect();
            (all, false)
        }
        Backend::Crm { .. } => {
            let all = lead_ends(store, org, lead)?
                .into_iter()
                .flat_map(|end| {
                    let activity = end.activity_id;
                    end.recordings
                        .into_iter()
                        .map(move |r| (activity.clone(), r))
                })
                .collect();
            (all, true)
        }
    };
    let ids = covered(recordings.iter().map(|(_, r)| r));
    let mut record = ErasureRecord::new(id, lead, requested_by, at);
    let mut crm_copies = Vec::new();
    for recording in &ids {
        let done = store.update(
            &keys::upload(org, recording),
            |current: Option<StoredUpload>| {
                let done = erase(current.as_ref(), id, at);
                Ok(match &done {
                    Erase::Remove { marked, .. } => {
                        Change::Write(Some(marked.clone()), (done, current))
                    }
                    _ => Change::Keep((done, current)),
                })
            },
        )?;
        if let (Erase::Remove { .. }, Some(before)) = &done {
            delete_chunks(store, org, recording, before)?;
        }
        record.count(&done.0);
        if crm {
            if let Some(copy) = crm_copy(store, org, recording, &recordings)? {
                record.crm_copies += 1;
                crm_copies.push(copy);
            }
        }
    }
    store.update(
        &keys::erasures(org, lead),
        |mut list: Vec<ErasureRecord>| {
            list.push(record.clone());
            Ok(Change::Write(list, ()))
        },
    )?;
    Ok((record, crm_copies))
}

/// With the CRM: withdraws `recording` if nothing of it was attached yet,
/// and answers what the CRM holds (or may hold) of it, for the admin.
fn crm_copy(
    store: &Store,
    org: &OrgId,
    recording: &str,
    all: &[(String, RecordingMeta)],
) -> Result<Option<Value>, Failure> {
    let activity = all
        .iter()
        .find(|(_, r)| r.id == recording)
        .map(|(a, _)| a.as_str());
    let copy = |state: &str, file: Option<&str>, attachment: Option<&str>| {
        json!({
            "recording": recording,
            "activity_id": activity,
            "state": state,
            "file": file,
            "attachment_id": attachment,
        })
    };
    Ok(match attachments::withdraw(store, org, recording)? {
        None | Some(AttachmentState::Removed { file: None }) => None,
        Some(
            AttachmentState::Removed { file: Some(file) } | AttachmentState::Uploaded { file },
        ) => Some(copy("uploaded", Some(&file), None)),
        Some(AttachmentState::Attached {
            file,
            attachment_id,
        }) => Some(copy("attached", Some(&file), attachment_id.as_deref())),
        Some(AttachmentState::Unknown { file }) => Some(copy("unknown", Some(&file), None)),
        Some(AttachmentState::Attaching { file, .. }) => Some(copy("attaching", Some(&file), None)),
        Some(AttachmentState::Uploading { .. }) => Some(copy("uploading", None, None)),
    })
}
