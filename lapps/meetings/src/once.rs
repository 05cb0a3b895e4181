//! Idempotency keys on the routes that post activities: a retried request
//! never posts twice (rules in [`recrules_sdk::idempotency`]).
//!
//! The key's record is claimed by compare-and-swap before any work, so of
//! two identical requests racing, one works and the other answers 409
//! `request_in_progress`; a replay after success gets the stored answer
//! (with `idempotent-replayed: true`); the same key with another body
//! answers 422. A failed request releases the key, unless its post may
//! have been carried out all the same ([`Failure::is_outcome_unknown`]):
//! then the key stays the request's (`outcome_unknown`). A retry taking over
//! the dead claim of a request cut off after its post, or retrying a post
//! whose outcome is unknown, answers what the earlier attempt posted
//! ([`crate::recover`]) and posts only if it posted nothing; if it cannot
//! tell (the CRM failed), it leaves the key as it found it for the next
//! retry, and answers the failure marked `outcome_unknown`.

use std::future::Future;

use recrules_lapp_support::store::Change;
use recrules_sdk::idempotency::{
    check_key, claim, done, fingerprint, outcome_unknown, Claim, KeyRecord, RequestRef,
    IDEMPOTENCY_HEADER,
};
use recrules_sdk::otp::OrgId;
use serde_json::Value;
use spin_sdk::http::{Request, Response};

use crate::keys;
use crate::recover::posted_earlier;
use crate::reply::{json_bytes, Failure, Store};
use crate::request::{header, now};

/// The field name errors give for the header.
const FIELD: &str = "Idempotency-Key";

/// Runs `work` once per idempotency key; `work` gets the key and answers a
/// status and JSON body. The key's record notes the route and `lead`, so a
/// sweep can resolve the request if its client abandons it
/// ([`recrules_sdk::lifecycle::sweep`]).
pub async fn once<F, Fut>(
    req: &Request,
    org: &OrgId,
    lead: &str,
    work: F,
) -> Result<Response, Failure>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<(u16, Value), Failure>>,
{
    let key = check_key(header(req, IDEMPOTENCY_HEADER))
        .map_err(|e| Failure::bad(FIELD, e.to_string()))?
        .to_owned();
    let print = fingerprint("POST", req.path(), req.body());
    let store = Store::open()?;
    let record_key = keys::idempotency(org, &key);
    let about = RequestRef {
        path: req.path().to_owned(),
        lead: lead.to_owned(),
    };
    let at = now()?;
    let claimed = store.update(&record_key, |existing: Option<KeyRecord>| {
        let claimed = claim(existing.as_ref(), &print, at);
        let pending = match &claimed {
            Claim::Proceed(pending) | Claim::Resume { pending, .. } => Some(pending.clone()),
            _ => None,
        };
        Ok(match pending {
            Some(pending) => Change::Write(Some(pending.about(about.clone())), claimed),
            None => Change::Keep(claimed),
        })
    })?;
    // When this request resumes an earlier attempt of itself (a dead claim,
    // or a post whose outcome is unknown): that attempt's record, and since
    // when it held the key.
    let resumed = match claimed {
        Claim::Proceed(_) => None,
        Claim::Resume {
            previous, since, ..
        } => Some((previous, since)),
        Claim::Replay { status, body } => {
            let mut answer = json_bytes(status, body.into_bytes());
            answer.set_header("idempotent-replayed", "true");
            return Ok(answer);
        }
        Claim::InProgress => {
            return Err(Failure::new(
                409,
                "request_in_progress",
                Some(FIELD),
                "a request with this Idempotency-Key is being answered now; retry it in a moment",
            ))
        }
        Claim::Mismatch => {
            return Err(Failure::new(
                422,
                "idempotency_key_reused",
                Some(FIELD),
                "this Idempotency-Key was used for another request; send a fresh key with each new request",
            ))
        }
    };
    let recovered = match &resumed {
        Some((previous, _)) => {
            match posted_earlier(&store, org, &key, req.path(), req.body()).await {
                Ok(found) => found,
                Err(failure) => {
                    // Still not known whether the earlier attempt posted:
                    // its record is stored back, so the next retry looks again.
                    store.update(&record_key, |_: Option<KeyRecord>| {
                        Ok(Change::Write(Some(previous.clone()), ()))
                    })?;
                    return Err(failure.outcome_unknown());
                }
            }
        }
        None => None,
    };
    let answered = match recovered {
        Some(answer) => Ok(answer),
        None => work(key).await,
    };
    match answered {
        Ok((status, body)) => {
            let text = body.to_string();
            let record = done(&print, status, text.clone());
            store.update(&record_key, |_: Option<KeyRecord>| {
                Ok(Change::Write(Some(record.clone()), ()))
            })?;
            Ok(json_bytes(status, text.into_bytes()))
        }
        Err(failure) if failure.is_outcome_unknown() => {
            // The key stays this request's, for its retry to look first.
            let since = resumed.map_or(at, |(_, since)| since);
            let unknown = outcome_unknown(&print, since).about(about);
            store.update(&record_key, |_: Option<KeyRecord>| {
                Ok(Change::Write(Some(unknown.clone()), ()))
            })?;
            Err(failure)
        }
        Err(failure) => {
            store.delete(&record_key)?;
            Err(failure)
        }
    }
}
