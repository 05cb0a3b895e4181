//! Where leads and activities live, chosen by `activity_store`: the Spin
//! state store (`kv`: SQLite or PostgreSQL) or the CRM (`crm`). Handlers use
//! [`Backend`] and do not care which.
//!
//! In `kv`, a lead is the versioned record `{org}/meetings/lead/{id}`
//! (`{"id", "fields"}`, created by compare-and-swap) and its
//! activities are one versioned record `{org}/meetings/history/{id}`: a list
//! of [`PostedActivity`], appended by compare-and-swap, so concurrent posts
//! never lose one another. Each activity's note carries the request that
//! posted it ([`request_tag`]), as in the CRM, so a retry finds it
//! ([`crate::recover`]).
//!
//! In `crm`, [`recrules_crm`] reads leads and histories and creates
//! activities. The CRM records the API key's owner as every activity's
//! author, so the user who posted each activity this Lapp creates is kept in
//! the store (`{org}/meetings/crm-author/{activity id}`) and put back on the
//! history it reads: the rules pair an End with its user's Start (rule 15).
//! So is the consent evidence of an activity that has one
//! (`{org}/meetings/consent/{hash of the activity id}`; its note shows it to
//! people): the End of a Dual-mode meeting carries its Start's, and the
//! listing shows it.
//! Each activity it creates carries its request in its note
//! ([`request_tag`]), and the draft is kept beforehand under the request's
//! key (`{org}/meetings/crm-posting/{key}`): a retry taking over the claim of
//! a request that died after the CRM created its activity finds it there
//! ([`Backend::posted_by`], [`crate::recover`]) instead of posting it again,
//! and so does the retry of a request whose Create failed without telling
//! whether the CRM created the activity ([`CrmError::outcome_unknown`]).
//! Its errors answer their own status ([`recrules_crm::CrmError::status`]:
//! 404 unknown lead, 502 CRM error, 503 rate limited, 504 timeout).

use recrules_crm::{
    create_activity, get_lead, retrieve_history, CrmConfig, CrmError, HistoryActivity, NewActivity,
};
use recrules_lapp_support::store::Change;
use recrules_sdk::consent::Consent;
use recrules_sdk::lead::{Activity, Lead};
use recrules_sdk::meeting::{request_tag, tagged_note, ActivityDraft, PostedActivity};
use recrules_sdk::otp::OrgId;
use serde_json::Value;

use crate::config::{crm_config, store_kind, StoreKind};
use crate::keys;
use crate::reply::{Failure, Store};
use crate::request::random_id;

/// The backend of one request.
pub enum Backend<'s> {
    /// Leads and activities in the Lapps' state store.
    Kv {
        /// The store.
        store: &'s Store,
        /// The org.
        org: OrgId,
    },
    /// Leads and activities in the CRM.
    Crm {
        /// How to reach it.
        cfg: CrmConfig,
        /// The store keeping the authors of the activities this Lapp posted.
        store: &'s Store,
        /// The org.
        org: OrgId,
    },
}

impl<'s> Backend<'s> {
    /// The backend `activity_store` names, for `org`.
    pub fn choose(store: &'s Store, org: &OrgId) -> Result<Self, Failure> {
        Ok(match store_kind()? {
            StoreKind::Kv => Backend::Kv {
                store,
                org: org.clone(),
            },
            StoreKind::Crm => Backend::Crm {
                cfg: crm_config()?,
                store,
                org: org.clone(),
            },
        })
    }

    /// The lead, or 404 naming `lead`.
    pub async fn lead(&self, id: &str) -> Result<Lead, Failure> {
        match self {
            Backend::Kv { store, org } => store
                .get::<Option<Lead>>(&keys::lead(org, id))?
                .flatten()
                .ok_or_else(|| {
                    Failure::not_found(
                        "lead",
                        format!("no lead `{id}`: create it with POST /leads first"),
                    )
                }),
            Backend::Crm { cfg, .. } => get_lead(cfg, id).await.map_err(crm_failure),
        }
    }

    /// The lead's activities, as the rules read them.
    pub async fn history(&self, id: &str) -> Result<Vec<Activity>, Failure> {
        match self {
            Backend::Kv { store, org } => {
                Ok(posted(store, org, id)?.iter().map(as_activity).collect())
            }
            Backend::Crm { cfg, store, org } => Ok(crm_history(cfg, store, org, id)
                .await?
                .into_iter()
                .map(|logged| logged.activity)
                .collect()),
        }
    }

    /// The lead's activities as the client reads them (`GET /leads/{id}/activities`).
    /// Crm: each with its note, and the consent evidence of those this Lapp
    /// posted with one.
    pub async fn listing(&self, id: &str) -> Result<Value, Failure> {
        match self {
            Backend::Kv { store, org } => {
                self.lead(id).await?;
                to_json(&posted(store, org, id)?)
            }
            Backend::Crm { cfg, store, org } => {
                let mut listed = Vec::new();
                for logged in crm_history(cfg, store, org, id).await? {
                    let mut item = to_json(&logged.activity)?;
                    if Consent::is_noted_in(&logged.note) {
                        let key = keys::consent(org, &logged.activity.id);
                        if let Some(consent) = store.get::<Consent>(&key)? {
                            item["consent"] = to_json(&consent)?;
                        }
                    }
                    item["note"] = Value::from(logged.note);
                    listed.push(item);
                }
                Ok(Value::Array(listed))
            }
        }
    }

    /// The consent evidence of the Start `start_id` of lead `lead_id`, for
    /// its End to carry: kv, from the lead's history; Crm, from the record
    /// its post kept.
    pub async fn start_consent(
        &self,
        lead_id: &str,
        start_id: &str,
    ) -> Result<Option<Consent>, Failure> {
        match self {
            Backend::Kv { store, org } => Ok(posted(store, org, lead_id)?
                .into_iter()
                .find(|p| p.id == start_id)
                .and_then(|p| p.activity.consent)),
            Backend::Crm { store, org, .. } => store.get(&keys::consent(org, start_id)),
        }
    }

    /// Posts an activity for the request `by` (its idempotency key); answers
    /// its id. A failure after which the activity may exist all the same
    /// (the CRM timed out, failed with a 5xx or answered garbage after the
    /// Create was sent) is marked [`Failure::outcome_unknown`]; any other
    /// failure means nothing was posted.
    pub async fn post(&self, draft: &ActivityDraft, by: &str) -> Result<String, Failure> {
        match self {
            Backend::Kv { store, org } => {
                let id = random_id("A")?;
                let key = keys::history(org, &draft.lead_id);
                let activity = ActivityDraft {
                    note: tagged_note(&draft.note, &request_tag(org, by)),
                    ..draft.clone()
                };
                store.update(&key, |mut list: Vec<PostedActivity>| {
                    list.push(PostedActivity {
                        id: id.clone(),
                        activity: activity.clone(),
                    });
                    Ok(Change::Write(list, ()))
                })?;
                Ok(id)
            }
            Backend::Crm { cfg, store, org } => {
                store.set(&keys::crm_posting(org, by), draft)?;
                let activity = NewActivity {
                    lead_id: draft.lead_id.clone(),
                    event_code: draft.event_code,
                    note: tagged_note(&draft.note, &request_tag(org, by)),
                    at: draft.created_on,
                    fields: draft.fields.clone().into_iter().collect(),
                };
                let id = create_activity(cfg, &activity).await.map_err(|e| {
                    let unknown = e.outcome_unknown();
                    let failure = crm_failure(e);
                    if unknown {
                        failure.outcome_unknown()
                    } else {
                        failure
                    }
                })?;
                // Created: a failure to keep its author or its consent
                // leaves the request's retry to find it ([`Backend::posted_by`]
                // keeps them).
                kept(store, org, &id, draft).map_err(Failure::outcome_unknown)?;
                Ok(id)
            }
        }
    }

    /// Crm: the activity the request `by` posted, if the CRM created it: the
    /// draft kept before the post, with the id of the activity of the
    /// draft's lead whose note carries the request's tag. `None` when the
    /// request never posted, or the CRM did not create it. Kv: `None` (the
    /// lead's history holds the tagged activity itself: [`crate::recover`]).
    pub async fn posted_by(&self, by: &str) -> Result<Option<PostedActivity>, Failure> {
        let Backend::Crm { cfg, store, org } = self else {
            return Ok(None);
        };
        let Some(draft) = store.get::<ActivityDraft>(&keys::crm_posting(org, by))? else {
            return Ok(None);
        };
        let tag = request_tag(org, by);
        let history = retrieve_history(cfg, &draft.lead_id)
            .await
            .map_err(crm_failure)?;
        let Some(found) = history
            .into_iter()
            .find(|logged| logged.note.contains(&tag))
        else {
            return Ok(None);
        };
        let id = found.activity.id;
        // The request may have died before it kept the author and consent.
        kept(store, org, &id, &draft)?;
        Ok(Some(PostedActivity {
            id,
            activity: draft,
        }))
    }
}

/// Crm: keeps what the CRM does not of activity `id`, created from `draft`:
/// its author, and its consent evidence (the note shows it to people).
fn kept(store: &Store, org: &OrgId, id: &str, draft: &ActivityDraft) -> Result<(), Failure> {
    store.set(&keys::crm_author(org, id), &draft.user)?;
    match &draft.consent {
        Some(consent) => store.set(&keys::consent(org, id), consent),
        None => Ok(()),
    }
}

/// Crm: the lead's history with notes, each activity's user the one who
/// posted it through this Lapp where known.
async fn crm_history(
    cfg: &CrmConfig,
    store: &Store,
    org: &OrgId,
    id: &str,
) -> Result<Vec<HistoryActivity>, Failure> {
    let mut history = retrieve_history(cfg, id).await.map_err(crm_failure)?;
    for logged in &mut history {
        if let Some(user) = store.get::<String>(&keys::crm_author(org, &logged.activity.id))? {
            logged.activity.user = Some(user);
        }
    }
    Ok(history)
}

/// Kv: the lead's posted activities, oldest first.
fn posted(store: &Store, org: &OrgId, id: &str) -> Result<Vec<PostedActivity>, Failure> {
    let mut list: Vec<PostedActivity> = store.get(&keys::history(org, id))?.unwrap_or_default();
    list.sort_by_key(|p| p.activity.created_on);
    Ok(list)
}

/// A posted activity as the rules read it; an empty user is no user.
pub fn as_activity(posted: &PostedActivity) -> Activity {
    Activity {
        id: posted.id.clone(),
        event_code: posted.activity.event_code,
        created_on: posted.activity.created_on,
        user: Some(posted.activity.user.clone()).filter(|u| !u.is_empty()),
    }
}

/// A value as JSON, or 503.
fn to_json(value: &impl serde::Serialize) -> Result<Value, Failure> {
    serde_json::to_value(value).map_err(|e| Failure::unavailable(e.to_string()))
}

/// A CRM error as the answer it earns; an unknown lead names `lead`.
fn crm_failure(e: CrmError) -> Failure {
    let status = e.status();
    let field = (status == 404).then_some("lead");
    Failure::new(status, "crm_error", field, e.to_string())
}
