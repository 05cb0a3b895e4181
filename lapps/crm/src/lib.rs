//! # recrules-crm: the CRM connector of the Lapps
//!
//! Creates activities, reads a lead's activity history and reads a lead,
//! uploads files (to the region's files host) and attaches them to
//! activities, over the CRM's v2 REST API, from a Spin component. Every call carries the
//! keys as the `x-LSQ-AccessKey` and `x-LSQ-SecretKey` headers, is allowed
//! [`CrmConfig::timeout_ms`] per attempt, and is retried after 429 with
//! backoff ([`backoff`]) at most [`CrmConfig::max_retries`] times.
//!
//! Errors are [`CrmError`]s: [`CrmError::status`] is the HTTP status the
//! calling Lapp answers (404 unknown lead, 502 CRM error or garbage, 503 rate
//! limited or misconfigured, 504 timeout), and the text names the call, the
//! lead and the cause. [`CrmError::outcome_unknown`] tells whether a failed
//! call may have been carried out all the same (a timeout, a 5xx, garbage):
//! a Create that failed so may have created its activity.
//!
//! The wire formats live in [`wire`], pure and unit-tested natively; only
//! `transport` does I/O (`wasi:http`, so it runs inside a component only).
//! The host must allow the CRM's origin in `allowed_outbound_hosts`.

pub mod backoff;
mod client;
mod config;
mod error;
mod transport;
pub mod wire;

use recrules_sdk::lead::{Activity, EventCode, Lead};
use recrules_sdk::time::Instant;

pub use config::CrmConfig;
pub use error::{CrmError, Operation};

/// The most activities read from one lead's history (pages of
/// [`wire::activity::HISTORY_PAGE_ROWS`]); a longer history is an error
/// rather than a silently shortened one.
pub const MAX_HISTORY_ACTIVITIES: usize = 20_000;

/// An activity to post on a lead.
#[derive(Debug, Clone, PartialEq)]
pub struct NewActivity {
    /// The lead's id (`RelatedProspectId`).
    pub lead_id: String,
    /// The activity type's code (`ActivityEvent`).
    pub event_code: EventCode,
    /// The note (`ActivityNote`).
    pub note: String,
    /// When it happened (`ActivityDateTime`, sent as UTC `yyyy-MM-dd HH:mm:ss`).
    pub at: Instant,
    /// Its fields as (schema name, value) pairs (`Fields`), in this order.
    pub fields: Vec<(String, String)>,
}

/// An activity of a lead's history, with its note.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryActivity {
    /// The activity as the rules read it.
    pub activity: Activity,
    /// Its note (`ActivityNote`; empty when the CRM gives none).
    pub note: String,
}

/// Posts `activity`; answers the id the CRM gave it.
pub async fn create_activity(cfg: &CrmConfig, activity: &NewActivity) -> Result<String, CrmError> {
    let operation = Operation::CreateActivity {
        lead_id: activity.lead_id.clone(),
    };
    require_lead_id(&operation)?;
    let (status, body) =
        client::send(cfg, &operation, &wire::activity::create_call(activity)).await?;
    wire::activity::created_id(&operation, status, &body)
}

/// The activities of lead `lead_id` with their notes, every page of them,
/// in the CRM's order.
pub async fn retrieve_history(
    cfg: &CrmConfig,
    lead_id: &str,
) -> Result<Vec<HistoryActivity>, CrmError> {
    let operation = Operation::RetrieveHistory {
        lead_id: lead_id.to_owned(),
    };
    require_lead_id(&operation)?;
    let mut activities: Vec<HistoryActivity> = Vec::new();
    loop {
        let call = wire::activity::history_call(lead_id, activities.len());
        let (status, body) = client::send(cfg, &operation, &call).await?;
        let page = wire::activity::history_page(&operation, status, &body)?;
        let fetched = page.activities.len();
        activities.extend(page.activities);
        if activities.len() > MAX_HISTORY_ACTIVITIES {
            return Err(CrmError::BadAnswer {
                operation,
                status,
                detail: format!("the history is longer than {MAX_HISTORY_ACTIVITIES} activities"),
            });
        }
        if fetched == 0 || activities.len() >= page.total {
            return Ok(activities);
        }
    }
}

/// Lead `lead_id` with its fields (phone numbers, position, stage, ...).
pub async fn get_lead(cfg: &CrmConfig, lead_id: &str) -> Result<Lead, CrmError> {
    let operation = Operation::GetLead {
        lead_id: lead_id.to_owned(),
    };
    require_lead_id(&operation)?;
    let (status, body) = client::send(cfg, &operation, &wire::lead::get_lead_call(lead_id)).await?;
    wire::lead::lead(&operation, status, &body)
}

/// Uploads `file` (for an activity of lead `lead_id`) to the files host;
/// answers what Attachment/Add takes as `AttachmentFile`. A 429 is retried
/// (the CRM did not process it).
pub async fn upload_file(
    cfg: &CrmConfig,
    lead_id: &str,
    file: &wire::file::FileUpload<'_>,
) -> Result<String, CrmError> {
    let operation = Operation::UploadFile {
        lead_id: lead_id.to_owned(),
        file_name: file.file_name.to_owned(),
    };
    require_lead_id(&operation)?;
    let call = wire::file::upload_call(file, cfg.access_key.trim(), cfg.secret_key.trim());
    let (status, body) = client::send_to(
        cfg,
        client::Host::Files,
        client::On429::Retry,
        &operation,
        &call,
    )
    .await?;
    wire::file::uploaded_file(&operation, status, &body)
}

/// Attaches an uploaded file to an activity of lead `lead_id`, in one
/// attempt; answers the attachment's id. A 429 is answered as
/// [`CrmError::RateLimited`] (nothing attached) for the caller to wait and
/// send again, so that it knows at every moment whether an attempt is out.
/// An activity type without "Allow Attachments" is
/// [`CrmError::AttachmentsNotAllowed`].
pub async fn add_attachment(
    cfg: &CrmConfig,
    lead_id: &str,
    attachment: &wire::attachment::NewAttachment,
) -> Result<String, CrmError> {
    let operation = Operation::AddAttachment {
        lead_id: lead_id.to_owned(),
        activity_id: attachment.prospect_activity_id.clone(),
    };
    require_lead_id(&operation)?;
    let call = wire::attachment::attach_call(attachment);
    let (status, body) = client::send_to(
        cfg,
        client::Host::Api,
        client::On429::Answer,
        &operation,
        &call,
    )
    .await?;
    wire::attachment::attachment_id(&operation, status, &body)
}

/// [`CrmError::InvalidInput`] when the operation's lead id is blank.
fn require_lead_id(operation: &Operation) -> Result<(), CrmError> {
    if operation.lead_id().trim().is_empty() {
        return Err(CrmError::InvalidInput {
            operation: operation.clone(),
            field: "lead_id",
            message: "is empty; give the lead's id in the CRM".to_owned(),
        });
    }
    Ok(())
}
