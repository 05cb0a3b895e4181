//! The CRM's v2 REST API on the wire, in one place: every path, header,
//! request body and answer shape the connector uses. Pure: it builds and
//! reads bytes, and is unit-tested natively.
//!
//! | call | request | answer |
//! |---|---|---|
//! | create an activity | `POST /v2/ProspectActivity.svc/Create`, [`activity::create_call`] | `{"Status": "Success", "Message": {"Id": "..."}}` |
//! | activity history | `POST /v2/ProspectActivity.svc/Retrieve?leadId=`, [`activity::history_call`] | [`activity::history_page`] |
//! | a lead | `GET /v2/LeadManagement.svc/Leads.GetById?id=` | `[{"ProspectID": "...", "Phone": "...", ...}]`, `[]` when unknown |
//! | upload a file (files host) | `POST /File/Upload`, multipart, [`file::upload_call`] | `{"uploadedFile": "..."}`, [`file::uploaded_file`] |
//! | attach a file to an activity | `POST /v2/ProspectActivity.svc/Attachment/Add`, [`attachment::attach_call`] | `{"Status": "Success", "Message": {"Id": "..."}}` |
//! | any error | | `{"Status": "Error", "ExceptionType": "...", "ExceptionMessage": "..."}`, see [`failure`] |
//!
//! Every request carries the keys in the headers [`ACCESS_KEY_HEADER`] and
//! [`SECRET_KEY_HEADER`].

pub mod activity;
pub mod attachment;
pub mod endpoint;
pub mod failure;
pub mod file;
pub mod lead;

/// The header carrying the CRM access key.
pub const ACCESS_KEY_HEADER: &str = "x-LSQ-AccessKey";
/// The header carrying the CRM secret key.
pub const SECRET_KEY_HEADER: &str = "x-LSQ-SecretKey";

/// An HTTP method the connector uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
}

/// One request to the CRM, relative to its base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The method.
    pub method: Method,
    /// The path under the base URL, with its query (`/v2/...?id=L-1`).
    pub path_and_query: String,
    /// The body, for a `POST`.
    pub body: Option<Vec<u8>>,
    /// The body's type; `None` is `application/json`.
    pub content_type: Option<String>,
}

/// `path?name=value`, the value form-encoded.
fn with_query(path: &str, name: &str, value: &str) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair(name, value)
        .finish();
    format!("{path}?{query}")
}

/// The first characters of an answer, for an error message.
pub fn snippet(body: &[u8]) -> String {
    const MAX: usize = 120;
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "an empty body".to_owned();
    }
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("`{}...`", &text[..at]),
        None => format!("`{text}`"),
    }
}
