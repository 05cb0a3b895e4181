//! The CRM's error body and how an answer's status and body map to
//! [`CrmError`].
//!
//! The CRM answers an error as `{"Status": "Error", "ExceptionType": "...",
//! "ExceptionMessage": "..."}`, usually with a 4xx or 5xx status. Mapping:
//!
//! - 2xx with a body that is not `"Status": "Error"`: the answer, read by the
//!   call's parser;
//! - an error body whose `ExceptionType` ends with `NotFoundException` or
//!   `DoesNotExistException`, or a 404 with an error body: the lead is
//!   unknown ([`CrmError::LeadNotFound`]);
//! - any other error body: [`CrmError::Rejected`] (401 and 403 also say to
//!   check the keys);
//! - a non-2xx without an error body: [`CrmError::BadAnswer`].
//!
//! 429 never gets here: the client retries it (see [`crate::backoff`]).

use serde::{Deserialize, Serialize};

use super::snippet;
use crate::error::{CrmError, Operation};

/// The CRM's error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorBody {
    /// `"Error"`.
    pub status: String,
    /// The kind of error (`MXInvalidInputException`, ...).
    pub exception_type: String,
    /// What went wrong, in words.
    pub exception_message: String,
}

/// The `Status` of an error body.
pub const ERROR_STATUS: &str = "Error";

/// The body of a successful answer, or the error it stands for.
pub fn success_body<'a>(
    operation: &Operation,
    status: u16,
    body: &'a [u8],
) -> Result<&'a [u8], CrmError> {
    let error = serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .filter(|e| e.status.eq_ignore_ascii_case(ERROR_STATUS));
    match (status, error) {
        (200..=299, None) => Ok(body),
        (_, Some(error)) => Err(from_error_body(operation, status, error)),
        (_, None) => Err(bad_answer(operation, status)(format!(
            "an error without the CRM's error body `{{Status, ExceptionType, ExceptionMessage}}`: {}",
            snippet(body)
        ))),
    }
}

/// Makes the [`CrmError::BadAnswer`] of `operation`'s answer of `status`
/// from what is wrong with it.
pub fn bad_answer(operation: &Operation, status: u16) -> impl Fn(String) -> CrmError + '_ {
    move |detail| CrmError::BadAnswer {
        operation: operation.clone(),
        status,
        detail,
    }
}

/// The error an error body stands for.
fn from_error_body(operation: &Operation, status: u16, error: ErrorBody) -> CrmError {
    if let Operation::AddAttachment { .. } = operation {
        if status < 500 && super::attachment::says_attachments_not_allowed(&error.exception_message)
        {
            return CrmError::AttachmentsNotAllowed {
                operation: operation.clone(),
                message: error.exception_message,
            };
        }
    }
    // A file or an attachment names no lead: a 404 there is the API's or the activity's.
    let about_a_lead = !matches!(
        operation,
        Operation::UploadFile { .. } | Operation::AddAttachment { .. }
    );
    let not_found = error.exception_type.ends_with("NotFoundException")
        || error.exception_type.ends_with("DoesNotExistException");
    if about_a_lead && (not_found || status == 404) {
        return CrmError::LeadNotFound {
            operation: operation.clone(),
        };
    }
    let mut message = error.exception_message;
    if matches!(status, 401 | 403) {
        message.push_str(" (check the connector's CRM access key and secret key)");
    }
    CrmError::Rejected {
        operation: operation.clone(),
        status,
        exception_type: error.exception_type,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op() -> Operation {
        Operation::CreateActivity {
            lead_id: "L-1".into(),
        }
    }

    fn error(kind: &str) -> Vec<u8> {
        serde_json::to_vec(&ErrorBody {
            status: "Error".into(),
            exception_type: kind.into(),
            exception_message: "it went wrong".into(),
        })
        .unwrap()
    }

    #[test]
    fn a_success_passes_through() {
        let body = br#"{"Status":"Success","Message":{"Id":"A-1"}}"#;
        assert_eq!(success_body(&op(), 200, body), Ok(&body[..]));
    }

    #[test]
    fn an_error_body_is_rejected_even_with_200() {
        let e = success_body(&op(), 200, &error("MXInvalidInputException")).unwrap_err();
        assert_eq!(e.status(), 502);
        assert!(e
            .to_string()
            .contains("`MXInvalidInputException`: it went wrong"));
    }

    #[test]
    fn unknown_leads_and_bad_keys() {
        let e = success_body(&op(), 500, &error("MXProspectDoesNotExistException")).unwrap_err();
        assert_eq!(e.status(), 404);
        let e = success_body(&op(), 404, &error("MXSomething")).unwrap_err();
        assert_eq!(e.status(), 404);
        let e = success_body(&op(), 401, &error("MXUnAuthorizedAccessException")).unwrap_err();
        assert_eq!(e.status(), 502);
        assert!(e.to_string().contains("access key and secret key"));
    }

    #[test]
    fn an_activity_type_without_attachments_is_named_by_its_setting() {
        let attach = Operation::AddAttachment {
            lead_id: "L-1".into(),
            activity_id: "A-1".into(),
        };
        let body = serde_json::to_vec(&ErrorBody {
            status: "Error".into(),
            exception_type: "MXInvalidInputException".into(),
            exception_message: "Attachments are not allowed for this activity type".into(),
        })
        .unwrap();
        let e = success_body(&attach, 400, &body).unwrap_err();
        assert!(matches!(e, CrmError::AttachmentsNotAllowed { .. }), "{e}");
        assert!(e.to_string().contains("\"Allow Attachments\""), "{e}");
        assert!(!e.outcome_unknown());
        // A 404 on Attachment/Add is not an unknown lead.
        let e = success_body(&attach, 404, &error("MXSomething")).unwrap_err();
        assert!(matches!(e, CrmError::Rejected { status: 404, .. }), "{e}");
    }

    #[test]
    fn garbage_is_a_bad_answer() {
        let e = success_body(&op(), 500, b"<html>oops</html>").unwrap_err();
        assert_eq!(e.status(), 502);
        assert!(e.to_string().contains("HTTP 500"), "{e}");
        assert!(e.to_string().contains("<html>oops</html>"), "{e}");
    }
}
