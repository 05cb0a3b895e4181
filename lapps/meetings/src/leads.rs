//! `POST /leads` (kv store only) and `GET /leads/{id}/activities`.

use std::collections::BTreeMap;

use recrules_lapp_support::store::Change;
use recrules_sdk::lead::{Activity, Lead};
use recrules_sdk::meeting::{ActivityDraft, PostedActivity};
use recrules_sdk::otp::OrgId;
use serde::Deserialize;
use serde_json::{json, Value};
use spin_sdk::http::Response;

use crate::backend::Backend;
use crate::config::{store_kind, StoreKind};
use crate::keys;
use crate::reply::{json, Failure, Store};
use crate::request::{checked_id, json_body, now};
use crate::settings::retention_days;
use recrules_sdk::lifecycle::removal::{bytes_at, Bytes};
use recrules_sdk::upload::StoredUpload;

/// The body of `POST /leads`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LeadBody {
    /// The lead's id.
    id: String,
    /// Its fields (`Phone`, `Mobile`, ...).
    #[serde(default)]
    fields: BTreeMap<String, Value>,
    /// Activities it already has (imported as they are).
    #[serde(default)]
    activities: Vec<Activity>,
}

/// `POST /leads` (only with `activity_store` = `kv`): 201 created; 409 the
/// id exists; 404 with the CRM backend (leads live in the CRM).
pub fn create(body: &[u8], org: &OrgId) -> Result<Response, Failure> {
    if store_kind()? != StoreKind::Kv {
        return Err(Failure::not_found(
            "activity_store",
            "POST /leads exists only when `activity_store` is `kv`; leads live in the CRM",
        ));
    }
    let body: LeadBody = json_body(body)?;
    checked_id("id", &body.id)?;
    let store = Store::open()?;
    let lead = Lead {
        id: body.id.clone(),
        fields: body.fields,
    };
    let created = store.update(&keys::lead(org, &lead.id), |existing: Option<Lead>| {
        Ok(match existing {
            Some(_) => Change::Keep(false),
            None => Change::Write(Some(lead.clone()), true),
        })
    })?;
    if !created {
        return Err(Failure::new(
            409,
            "lead_exists",
            Some("id"),
            format!("lead `{}` exists already", lead.id),
        ));
    }
    let imported: Vec<PostedActivity> = body
        .activities
        .iter()
        .map(|a| PostedActivity {
            id: a.id.clone(),
            activity: ActivityDraft {
                lead_id: lead.id.clone(),
                event_code: a.event_code,
                user: a.user.clone().unwrap_or_default(),
                created_on: a.created_on,
                note: "imported".to_owned(),
                fields: BTreeMap::new(),
                recordings: Vec::new(),
                start_activity_id: None,
                consent: None,
            },
        })
        .collect();
    store.update(
        &keys::history(org, &lead.id),
        |mut list: Vec<PostedActivity>| {
            list.extend(imported.iter().cloned());
            Ok(Change::Write(list, ()))
        },
    )?;
    Ok(json(
        201,
        &json!({ "lead": lead, "activities": imported.len() }),
    ))
}

/// `GET /leads/{id}/activities`: 200 `{"lead": ID, "activities": [...]}`; 404 unknown lead.
pub async fn activities(org: &OrgId, id: &str) -> Result<Response, Failure> {
    checked_id("lead", id)?;
    let store = Store::open()?;
    let backend = Backend::choose(&store, org)?;
    let mut activities = backend.listing(id).await?;
    if let Backend::Crm { .. } = backend {
        // Each End's recordings as the CRM holds them: attached (with the
        // attachment's id), pending or unknown.
        for (end, attachments) in crate::attachments::of_lead(&store, org, id)? {
            if let Some(activity) = activities
                .as_array_mut()
                .into_iter()
                .flatten()
                .find(|a| a["id"] == end.as_str())
            {
                activity["attachments"] = attachments;
            }
        }
    }
    mark_removals(&store, org, &mut activities)?;
    Ok(json(200, &json!({ "lead": id, "activities": activities })))
}

/// Adds, to each recording listed (an activity's `recordings`, a CRM End's
/// `attachments`) whose bytes were removed, `removed`: when and why
/// ([`recrules_sdk::lifecycle::removal`]). The activity keeps its fields.
fn mark_removals(store: &Store, org: &OrgId, activities: &mut Value) -> Result<(), Failure> {
    let retention = retention_days(store, org)?;
    let at = now()?;
    for activity in activities.as_array_mut().into_iter().flatten() {
        for (list, id_key) in [
            ("/activity/recordings", "id"),
            ("/recordings", "id"),
            ("/attachments", "recording"),
        ] {
            let items = activity.pointer_mut(list).and_then(Value::as_array_mut);
            for item in items.into_iter().flatten() {
                let Some(id) = item.get(id_key).and_then(Value::as_str) else {
                    continue;
                };
                let meta = store
                    .get::<Option<StoredUpload>>(&keys::upload(org, id))?
                    .flatten();
                if let Some(Bytes::Removed(removal)) = meta.map(|m| bytes_at(&m, retention, at)) {
                    item["removed"] = json!(removal);
                }
            }
        }
    }
    Ok(())
}
