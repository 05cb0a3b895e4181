//! The Lapp's storage keys. Every key starts with the org; the ids in them
//! are checked ([`recrules_sdk::otp::check_id`], [`recrules_sdk::plan::is_valid_id`],
//! [`recrules_sdk::idempotency::check_key`]) so they never hold the `/` that
//! separates key parts. OTP approvals use the OTP Lapp's own
//! [`recrules_sdk::otp::approval_key`].

use recrules_sdk::otp::OrgId;
use recrules_sdk::upload::sha256_hex;

/// The org's settings text.
pub fn settings(org: &OrgId) -> String {
    format!("{}/meetings/settings", org.as_str())
}

/// A lead (kv store).
pub fn lead(org: &OrgId, lead: &str) -> String {
    format!("{}/meetings/lead/{lead}", org.as_str())
}

/// A lead's activities (kv store), a versioned record.
pub fn history(org: &OrgId, lead: &str) -> String {
    format!("{}/meetings/history/{lead}", org.as_str())
}

/// A recording's metadata, a versioned record.
pub fn upload(org: &OrgId, id: &str) -> String {
    format!("{}/meetings/recording/{id}", org.as_str())
}

/// One chunk of a recording's bytes; the hash keeps two uploads of one id apart.
pub fn chunk(org: &OrgId, id: &str, sha256: &str, index: u32) -> String {
    format!("{}/meetings/recording/{id}/{sha256}/{index}", org.as_str())
}

/// The mark an upload keeps while it writes its chunks (so a sweep leaves them be).
pub fn upload_mark(org: &OrgId, id: &str, sha256: &str) -> String {
    format!("{}/meetings/upload-mark/{id}/{sha256}", org.as_str())
}

/// A lead's erasure records, a versioned record.
pub fn erasures(org: &OrgId, lead: &str) -> String {
    format!("{}/meetings/erasures/{lead}", org.as_str())
}

/// An idempotency key's record.
pub fn idempotency(org: &OrgId, key: &str) -> String {
    format!("{}/meetings/idempotency/{key}", org.as_str())
}

/// The End that closed a Start (any activity id: hashed).
pub fn start_closed(org: &OrgId, start_activity_id: &str) -> String {
    format!(
        "{}/meetings/start-closed/{}",
        org.as_str(),
        sha256_hex(start_activity_id.as_bytes())
    )
}

/// A lead's hold while a request checks and posts an activity there.
pub fn lead_hold(org: &OrgId, lead: &str) -> String {
    format!("{}/meetings/lead-hold/{lead}", org.as_str())
}

/// The End holding a recording.
pub fn attached(org: &OrgId, id: &str) -> String {
    format!("{}/meetings/attached/{id}", org.as_str())
}

/// Crm: the user who posted the CRM activity `activity_id` through this Lapp.
pub fn crm_author(org: &OrgId, activity_id: &str) -> String {
    format!("{}/meetings/crm-author/{activity_id}", org.as_str())
}

/// Crm: the activity the request `key` (an idempotency key) is posting,
/// kept before the CRM creates it.
pub fn crm_posting(org: &OrgId, key: &str) -> String {
    format!("{}/meetings/crm-posting/{key}", org.as_str())
}

/// Crm: an End whose recordings go to the CRM as attachments (any activity id: hashed).
pub fn crm_end(org: &OrgId, activity_id: &str) -> String {
    format!(
        "{}/meetings/crm-end/{}",
        org.as_str(),
        sha256_hex(activity_id.as_bytes())
    )
}

/// Crm: where a recording is on its way to the CRM (an attachment state).
pub fn crm_attachment(org: &OrgId, recording: &str) -> String {
    format!("{}/meetings/crm-attachment/{recording}", org.as_str())
}

/// Crm: the Ends with recordings still pending attachment, a versioned record.
pub fn attach_queue(org: &OrgId) -> String {
    format!("{}/meetings/crm-attach-queue", org.as_str())
}

/// Crm: the Ends of a lead with recordings for the CRM, a versioned record.
pub fn crm_lead_ends(org: &OrgId, lead: &str) -> String {
    format!("{}/meetings/crm-lead-ends/{lead}", org.as_str())
}

/// Crm: the consent evidence of an activity this Lapp posted (any activity id: hashed).
pub fn consent(org: &OrgId, activity_id: &str) -> String {
    format!(
        "{}/meetings/consent/{}",
        org.as_str(),
        sha256_hex(activity_id.as_bytes())
    )
}
