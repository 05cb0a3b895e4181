//! The Lapp's answers: JSON bodies, and the errors with the status they earn.

use recrules_lapp_support::auth::{AuthError, KEY_HEADER};
use recrules_lapp_support::store::StoreError;
use serde::Serialize;
use serde_json::{Map, Value};
use spin_sdk::http::Response;
use thiserror::Error;

/// The body member marking a failed post that may have been carried out.
const OUTCOME_UNKNOWN: &str = "outcome_unknown";

/// A request the Lapp answers with an error. The JSON body is
/// `{"error": KIND, "field": FIELD-or-null, "message": TEXT, ...details}`.
#[derive(Debug, Error)]
#[error("{message}")]
pub struct Failure {
    /// The HTTP status.
    pub status: u16,
    /// The stable error code (`bad_request`, `missing_start`, ...).
    pub error: String,
    /// The request field at fault (body key, header, path or query parameter), or the Spin variable.
    pub field: Option<String>,
    /// What is wrong and what would be right.
    pub message: String,
    /// More members of the body (`diagnostics`, `failures`, ...).
    pub details: Map<String, Value>,
    /// Headers of the answer (`allow` on a 405).
    pub headers: Vec<(&'static str, String)>,
}

impl Failure {
    /// A failure with `status` and `error`, naming `field` when given.
    pub fn new(status: u16, error: &str, field: Option<&str>, message: impl Into<String>) -> Self {
        Self {
            status,
            error: error.to_owned(),
            field: field.map(str::to_owned),
            message: message.into(),
            details: Map::new(),
            headers: Vec::new(),
        }
    }

    /// 400: the request is malformed; `field` names what is wrong.
    pub fn bad(field: &str, message: impl Into<String>) -> Self {
        Self::new(400, "bad_request", Some(field), message)
    }

    /// 401: the org or its key is missing or wrong.
    pub fn unauthorized(key_header: &str) -> Self {
        Self::new(
            401,
            "unauthorized",
            Some(key_header),
            "missing or wrong `x-org-id` / `x-api-key`: send the org's id and its key (the admin key for PUT /settings)",
        )
    }

    /// 405: the route takes only `methods` (listed in the `allow` header).
    pub fn method_not_allowed(methods: &[&str]) -> Self {
        let mut failure = Self::new(
            405,
            "method_not_allowed",
            Some("method"),
            format!("use {} on this route", methods.join(" or ")),
        );
        failure.headers.push(("allow", methods.join(", ")));
        failure
    }

    /// 404: no such thing; `field` names what was looked up.
    pub fn not_found(field: &str, message: impl Into<String>) -> Self {
        Self::new(404, "not_found", Some(field), message)
    }

    /// 503: a Spin variable is missing or malformed; `field` names it.
    pub fn misconfigured(variable: &str, message: impl Into<String>) -> Self {
        Self::new(503, "misconfigured", Some(variable), message)
    }

    /// 503: the state store failed or stayed busy.
    pub fn unavailable(message: impl Into<String>) -> Self {
        let message: String = message.into();
        Self::new(503, "unavailable", None, format!("{message}; try again"))
    }

    /// Adds a member to the body.
    pub fn with(mut self, key: &str, value: impl Serialize) -> Self {
        self.details.insert(
            key.to_owned(),
            serde_json::to_value(value).unwrap_or(Value::Null),
        );
        self
    }

    /// Marks a failure of a post that may have been carried out all the
    /// same (`"outcome_unknown": true`): the request keeps its key and what
    /// it took, and its retry with the same `Idempotency-Key` looks for the
    /// activity before posting ([`crate::once`]).
    pub fn outcome_unknown(mut self) -> Self {
        self.message.push_str(
            "; the activity may have been created all the same: retry with the same Idempotency-Key, which answers it if it was and posts it once if not",
        );
        self.with(OUTCOME_UNKNOWN, true)
    }

    /// Whether [`Self::outcome_unknown`] marked it.
    pub fn is_outcome_unknown(&self) -> bool {
        self.details.get(OUTCOME_UNKNOWN) == Some(&Value::Bool(true))
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut body = Map::new();
        body.insert("error".to_owned(), Value::from(self.error.as_str()));
        body.insert(
            "field".to_owned(),
            self.field.as_deref().map_or(Value::Null, Value::from),
        );
        body.insert("message".to_owned(), Value::from(self.message.as_str()));
        for (k, v) in &self.details {
            body.insert(k.clone(), v.clone());
        }
        Value::Object(body)
    }

    /// The answer: status and JSON body.
    pub fn response(&self) -> Response {
        let mut answer = json(self.status, &self.body());
        for (name, value) in &self.headers {
            answer.set_header(*name, value.as_str());
        }
        answer
    }
}

/// The state store, answering [`Failure`]s.
pub type Store = recrules_lapp_support::store::Store<Failure>;

/// A store error is a 503.
impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Self::unavailable(e.to_string())
    }
}

/// A refused org or key is a 401; a malformed keys variable a 503.
impl From<AuthError> for Failure {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Unauthorized => Self::unauthorized(KEY_HEADER),
            AuthError::NoKeys { variable } => Self::misconfigured(
                variable,
                "no org has a key: set it to a JSON object such as {\"org-1\": \"a-long-random-key\"}",
            ),
            AuthError::Malformed { variable, detail } => Self::misconfigured(
                variable,
                format!("not a JSON object of org id to key ({detail}); e.g. {{\"org-1\": \"a-long-random-key\"}}"),
            ),
        }
    }
}

/// A JSON answer.
pub fn json(status: u16, body: &impl Serialize) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    json_bytes(status, bytes)
}

/// A JSON answer from its bytes.
pub fn json_bytes(status: u16, bytes: Vec<u8>) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(bytes)
        .build()
}
