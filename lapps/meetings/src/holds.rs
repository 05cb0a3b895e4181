//! Holds ([`recrules_sdk::meeting::hold`]) that make a meeting's checks and
//! its post one step.
//!
//! - **On a lead** (`{org}/meetings/lead-hold/{lead}`): a Start or End holds
//!   its lead while it reads the lead's history, checks the validations and
//!   posts, so two racing posts on one lead are checked one after the other:
//!   the second sees the first's activity (an `ActivityCreationLimitValidation`
//!   cannot be passed twice by racing). A request that finds the lead held
//!   waits for it, then answers 409 `lead_busy` (retry). A hold whose request
//!   died is taken over after [`LEAD_HOLD_TTL_S`] seconds.
//! - **On a recording** (`{org}/meetings/attached/{id}`): an End holds each
//!   recording it carries for good, before it is posted; an End naming a
//!   recording another End holds answers 409 `recording_attached`. An End
//!   that is not posted gives its recordings back; one that died midway
//!   keeps them for a retry with the same idempotency key.
//!
//! Every hold changes by compare-and-swap ([`Store::update`]).

use std::time::Duration;

use recrules_lapp_support::store::Change;
use recrules_sdk::meeting::{hold, Hold, HoldVerdict, LEAD_HOLD_TTL_S};
use recrules_sdk::otp::OrgId;
use recrules_sdk::plan::RecordingMeta;

use crate::keys;
use crate::reply::{Failure, Store};
use crate::request::now;

/// How many times a request tries to hold a busy lead.
const LEAD_TRIES: usize = 50;
/// The pause between two tries (so a request waits at most 10 s).
const LEAD_PAUSE: Duration = Duration::from_millis(200);

/// A lead held by a request; give it back with [`LeadHold::release`].
pub struct LeadHold {
    key: String,
    by: String,
}

/// Holds `lead` for the request `by`, waiting while another request holds
/// it; 409 `lead_busy` if it stays held. `lead` must be a checked id.
pub fn hold_lead(store: &Store, org: &OrgId, lead: &str, by: &str) -> Result<LeadHold, Failure> {
    let key = keys::lead_hold(org, lead);
    for attempt in 1..=LEAD_TRIES {
        if take(store, &key, by, Some(LEAD_HOLD_TTL_S))?.is_none() {
            return Ok(LeadHold {
                key,
                by: by.to_owned(),
            });
        }
        if attempt < LEAD_TRIES {
            std::thread::sleep(LEAD_PAUSE);
        }
    }
    Err(Failure::new(
        409,
        "lead_busy",
        Some("lead"),
        format!("another meeting activity is being checked and posted on lead `{lead}`; retry in a moment with the same Idempotency-Key"),
    ))
}

impl LeadHold {
    /// Gives the lead back (if this request still holds it).
    pub fn release(&self, store: &Store) -> Result<(), Failure> {
        give_back(store, &self.key, &self.by)
    }
}

/// Holds every recording of an End for the request `by`, in order; answers
/// their keys, to give them back if the End is not posted. A recording held
/// by another End answers 409 `recording_attached` naming it, after giving
/// back the ones this call took.
pub fn attach(
    store: &Store,
    org: &OrgId,
    recordings: &[RecordingMeta],
    by: &str,
) -> Result<Vec<String>, Failure> {
    let mut taken = Vec::with_capacity(recordings.len());
    for (index, recording) in recordings.iter().enumerate() {
        let key = keys::attached(org, &recording.id);
        match take(store, &key, by, None) {
            Ok(None) => taken.push(key),
            Ok(Some(_)) => {
                detach(store, &taken, by)?;
                let field = format!("recordings[{index}]");
                return Err(Failure::new(
                    409,
                    "recording_attached",
                    Some(&field),
                    format!(
                        "recording `{}` is already carried by another End activity; a recording is attached to one End only",
                        recording.id
                    ),
                )
                .with("recording", &recording.id));
            }
            Err(e) => {
                detach(store, &taken, by)?;
                return Err(e);
            }
        }
    }
    Ok(taken)
}

/// Gives back the recordings an End held (`keys` from [`attach`]).
pub fn detach(store: &Store, keys: &[String], by: &str) -> Result<(), Failure> {
    keys.iter().try_for_each(|key| give_back(store, key, by))
}

/// Takes the hold at `key` for `by`; `None` when it is now `by`'s, else the
/// other request's hold.
fn take(store: &Store, key: &str, by: &str, ttl_s: Option<i64>) -> Result<Option<Hold>, Failure> {
    let at = now()?;
    store.update(key, |current: Option<Hold>| {
        Ok(match hold(current.as_ref(), by, at, ttl_s) {
            HoldVerdict::Take(mine) => Change::Write(Some(mine), None),
            HoldVerdict::Mine => Change::Keep(None),
            HoldVerdict::Taken(theirs) => Change::Keep(Some(theirs)),
        })
    })
}

/// Gives the hold at `key` back, if `by` holds it.
fn give_back(store: &Store, key: &str, by: &str) -> Result<(), Failure> {
    store.update(key, |current: Option<Hold>| {
        Ok(match current {
            Some(held) if held.by == by => Change::Write(None, ()),
            _ => Change::Keep(()),
        })
    })
}
