//! Attachments on the wire: `POST /v2/ProspectActivity.svc/Attachment/Add`
//! with `{"ProspectActivityId", "AttachmentName", "Description",
//! "AttachmentFile"}` (the file as File/Upload named it), answered by
//! `{"Status": "Success", "Message": {"Id": "..."}}`. Only activity types
//! whose "Allow Attachments" setting is on take attachments; the CRM
//! refuses the others with its error body, read as
//! [`crate::CrmError::AttachmentsNotAllowed`].

use serde::Serialize;

use super::activity::created_id;
use super::{Call, Method};
use crate::error::{CrmError, Operation};

/// The path that attaches a file to an activity.
pub const ATTACH_PATH: &str = "/v2/ProspectActivity.svc/Attachment/Add";

/// An attachment to add to an activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NewAttachment {
    /// The activity (`ProspectActivityId`).
    pub prospect_activity_id: String,
    /// Its name in the CRM (`AttachmentName`).
    pub attachment_name: String,
    /// Its description (`Description`).
    pub description: String,
    /// The uploaded file (`AttachmentFile`).
    pub attachment_file: String,
}

/// The call that adds `attachment`.
pub fn attach_call(attachment: &NewAttachment) -> Call {
    Call {
        method: Method::Post,
        path_and_query: ATTACH_PATH.to_owned(),
        body: Some(serde_json::to_vec(attachment).unwrap_or_default()),
        content_type: None,
    }
}

/// The attachment's id, from the answer to an attach call.
pub fn attachment_id(operation: &Operation, status: u16, body: &[u8]) -> Result<String, CrmError> {
    created_id(operation, status, body)
}

/// Whether the CRM's error message says the activity type takes no attachments.
pub fn says_attachments_not_allowed(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    message.contains("attachment")
        && ["not allowed", "not enabled", "disabled", "does not allow"]
            .iter()
            .any(|words| message.contains(words))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn the_call_carries_the_four_documented_keys() {
        let call = attach_call(&NewAttachment {
            prospect_activity_id: "A-1".into(),
            attachment_name: "Recording 1 of 1".into(),
            description: "d".into(),
            attachment_file: "https://s3/r1.m4a".into(),
        });
        assert_eq!(call.path_and_query, ATTACH_PATH);
        let body: Value = serde_json::from_slice(&call.body.unwrap()).unwrap();
        assert_eq!(
            body,
            json!({"ProspectActivityId": "A-1", "AttachmentName": "Recording 1 of 1",
                   "Description": "d", "AttachmentFile": "https://s3/r1.m4a"})
        );
    }

    #[test]
    fn a_refusal_for_the_setting_is_recognised() {
        assert!(says_attachments_not_allowed(
            "Attachments are not allowed for this activity type"
        ));
        assert!(!says_attachments_not_allowed("Invalid attachment file"));
    }
}
