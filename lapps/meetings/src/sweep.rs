//! `POST /maintenance/sweep` (admin key): one bounded step of the
//! maintenance pass over the org's state ([`recrules_sdk::lifecycle::sweep`]).
//!
//! Each call walks at most `limit` of the org's records in key order from
//! `cursor` and answers what it did, the `cursor` to call with next and how
//! many records are `remaining` after it; `done` once it walked to the end.
//! The platform runs it on a schedule, from the start again once done
//! (`recrules-host up --sweep-every` does so on one machine). Per record:
//!
//! - a recording past `RecordingRetentionDays`: its bytes go, its metadata is marked;
//! - a chunk no committed recording reads, once no upload is under way;
//!   a lapsed upload mark; a lapsed lead hold; a sweep's dead guard;
//! - held state (a recording held by an End, a Start's claim, a used OTP
//!   approval, a CRM post's draft) of a request whose record is gone:
//!   released under a guard on the request's key, so a retry meanwhile
//!   waits (409 `request_in_progress`) instead of running half released;
//! - a request abandoned for an hour: resolved as its retry would resolve
//!   it ([`posted_earlier`]): what it posted is kept as its answer, and if
//!   it posted nothing its record goes (its held state is released when the
//!   walk meets it again). If the CRM cannot tell, it is left as it was.

use recrules_lapp_support::store::Change;
use recrules_sdk::idempotency::{done, KeyRecord};
use recrules_sdk::lifecycle::removal::removed;
use recrules_sdk::lifecycle::sweep::{
    decide, effective, guard, owner, resolving, Action, Owner, Record,
};
use recrules_sdk::meeting::{ApprovalSlot, Hold};
use recrules_sdk::otp::OrgId;
use recrules_sdk::time::Instant;
use recrules_sdk::upload::StoredUpload;
use serde::{Deserialize, Serialize};
use serde_json::json;
use spin_sdk::http::{Request, Response};

use crate::attachments::withdraw;
use crate::keys;
use crate::recover::posted_earlier;
use crate::removal::remove_bytes;
use crate::reply::{json, Failure, Store};
use crate::request::{json_body, now};
use crate::settings::retention_days;

/// Records walked per call when the body names no `limit`.
pub const DEFAULT_LIMIT: u32 = 200;
/// The most records one call may walk.
pub const MAX_LIMIT: u32 = 2000;

/// The body of `POST /maintenance/sweep` (empty: from the start, [`DEFAULT_LIMIT`]).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepBody {
    /// Where the previous call stopped (its answer's `cursor`).
    #[serde(default)]
    cursor: Option<String>,
    /// How many records to walk.
    #[serde(default)]
    limit: Option<u32>,
}

/// What one call did.
#[derive(Debug, Default, Serialize)]
struct Tally {
    /// Records walked.
    examined: u32,
    /// Recordings whose bytes were removed on expiry.
    expired: u32,
    /// Bytes those held.
    expired_bytes: u64,
    /// Chunks of uploads that never committed, or of removed recordings.
    chunks: u32,
    /// Recording holds, Start claims and CRM drafts of gone requests.
    released: u32,
    /// OTP approvals given back (or removed) from gone requests.
    approvals: u32,
    /// Lapsed lead holds, upload marks and dead sweep guards.
    lapsed: u32,
    /// Abandoned requests found posted (their answer kept).
    resolved_posted: u32,
    /// Abandoned requests found not posted (their record removed).
    resolved_not_posted: u32,
    /// Abandoned requests left as they were: the CRM could not tell, or
    /// the record predates the route and lead being kept.
    unresolved: u32,
    /// Records left because something changed them meanwhile; the next pass sees them again.
    raced: u32,
    /// Records that could not be swept (`error` says why for the first); the next pass tries again.
    failed: u32,
}

/// `POST /maintenance/sweep`: 200 `{examined, ..., cursor, remaining, done}`;
/// 400 bad `cursor` or `limit`.
pub async fn post(req: &Request, org: &OrgId) -> Result<Response, Failure> {
    let body: SweepBody = if req.body().iter().all(u8::is_ascii_whitespace) {
        SweepBody::default()
    } else {
        json_body(req.body())?
    };
    let prefix = format!("{}/", org.as_str());
    let limit = body.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Failure::bad(
            "limit",
            format!("`limit` must be 1 to {MAX_LIMIT} records per call; it was {limit}"),
        ));
    }
    let after = match body.cursor {
        None => prefix.clone(),
        Some(cursor) if cursor.starts_with(&prefix) => cursor,
        Some(_) => {
            return Err(Failure::bad(
                "cursor",
                "`cursor` is not one this org's sweep answered: give the `cursor` of the previous answer, or none to start over",
            ))
        }
    };
    let store = Store::open()?;
    let retention = retention_days(&store, org)?;
    let page = store.scan(&prefix, &after, limit)?;
    let mut tally = Tally::default();
    let mut first_error = None;
    for (key, version) in &page {
        tally.examined += 1;
        let rest = &key[prefix.len()..];
        // One record that cannot be swept (unreadable, a store error) does
        // not hold up the walk: it is counted, and the next pass meets it again.
        if let Err(failure) =
            sweep_one(&store, org, key, rest, *version, retention, &mut tally).await
        {
            tally.failed += 1;
            first_error.get_or_insert_with(|| format!("`{key}`: {}", failure.body()["message"]));
        }
    }
    let (cursor, remaining) = match page.last() {
        Some((last, _)) if page.len() == limit as usize => match store.count(&prefix, last)? {
            0 => (None, 0),
            left => (Some(last.clone()), left),
        },
        _ => (None, 0),
    };
    let mut answer =
        serde_json::to_value(&tally).map_err(|e| Failure::unavailable(e.to_string()))?;
    answer["cursor"] = json!(cursor);
    answer["remaining"] = json!(remaining);
    answer["done"] = json!(cursor.is_none());
    answer["error"] = json!(first_error);
    Ok(json(200, &answer))
}

/// What a key names, after the org's prefix.
enum Kind<'k> {
    Recording(&'k str),
    Chunk { id: &'k str, sha256: &'k str },
    UploadMark,
    Request(&'k str),
    StartClaim,
    LeadHold,
    RecordingHold,
    CrmPosting(&'k str),
    Approval,
}

/// Reads a key (without the org's prefix) as [`keys`] writes them; `None`
/// for records the sweep leaves alone (settings, leads, histories, the CRM's
/// attachment records, OTP phone records, erasures...).
fn kind(rest: &str) -> Option<Kind<'_>> {
    let parts: Vec<&str> = rest.split('/').collect();
    Some(match parts.as_slice() {
        ["meetings", "recording", id] => Kind::Recording(id),
        ["meetings", "recording", id, sha256, _] => Kind::Chunk { id, sha256 },
        ["meetings", "upload-mark", _, _] => Kind::UploadMark,
        ["meetings", "idempotency", key] => Kind::Request(key),
        ["meetings", "start-closed", _] => Kind::StartClaim,
        ["meetings", "lead-hold", _] => Kind::LeadHold,
        ["meetings", "attached", _] => Kind::RecordingHold,
        ["meetings", "crm-posting", key] => Kind::CrmPosting(key),
        ["otp", "approval", _, _, _] => Kind::Approval,
        _ => return None,
    })
}

/// Sweeps one record.
async fn sweep_one(
    store: &Store,
    org: &OrgId,
    key: &str,
    rest: &str,
    version: i64,
    retention: Option<u32>,
    tally: &mut Tally,
) -> Result<(), Failure> {
    let Some(kind) = kind(rest) else {
        return Ok(());
    };
    let at = now()?;
    if let Kind::Chunk { id, sha256 } = kind {
        // Mark first, then the commit: an upload deletes its mark only after committing.
        let mark: Option<Instant> = store.get(&keys::upload_mark(org, id, sha256))?;
        let committed = store
            .get::<Option<StoredUpload>>(&keys::upload(org, id))?
            .flatten();
        let record = Record::Chunk {
            sha256: sha256.to_owned(),
            mark,
            committed,
        };
        if decide(&record, None, retention, at) == Action::Remove {
            made(
                store.remove_at(key, version)?,
                &mut tally.chunks,
                &mut tally.raced,
            );
        }
        return Ok(());
    }
    let Some((read_version, bytes)) = store.get_versioned(key)? else {
        return Ok(());
    };
    if read_version != version {
        tally.raced += 1;
        return Ok(());
    }
    let parse = |what| {
        move |e: serde_json::Error| {
            Failure::unavailable(format!("the sweep cannot read `{key}` as {what}: {e}"))
        }
    };
    let (record, slot) = match kind {
        Kind::Recording(_) => match serde_json::from_slice::<Option<StoredUpload>>(&bytes) {
            Ok(Some(upload)) => (Record::Recording(upload), None),
            _ => return Ok(()),
        },
        Kind::UploadMark => (
            Record::UploadMark {
                since: serde_json::from_slice(&bytes).map_err(parse("an upload mark"))?,
            },
            None,
        ),
        Kind::Request(_) => (
            Record::Request(serde_json::from_slice(&bytes).map_err(parse("a request's record"))?),
            None,
        ),
        Kind::StartClaim => (
            Record::StartClaim {
                by: serde_json::from_slice(&bytes).map_err(parse("a Start's claim"))?,
            },
            None,
        ),
        Kind::LeadHold | Kind::RecordingHold => {
            let Some(hold) =
                serde_json::from_slice::<Option<Hold>>(&bytes).map_err(parse("a hold"))?
            else {
                return Ok(());
            };
            match kind {
                Kind::LeadHold => (Record::LeadHold(hold), None),
                _ => (Record::RecordingHold(hold), None),
            }
        }
        Kind::CrmPosting(by) => (Record::CrmPosting { by: by.to_owned() }, None),
        Kind::Approval => match serde_json::from_slice::<ApprovalSlot>(&bytes) {
            Ok(ApprovalSlot::Used(used)) => (Record::UsedApproval(used.clone()), Some(used)),
            _ => return Ok(()),
        },
        Kind::Chunk { .. } => return Ok(()),
    };
    let owner_record = match record.owner_key() {
        Some(by) => store.get::<KeyRecord>(&keys::idempotency(org, by))?,
        None => None,
    };
    match decide(&record, owner_record.as_ref(), retention, at) {
        Action::Keep => {}
        Action::Remove => made(
            store.remove_at(key, version)?,
            &mut tally.lapsed,
            &mut tally.raced,
        ),
        Action::Expire { removal } => {
            let Kind::Recording(id) = kind else {
                return Ok(());
            };
            let gone = remove_bytes(store, org, id, |current| {
                current
                    .filter(|c| c.removed.is_none())
                    .map(|c| removed(c, removal.clone()))
            })?;
            if let Some(before) = gone {
                tally.expired += 1;
                tally.expired_bytes += before.size_bytes;
                withdraw(store, org, id)?;
            }
        }
        Action::Release => {
            let owner = record.owner_key().unwrap_or_default().to_owned();
            let released = guarded(store, org, &owner, at, || match &slot {
                // Given back as the request would have: open again.
                Some(used) => {
                    let open = serde_json::to_vec(&ApprovalSlot::Open(used.used.clone()))
                        .map_err(|e| Failure::unavailable(e.to_string()))?;
                    Ok(store.swap(key, &bytes, &open)?)
                }
                None => Ok(store.remove_at(key, version)?),
            })?;
            let counter = if slot.is_some() {
                &mut tally.approvals
            } else {
                &mut tally.released
            };
            made(released, counter, &mut tally.raced);
        }
        Action::Resolve => {
            let Kind::Request(by) = kind else {
                return Ok(());
            };
            resolve(store, org, by, at, tally).await?;
        }
    }
    Ok(())
}

/// Adds one to `counter` when the change was made, else to `raced`.
fn made(made: bool, counter: &mut u32, raced: &mut u32) {
    if made {
        *counter += 1;
    } else {
        *raced += 1;
    }
}

/// Runs `release` under a sweep's guard on request `by`'s key, only while
/// that request has no record (no live request can own what is released);
/// answers what `release` answered, or false when the request is back.
fn guarded(
    store: &Store,
    org: &OrgId,
    by: &str,
    at: Instant,
    release: impl FnOnce() -> Result<bool, Failure>,
) -> Result<bool, Failure> {
    let key = keys::idempotency(org, by);
    let mine = guard(at);
    let took = store.update(&key, |current: Option<KeyRecord>| {
        Ok(match owner(current.as_ref(), at) {
            Owner::Gone => Change::Write(Some(mine.clone()), true),
            _ => Change::Keep(false),
        })
    })?;
    if !took {
        return Ok(false);
    }
    let released = release();
    // The guard goes whatever the release did: a retry may run again.
    store.update(&key, |current: Option<KeyRecord>| {
        Ok(match current {
            Some(c) if c == mine => Change::Remove(()),
            _ => Change::Keep(()),
        })
    })?;
    released
}

/// How an abandoned request's resolution ends.
enum Resolved {
    /// It posted: keep this answer for its replays.
    Posted(KeyRecord),
    /// It posted nothing: its record goes.
    NotPosted,
    /// Not known: its record is put back as it was.
    Unknown(KeyRecord),
}

/// Resolves request `by`, abandoned, as its own retry would: takes its key
/// (a retry meanwhile waits), looks for what it posted, and keeps the answer
/// or removes the record.
async fn resolve(
    store: &Store,
    org: &OrgId,
    by: &str,
    at: Instant,
    tally: &mut Tally,
) -> Result<(), Failure> {
    let key = keys::idempotency(org, by);
    let taken = store.update(&key, |current: Option<KeyRecord>| {
        let abandoned = current
            .as_ref()
            .filter(|c| decide(&Record::Request((*c).clone()), None, None, at) == Action::Resolve)
            .and_then(|c| effective(Some(c), at).cloned());
        Ok(match abandoned {
            Some(previous) => Change::Write(Some(resolving(&previous, at)), Some(previous)),
            None => Change::Keep(None),
        })
    })?;
    let Some(previous) = taken else {
        tally.raced += 1;
        return Ok(());
    };
    let mine = resolving(&previous, at);
    let found = match &previous.request {
        Some(request) => {
            let body = json!({ "lead": request.lead }).to_string();
            posted_earlier(store, org, by, &request.path, body.as_bytes())
                .await
                .ok()
        }
        None => None,
    };
    let resolved = match found {
        Some(Some((status, body))) => {
            tally.resolved_posted += 1;
            Resolved::Posted(done(&previous.fingerprint, status, body.to_string()))
        }
        Some(None) => {
            tally.resolved_not_posted += 1;
            Resolved::NotPosted
        }
        None => {
            tally.unresolved += 1;
            Resolved::Unknown(previous.clone())
        }
    };
    store.update(&key, |current: Option<KeyRecord>| {
        Ok(match (current, &resolved) {
            (Some(c), Resolved::Posted(record) | Resolved::Unknown(record)) if c == mine => {
                Change::Write(Some(record.clone()), ())
            }
            (Some(c), Resolved::NotPosted) if c == mine => Change::Remove(()),
            _ => Change::Keep(()),
        })
    })
}
