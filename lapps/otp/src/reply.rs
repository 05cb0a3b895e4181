//! The Lapp's answers: JSON bodies, and the errors with the status they earn.

use recrules_lapp_support::auth::AuthError;
use recrules_lapp_support::store::StoreError;
use serde::Serialize;
use spin_sdk::http::Response;
use thiserror::Error;

/// A request the Lapp answers with an error. The JSON body is
/// `{"error": KIND, "field": FIELD-or-null, "message": TEXT}`.
#[derive(Debug, Error)]
pub enum Failure {
    /// 400: the request is malformed; `field` names what is wrong.
    #[error("{message}")]
    BadRequest {
        /// The field (body key, header or query parameter) at fault.
        field: String,
        /// What is wrong and what would be right.
        message: String,
    },
    /// 401: the org or its API key is missing or wrong.
    #[error("missing or wrong `x-org-id` / `x-api-key`: send the org's id and its API key")]
    Unauthorized,
    /// 404: no such route, or a Test-only route outside Test.
    #[error("{0}")]
    NotFound(String),
    /// 405: the route exists for another method; answered with `allow`.
    #[error("use {0} on this route")]
    MethodNotAllowed(&'static str),
    /// 502: the SMS gateway refused or did not answer; nothing was counted.
    #[error("the SMS gateway failed: {0}; nothing was counted, try again")]
    Gateway(String),
    /// 503: a Spin variable is missing or malformed; `variable` names it.
    #[error("Spin variable `{variable}`: {message}")]
    Misconfigured {
        /// The variable at fault.
        variable: &'static str,
        /// What is wrong and what would be right.
        message: String,
    },
    /// 503: the state store or the random source failed, or stayed busy.
    #[error("{0}; try again")]
    Unavailable(String),
}

/// The state store, answering [`Failure`]s.
pub type Store = recrules_lapp_support::store::Store<Failure>;

/// A store error is a 503.
impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(e.to_string())
    }
}

/// A refused org or key is a 401; a malformed `org_api_keys` a 503.
impl From<AuthError> for Failure {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Unauthorized => Self::Unauthorized,
            AuthError::NoKeys { variable } => Self::misconfigured(
                variable,
                "no org has an API key: set it to a JSON object such as {\"org-1\": \"a-long-random-key\"}",
            ),
            AuthError::Malformed { variable, detail } => Self::misconfigured(
                variable,
                format!("not a JSON object of org id to API key ({detail}); e.g. {{\"org-1\": \"a-long-random-key\"}}"),
            ),
        }
    }
}

/// The JSON body of an error answer.
#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    field: Option<&'a str>,
    message: String,
}

impl Failure {
    /// A 400 naming `field`.
    pub fn bad(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadRequest {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A 503 naming `variable`.
    pub fn misconfigured(variable: &'static str, message: impl Into<String>) -> Self {
        Self::Misconfigured {
            variable,
            message: message.into(),
        }
    }

    /// The answer: status and JSON body.
    pub fn response(&self) -> Response {
        let (status, error, field) = match self {
            Self::BadRequest { field, .. } => (400, "bad_request", Some(field.as_str())),
            Self::Unauthorized => (401, "unauthorized", None),
            Self::NotFound(_) => (404, "not_found", None),
            Self::MethodNotAllowed(_) => (405, "method_not_allowed", None),
            Self::Gateway(_) => (502, "sms_gateway_failed", None),
            Self::Misconfigured { variable, .. } => (503, "misconfigured", Some(*variable)),
            Self::Unavailable(_) => (503, "unavailable", None),
        };
        let body = ErrorBody {
            error,
            field,
            message: self.to_string(),
        };
        let mut answer = json(status, &body);
        if let Self::MethodNotAllowed(methods) = self {
            answer.set_header("allow", *methods);
        }
        answer
    }
}

/// A JSON answer.
pub fn json(status: u16, body: &impl Serialize) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(bytes)
        .build()
}
