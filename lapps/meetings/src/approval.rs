//! The OTP approval a meeting needs (rule 11), read from the records the OTP
//! Lapp writes at [`approval_key`], and used up atomically: one verified OTP
//! serves one meeting. The approval is used up for a request (its
//! idempotency key): a retry of a request cut off after it used the
//! approval finds it its own ([`ApprovalSlot::usable_by`]), and a post that
//! fails gives it back.

use recrules_lapp_support::store::decode;
use recrules_sdk::consent::Consent;
use recrules_sdk::meeting::{approval_entry_codes, ApprovalSlot};
use recrules_sdk::otp::{approval_key, OrgId, Subject};
use recrules_sdk::settings::Entry;
use recrules_sdk::time::Instant;

use crate::reply::{Failure, Store};

/// An approval not yet used (or used by the request that reads it), with
/// the exact bytes it was read as.
pub struct OpenApproval {
    key: String,
    bytes: Vec<u8>,
    slot: ApprovalSlot,
    /// When the OTP was verified.
    pub verified_at: Instant,
    /// What the meeting it allows keeps of it as consent evidence.
    pub consent: Consent,
}

/// Finds the approval of `user` for `lead` and `entry` that the request
/// `by` may use (open, or used up by `by`; `None`: open only), looking under
/// each of the entry's codes ([`approval_entry_codes`]).
pub fn find(
    store: &Store,
    org: &OrgId,
    entry: &Entry,
    lead: &str,
    user: &str,
    by: Option<&str>,
) -> Result<Option<OpenApproval>, Failure> {
    for code in approval_entry_codes(entry) {
        let subject =
            Subject::new(lead, code, user).map_err(|e| Failure::bad(e.field(), e.to_string()))?;
        let key = approval_key(org, &subject);
        let Some(bytes) = store.get_bytes(&key)? else {
            continue;
        };
        let slot: ApprovalSlot = decode(&key, &bytes)?;
        if let Some(approval) = slot.usable_by(by) {
            let (verified_at, consent) = (approval.verified_at, Consent::from(approval));
            return Ok(Some(OpenApproval {
                key,
                bytes,
                slot,
                verified_at,
                consent,
            }));
        }
    }
    Ok(None)
}

/// An approval a meeting used: what to swap back if the meeting is not posted.
pub struct UsedUp {
    key: String,
    open: Vec<u8>,
    used: Vec<u8>,
}

impl OpenApproval {
    /// Uses the approval up for the request `by`, at `now`: a swap from the
    /// exact bytes read, so of two meetings racing for it one wins. The
    /// loser gets 409 `otp_already_used`.
    /// An approval `by` used up already stays as it is (and is given back
    /// as it was before).
    pub fn use_up(self, store: &Store, now: Instant, by: &str) -> Result<UsedUp, Failure> {
        let used = self.slot.use_up(now, by).ok_or_else(already_used)?;
        let used = to_bytes(&used)?;
        let open = to_bytes(&self.slot.reopened())?;
        if store.swap(&self.key, &self.bytes, &used)? {
            Ok(UsedUp {
                key: self.key,
                open,
                used,
            })
        } else {
            Err(already_used())
        }
    }
}

impl UsedUp {
    /// Gives the approval back (the meeting was not posted), unless it changed since.
    pub fn give_back(&self, store: &Store) -> Result<(), Failure> {
        store.swap(&self.key, &self.used, &self.open).map(drop)
    }
}

/// A slot as the bytes it is stored as.
fn to_bytes(slot: &ApprovalSlot) -> Result<Vec<u8>, Failure> {
    serde_json::to_vec(slot).map_err(|e| Failure::unavailable(e.to_string()))
}

/// Another meeting used the approval first.
fn already_used() -> Failure {
    Failure::new(
        409,
        "otp_already_used",
        Some("otp"),
        "this OTP approval was just used by another meeting; one verified OTP serves one meeting: verify a new OTP",
    )
}
