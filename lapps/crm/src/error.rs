//! What can go wrong when talking to the CRM, and the HTTP status a Lapp
//! answers for it.

use std::fmt;

use thiserror::Error;

/// The CRM call that failed, with the lead it was about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// `ProspectActivity.svc/Create`.
    CreateActivity {
        /// The lead the activity was for.
        lead_id: String,
    },
    /// `ProspectActivity.svc/Retrieve`.
    RetrieveHistory {
        /// The lead whose history was asked.
        lead_id: String,
    },
    /// `LeadManagement.svc/Leads.GetById`.
    GetLead {
        /// The lead asked for.
        lead_id: String,
    },
    /// `File/Upload` on the files host.
    UploadFile {
        /// The lead the file is for.
        lead_id: String,
        /// The file's name.
        file_name: String,
    },
    /// `ProspectActivity.svc/Attachment/Add`.
    AddAttachment {
        /// The lead of the activity.
        lead_id: String,
        /// The activity.
        activity_id: String,
    },
}

impl Operation {
    /// The lead the call was about.
    pub fn lead_id(&self) -> &str {
        match self {
            Self::CreateActivity { lead_id }
            | Self::RetrieveHistory { lead_id }
            | Self::GetLead { lead_id }
            | Self::UploadFile { lead_id, .. }
            | Self::AddAttachment { lead_id, .. } => lead_id,
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CreateActivity { lead_id } => {
                write!(f, "creating an activity on lead `{lead_id}`")
            }
            Self::RetrieveHistory { lead_id } => {
                write!(f, "retrieving the activity history of lead `{lead_id}`")
            }
            Self::GetLead { lead_id } => write!(f, "reading lead `{lead_id}`"),
            Self::UploadFile { lead_id, file_name } => {
                write!(f, "uploading file `{file_name}` for lead `{lead_id}`")
            }
            Self::AddAttachment {
                lead_id,
                activity_id,
            } => write!(
                f,
                "attaching a file to activity `{activity_id}` of lead `{lead_id}`"
            ),
        }
    }
}

/// A CRM call that gave no usable answer. [`CrmError::status`] is the HTTP
/// status the calling Lapp answers; the text names the call and the cause.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CrmError {
    /// The caller passed something the CRM cannot be asked about.
    #[error("CRM: {operation}: `{field}` {message}")]
    InvalidInput {
        /// The call.
        operation: Operation,
        /// The argument at fault (`lead_id`, ...).
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The CRM connector is configured wrongly (the base URL, the keys).
    #[error("CRM: {operation}: the connector is misconfigured: {message}")]
    Misconfigured {
        /// The call.
        operation: Operation,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The CRM has no such lead.
    #[error("CRM: {operation}: the CRM has no lead `{}`", operation.lead_id())]
    LeadNotFound {
        /// The call.
        operation: Operation,
    },
    /// The CRM answered within none of the allowed attempts' time.
    #[error("CRM: {operation}: no answer within {timeout_ms} ms; try again later")]
    Timeout {
        /// The call.
        operation: Operation,
        /// The time allowed to one attempt.
        timeout_ms: u64,
    },
    /// The CRM kept answering 429 (too many requests).
    #[error("CRM: {operation}: the CRM is rate limiting us (HTTP 429, {attempts} attempt(s){}); try again later", retry_after_s.map(|s| format!(", it asks to wait {s} s")).unwrap_or_default())]
    RateLimited {
        /// The call.
        operation: Operation,
        /// How many times it was tried.
        attempts: u32,
        /// The wait the CRM last asked for, when it named one.
        retry_after_s: Option<u64>,
    },
    /// The CRM refused the call with its error body.
    #[error("CRM: {operation}: the CRM answered HTTP {status} `{exception_type}`: {message}")]
    Rejected {
        /// The call.
        operation: Operation,
        /// The HTTP status it answered.
        status: u16,
        /// Its `ExceptionType`.
        exception_type: String,
        /// Its `ExceptionMessage`.
        message: String,
    },
    /// The activity's type refuses attachments: its "Allow Attachments"
    /// setting is off. Nothing was attached.
    #[error("CRM: {operation}: the activity's type does not allow attachments (the CRM said: {message}); turn on \"Allow Attachments\" for this activity type in the CRM (Custom Activities and Scores), then drain the pending attachments with POST /meetings/attachments")]
    AttachmentsNotAllowed {
        /// The call.
        operation: Operation,
        /// The CRM's `ExceptionMessage`.
        message: String,
    },
    /// The CRM answered something that is not its API's answer.
    #[error("CRM: {operation}: the CRM answered HTTP {status} with an unexpected body: {detail}")]
    BadAnswer {
        /// The call.
        operation: Operation,
        /// The HTTP status it answered.
        status: u16,
        /// What is wrong with the body.
        detail: String,
    },
    /// The CRM could not be reached.
    #[error("CRM: {operation}: the CRM could not be reached: {detail}")]
    Unreachable {
        /// The call.
        operation: Operation,
        /// What went wrong.
        detail: String,
    },
}

impl CrmError {
    /// The HTTP status the calling Lapp answers: 400 for bad input, 404 for
    /// an unknown lead, 502 for the CRM's errors and garbage, 503 when rate
    /// limited after every retry or misconfigured, 504 on a timeout.
    pub fn status(&self) -> u16 {
        match self {
            Self::InvalidInput { .. } => 400,
            Self::LeadNotFound { .. } => 404,
            Self::Rejected { .. }
            | Self::BadAnswer { .. }
            | Self::Unreachable { .. }
            | Self::AttachmentsNotAllowed { .. } => 502,
            Self::RateLimited { .. } | Self::Misconfigured { .. } => 503,
            Self::Timeout { .. } => 504,
        }
    }

    /// Whether the CRM may have carried out the call although it gave this
    /// error, so that a Create may have created its activity. Only a call
    /// never sent ([`Self::InvalidInput`], [`Self::Misconfigured`]) or an
    /// answer refusing it proves nothing was done: 429 after every retry
    /// ([`Self::RateLimited`]), an unknown lead, the CRM's error body with a
    /// status under 500 (a 4xx validation error), a 4xx without it. No
    /// answer in time ([`Self::Timeout`]), a lost connection
    /// ([`Self::Unreachable`]), a 5xx and an unreadable answer (a 2xx
    /// included) leave the outcome unknown.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Self::Timeout { .. } | Self::Unreachable { .. } => true,
            Self::Rejected { status, .. } => *status >= 500,
            Self::BadAnswer { status, .. } => !(400..500).contains(status),
            Self::InvalidInput { .. }
            | Self::Misconfigured { .. }
            | Self::LeadNotFound { .. }
            | Self::AttachmentsNotAllowed { .. }
            | Self::RateLimited { .. } => false,
        }
    }

    /// The call that failed.
    pub fn operation(&self) -> &Operation {
        match self {
            Self::InvalidInput { operation, .. }
            | Self::Misconfigured { operation, .. }
            | Self::LeadNotFound { operation }
            | Self::Timeout { operation, .. }
            | Self::RateLimited { operation, .. }
            | Self::Rejected { operation, .. }
            | Self::BadAnswer { operation, .. }
            | Self::Unreachable { operation, .. }
            | Self::AttachmentsNotAllowed { operation, .. } => operation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op() -> Operation {
        Operation::GetLead {
            lead_id: "L-1".into(),
        }
    }

    #[test]
    fn statuses_follow_the_contract() {
        let rate = CrmError::RateLimited {
            operation: op(),
            attempts: 3,
            retry_after_s: Some(2),
        };
        assert_eq!(rate.status(), 503);
        assert!(rate
            .to_string()
            .contains("3 attempt(s), it asks to wait 2 s"));
        let timeout = CrmError::Timeout {
            operation: op(),
            timeout_ms: 500,
        };
        assert_eq!(timeout.status(), 504);
        assert_eq!(
            CrmError::LeadNotFound { operation: op() }.to_string(),
            "CRM: reading lead `L-1`: the CRM has no lead `L-1`"
        );
        let garbage = CrmError::BadAnswer {
            operation: op(),
            status: 200,
            detail: "not JSON".into(),
        };
        assert_eq!(garbage.status(), 502);
    }

    #[test]
    fn only_a_refusal_or_a_call_never_sent_tells_that_nothing_was_done() {
        let rejected = |status| CrmError::Rejected {
            operation: op(),
            status,
            exception_type: "MXInvalidInputException".into(),
            message: "no".into(),
        };
        let bad = |status| CrmError::BadAnswer {
            operation: op(),
            status,
            detail: "not JSON".into(),
        };
        let unknown = [
            CrmError::Timeout {
                operation: op(),
                timeout_ms: 500,
            },
            CrmError::Unreachable {
                operation: op(),
                detail: "connection reset".into(),
            },
            rejected(500),
            rejected(503),
            bad(200),
            bad(502),
        ];
        for e in unknown {
            assert!(e.outcome_unknown(), "{e}");
        }
        let refused = [
            rejected(400),
            rejected(200),
            bad(400),
            bad(404),
            CrmError::LeadNotFound { operation: op() },
            CrmError::RateLimited {
                operation: op(),
                attempts: 3,
                retry_after_s: None,
            },
            CrmError::InvalidInput {
                operation: op(),
                field: "lead_id",
                message: "is empty".into(),
            },
            CrmError::Misconfigured {
                operation: op(),
                message: "no base URL".into(),
            },
        ];
        for e in refused {
            assert!(!e.outcome_unknown(), "{e}");
        }
    }
}
