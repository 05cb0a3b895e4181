//! Idempotency keys on the routes that post activities: a retried request
//! never posts twice (rules in [`recrules_sdk::idempotency`]).
//!
//! The key's record is claimed by compare-and-swap before any work, so of
//! two identical requests racing, one works and the other answers 409
//! `request_in_progress`; a replay after success gets the stored answer
//! (with `idempotent-replayed: true`); the same key with another body
//! answers 422. A failed request releases the key. A retry taking over the
//! dead claim of a request cut off after its post answers what that request
//! posted ([`crate::recover`]); if it cannot tell (the CRM failed), it
//! leaves the claim dead for the next retry.

use std::future::Future;

use recrules_lapp_support::store::Change;
use recrules_sdk::idempotency::{
    check_key, claim, done, fingerprint, Claim, KeyRecord, KeyState, IDEMPOTENCY_HEADER,
};
use recrules_sdk::otp::OrgId;
use serde_json::Value;
use spin_sdk::http::{Request, Response};

use crate::keys;
use crate::recover::posted_by_dead_claim;
use crate::reply::{json_bytes, Failure, Store};
use crate::request::{header, now};

/// The field name errors give for the header.
const FIELD: &str = "Idempotency-Key";

/// Runs `work` once per idempotency key; `work` gets the key and answers a
/// status and JSON body.
pub async fn once<F, Fut>(req: &Request, org: &OrgId, work: F) -> Result<Response, Failure>
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
    let at = now()?;
    // When this request takes over a dead claim of the same request: since when it was held.
    let mut dead_since = None;
    let claimed = store.update(&record_key, |existing: Option<KeyRecord>| {
        dead_since = existing.as_ref().and_then(|record| match record.state {
            KeyState::Pending { since } if record.fingerprint == print => Some(since),
            _ => None,
        });
        Ok(match claim(existing.as_ref(), &print, at) {
            Claim::Proceed(pending) => {
                Change::Write(Some(pending.clone()), Claim::Proceed(pending))
            }
            other => Change::Keep(other),
        })
    })?;
    match claimed {
        Claim::Proceed(_) => {}
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
    }
    let recovered = match dead_since {
        Some(since) => {
            match posted_by_dead_claim(&store, org, &key, req.path(), req.body(), since).await {
                Ok(found) => found,
                Err(failure) => {
                    // Not known whether the dead request posted: the claim
                    // is left dead, so the next retry looks again.
                    let dead = KeyRecord {
                        fingerprint: print.clone(),
                        state: KeyState::Pending { since },
                    };
                    store.update(&record_key, |_: Option<KeyRecord>| {
                        Ok(Change::Write(Some(dead.clone()), ()))
                    })?;
                    return Err(failure);
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
        Err(failure) => {
            store.delete(&record_key)?;
            Err(failure)
        }
    }
}
