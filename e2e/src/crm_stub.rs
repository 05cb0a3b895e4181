//! A stand-in CRM on loopback, speaking the v2 REST API the connector
//! (`lapps/crm`) uses, with leads and activities in memory:
//!
//! - `POST /v2/ProspectActivity.svc/Create` with `{RelatedProspectId,
//!   ActivityEvent, ActivityNote, ActivityDateTime, Fields: [{SchemaName,
//!   Value}]}` answers `{"Status": "Success", "Message": {"Id": "A-n"}}`;
//! - `POST /v2/ProspectActivity.svc/Retrieve?leadId=` with `{"Paging":
//!   {"Offset", "RowCount"}}` answers `{"RecordCount", "ProspectActivities":
//!   [{Id, EventCode, CreatedOn, CreatedBy, ActivityNote, Fields}]}`, newest
//!   first;
//! - `GET /v2/LeadManagement.svc/Leads.GetById?id=` answers `[{...lead}]` or `[]`;
//! - `POST /v2/ProspectActivity.svc/Attachment/Add` with `{ProspectActivityId,
//!   AttachmentName, Description, AttachmentFile}` answers `{"Status":
//!   "Success", "Message": {"Id": "X-n"}}`; an activity whose type was
//!   refused attachments ([`CrmStub::refuse_attachments`], as "Allow
//!   Attachments" off) answers 400 saying so; a file not uploaded, 400;
//! - on a second port, the files host ([`CrmStub::files_origin`]): `POST
//!   /File/Upload`, a real `multipart/form-data` body parsed part by part,
//!   with `uploadFiles` (a file part), `AccessKey` and `SecretKey` (checked:
//!   401 when wrong), `FileType`, `FileStorageType`, `EnableResize`, `Id`
//!   and `Entity` (400 naming a missing one); answers `{"Status": "Success",
//!   "uploadedFile": name, "uploadedFileURL": url}`.
//!
//! [`CrmStub::rate_limit`] answers 429 past a number of requests in a sliding
//! window, as the CRM does at "25 in 5 seconds".
//!
//! Errors answer `{"Status": "Error", "ExceptionType", "ExceptionMessage"}`:
//! 401 without the right `x-LSQ-AccessKey` and `x-LSQ-SecretKey`, 400 for a
//! bad body or an unknown lead (`MXProspectDoesNotExistException`), 404 for
//! an unknown path. It records every request and can be told to answer the
//! next ones with a [`Fault`].

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::gateway::Received;

/// The access key the stub accepts.
pub const ACCESS_KEY: &str = "crm-access-0123456789";
/// The secret key the stub accepts.
pub const SECRET_KEY: &str = "crm-secret-abcdefghij";
/// `CreatedBy` of the activities created through the API (the keys' owner).
pub const API_USER: &str = "crm-api-user";

/// How the stub answers a request instead of serving it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 429, with `Retry-After` in seconds when given.
    TooManyRequests {
        /// The `Retry-After` header's seconds.
        retry_after_s: Option<u64>,
    },
    /// 400 with the CRM's error body (`MXInvalidInputException`): the CRM
    /// refuses the request and does nothing.
    Refused,
    /// 500 with the CRM's error body.
    ServerError,
    /// 200 with a body that is not JSON.
    Garbage,
    /// Never answers (the connection stays open).
    Hang,
    /// Serves the request (a Create creates its activity) but never
    /// answers: the CRM did the work and the caller never learns of it.
    Unanswered,
    /// Serves the request (a Create creates its activity), then answers as
    /// [`Fault::ServerError`] does.
    ServedThenServerError,
    /// Serves the request (a Create creates its activity), then answers as
    /// [`Fault::Garbage`] does.
    ServedThenGarbage,
}

impl Fault {
    /// Whether the request is served (its work done) before the fault answers.
    fn serves(self) -> bool {
        matches!(
            self,
            Fault::Unanswered | Fault::ServedThenServerError | Fault::ServedThenGarbage
        )
    }
}

/// The stub's memory.
#[derive(Default)]
struct State {
    leads: BTreeMap<String, Value>,
    /// Activities by lead, oldest first, in the Retrieve item shape.
    activities: BTreeMap<String, Vec<Value>>,
    next_id: usize,
    faults: VecDeque<Fault>,
    /// Faults for requests whose path starts with the given text, in order.
    faults_at: Vec<(String, Fault)>,
    received: Vec<Received>,
    /// Connections left unanswered by [`Fault::Hang`].
    hung: Vec<TcpStream>,
    /// Files uploaded, in order.
    uploads: Vec<StubUpload>,
    /// Attachments added, in order.
    attachments: Vec<StubAttachment>,
    /// Event codes whose activities take no attachments.
    no_attachments: BTreeSet<u64>,
    /// At most this many requests per window, then 429.
    rate: Option<(usize, Duration)>,
    /// When the requests inside the window arrived.
    arrivals: VecDeque<Instant>,
}

/// A file the stub stored from `POST /File/Upload`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StubUpload {
    /// `uploadedFile`: the stored name (unique per upload).
    pub name: String,
    /// `uploadedFileURL`.
    pub url: String,
    /// The `filename` of the `uploadFiles` part.
    pub file_name: String,
    /// The `content-type` of the `uploadFiles` part.
    pub content_type: String,
    /// The SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
    /// Its size.
    pub size: usize,
    /// The other form fields, by name.
    pub fields: BTreeMap<String, String>,
}

/// An attachment the stub added from `Attachment/Add`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StubAttachment {
    /// Its id.
    pub id: String,
    /// `ProspectActivityId`.
    pub activity_id: String,
    /// `AttachmentName`.
    pub name: String,
    /// `Description`.
    pub description: String,
    /// `AttachmentFile`.
    pub file: String,
}

/// The stub; it serves until the test process ends.
pub struct CrmStub {
    /// `http://127.0.0.1:PORT`: the connector's base URL and the origin to allow.
    pub origin: String,
    /// `http://127.0.0.1:PORT2`: the files host (`crm_files_url`, `crm_files_origin`).
    pub files_origin: String,
    state: Arc<Mutex<State>>,
}

impl CrmStub {
    /// Starts an empty CRM.
    pub fn start() -> CrmStub {
        let state = Arc::new(Mutex::new(State::default()));
        let listen = |files: bool| {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind the CRM stub");
            let origin = format!("http://{}", listener.local_addr().expect("stub address"));
            let shared = state.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming().flatten() {
                    let state = shared.clone();
                    std::thread::spawn(move || serve(stream, &state, files));
                }
            });
            origin
        };
        let origin = listen(false);
        let files_origin = listen(true);
        CrmStub {
            origin,
            files_origin,
            state,
        }
    }

    /// Adds (or replaces) lead `id` with its attributes (a JSON object,
    /// e.g. `{"Phone": "+91...", "ProspectStage": "Open"}`).
    pub fn add_lead(&self, id: &str, attributes: Value) {
        let mut lead = json!({ "ProspectID": id });
        if let (Some(lead), Value::Object(more)) = (lead.as_object_mut(), attributes) {
            lead.extend(more);
        }
        let mut state = self.lock();
        state.leads.insert(id.to_owned(), lead);
        state.activities.entry(id.to_owned()).or_default();
    }

    /// Adds an activity to lead `lead`'s history, as if posted earlier;
    /// answers its id. `created_on` is UTC `yyyy-MM-dd HH:mm:ss`.
    pub fn add_activity(
        &self,
        lead: &str,
        event_code: u32,
        created_on: &str,
        created_by: Option<&str>,
    ) -> String {
        let mut state = self.lock();
        let id = state.new_id();
        let item = json!({ "Id": id, "EventCode": event_code, "CreatedOn": created_on,
                           "CreatedBy": created_by, "ActivityNote": "", "Fields": [] });
        state
            .activities
            .entry(lead.to_owned())
            .or_default()
            .push(item);
        id
    }

    /// Lead `lead`'s activities, oldest first, in the Retrieve item shape
    /// (with `ActivityNote` and `Fields` as posted).
    pub fn activities(&self, lead: &str) -> Vec<Value> {
        self.lock()
            .activities
            .get(lead)
            .cloned()
            .unwrap_or_default()
    }

    /// Answers the next `times` requests with `fault`, after those already queued.
    pub fn fail_next(&self, fault: Fault, times: usize) {
        self.lock().faults.extend(std::iter::repeat_n(fault, times));
    }

    /// Answers the next `times` requests whose path (with its query) starts
    /// with `path` with `fault`; other requests are served as before.
    pub fn fail_next_at(&self, path: &str, fault: Fault, times: usize) {
        let mut state = self.lock();
        state
            .faults_at
            .extend(std::iter::repeat_n((path.to_owned(), fault), times));
    }

    /// Refuses attachments to activities of `event_code` ("Allow Attachments" off).
    pub fn refuse_attachments(&self, event_code: u64) {
        self.lock().no_attachments.insert(event_code);
    }

    /// Allows attachments to activities of `event_code` again.
    pub fn allow_attachments(&self, event_code: u64) {
        self.lock().no_attachments.remove(&event_code);
    }

    /// Answers 429 (`Retry-After: 1`) to a request past `max` in any `window`.
    pub fn rate_limit(&self, max: usize, window: Duration) {
        self.lock().rate = Some((max, window));
    }

    /// Every file uploaded, in order.
    pub fn uploads(&self) -> Vec<StubUpload> {
        self.lock().uploads.clone()
    }

    /// Every attachment added, in order.
    pub fn attachments(&self) -> Vec<StubAttachment> {
        self.lock().attachments.clone()
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Received> {
        self.lock().received.clone()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("CRM stub state")
    }
}

impl State {
    /// A fresh activity id.
    fn new_id(&mut self) -> String {
        self.next_id += 1;
        format!("A-{}", self.next_id)
    }
}

/// Reads one request, records it, and answers it (or, for a hang or an
/// unanswered request, keeps it).
fn serve(stream: TcpStream, state: &Mutex<State>, files: bool) {
    let Some((mut request, raw)) = read_request(&stream) else {
        return;
    };
    if files {
        // The file's bytes are kept parsed ([`StubUpload`]), not as text.
        request.body = format!("({} bytes of multipart/form-data)", raw.len());
    }
    let mut state = state.lock().expect("CRM stub state");
    state.received.push(request.clone());
    if let Some((max, window)) = state.rate {
        let now = Instant::now();
        while state
            .arrivals
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            state.arrivals.pop_front();
        }
        state.arrivals.push_back(now);
        if state.arrivals.len() > max {
            drop(state);
            let limited = faulty(Fault::TooManyRequests {
                retry_after_s: Some(1),
            });
            if let Some(answer) = limited {
                write_answer(stream, answer);
            }
            return;
        }
    }
    let targeted = state
        .faults_at
        .iter()
        .position(|(path, _)| request.path.starts_with(path.as_str()));
    let fault = match targeted {
        Some(at) => Some(state.faults_at.remove(at).1),
        None => state.faults.pop_front(),
    };
    let serve_it = |state: &mut State| {
        if files {
            upload(state, &request, &raw)
        } else {
            answer(state, &request)
        }
    };
    let answer = match fault {
        None => Some(serve_it(&mut state)),
        Some(fault) => {
            if fault.serves() {
                serve_it(&mut state);
            }
            faulty(fault)
        }
    };
    let Some(answer) = answer else {
        state.hung.push(stream);
        return;
    };
    drop(state);
    write_answer(stream, answer);
}

/// A status, extra headers and a body.
type Answer = (u16, Vec<(&'static str, String)>, String);

/// The answer a fault gives; none for a hang (or an unanswered request).
fn faulty(fault: Fault) -> Option<Answer> {
    Some(match fault {
        Fault::TooManyRequests { retry_after_s } => {
            let headers = retry_after_s.map(|s| ("retry-after", s.to_string()));
            let body = error_body("MXTooManyRequestsException", "Too many requests");
            (429, headers.into_iter().collect(), body)
        }
        Fault::Refused => error(400, "MXInvalidInputException", "The activity is not valid"),
        Fault::ServerError | Fault::ServedThenServerError => {
            error(500, "MXUnhandledException", "Something went wrong")
        }
        Fault::Garbage | Fault::ServedThenGarbage => (
            200,
            Vec::new(),
            "<html>Service Unavailable</html>".to_owned(),
        ),
        Fault::Hang | Fault::Unanswered => return None,
    })
}

/// Serves an authenticated request of the API.
fn answer(state: &mut State, request: &Received) -> Answer {
    let access = request.header("x-lsq-accesskey");
    let secret = request.header("x-lsq-secretkey");
    if access != Some(ACCESS_KEY) || secret != Some(SECRET_KEY) {
        return error(
            401,
            "MXUnAuthorizedAccessException",
            "Invalid access key or secret key",
        );
    }
    let (path, query) = request.path.split_once('?').unwrap_or((&request.path, ""));
    let param = |name: &str| query_param(query, name).unwrap_or_default();
    match (request.method.as_str(), path) {
        ("POST", "/v2/ProspectActivity.svc/Create") => create(state, &request.body),
        ("POST", "/v2/ProspectActivity.svc/Attachment/Add") => attach(state, &request.body),
        ("POST", "/v2/ProspectActivity.svc/Retrieve") => {
            retrieve(state, &param("leadId"), &request.body)
        }
        ("GET", "/v2/LeadManagement.svc/Leads.GetById") => {
            let lead = state.leads.get(&param("id")).cloned();
            (
                200,
                Vec::new(),
                Value::Array(lead.into_iter().collect()).to_string(),
            )
        }
        _ => error(
            404,
            "MXInvalidPathException",
            &format!("No API at {} {path}", request.method),
        ),
    }
}

/// `ProspectActivity.svc/Create`.
fn create(state: &mut State, body: &str) -> Answer {
    let Ok(body) = serde_json::from_str::<Value>(body) else {
        return error(400, "MXInvalidInputException", "The body is not JSON");
    };
    let lead = body["RelatedProspectId"].as_str().unwrap_or_default();
    let (Some(code), Some(at)) = (
        body["ActivityEvent"].as_u64(),
        body["ActivityDateTime"].as_str(),
    ) else {
        return error(
            400,
            "MXInvalidInputException",
            "ActivityEvent and ActivityDateTime are required",
        );
    };
    if at.len() != 19 || !body["Fields"].is_array() {
        return error(
            400,
            "MXInvalidInputException",
            "ActivityDateTime or Fields is malformed",
        );
    }
    if !state.leads.contains_key(lead) {
        return unknown_lead(lead);
    }
    let id = state.new_id();
    let item = json!({ "Id": id, "EventCode": code, "CreatedOn": at, "CreatedBy": API_USER,
                       "ActivityNote": body["ActivityNote"], "Fields": body["Fields"] });
    state
        .activities
        .entry(lead.to_owned())
        .or_default()
        .push(item);
    (
        200,
        Vec::new(),
        json!({ "Status": "Success", "Message": { "Id": id } }).to_string(),
    )
}

/// `ProspectActivity.svc/Attachment/Add`.
fn attach(state: &mut State, body: &str) -> Answer {
    let Ok(body) = serde_json::from_str::<Value>(body) else {
        return error(400, "MXInvalidInputException", "The body is not JSON");
    };
    let text = |key: &str| body[key].as_str().unwrap_or_default().to_owned();
    let (activity_id, file) = (text("ProspectActivityId"), text("AttachmentFile"));
    if activity_id.is_empty() || file.is_empty() || text("AttachmentName").is_empty() {
        return error(
            400,
            "MXInvalidInputException",
            "ProspectActivityId, AttachmentName and AttachmentFile are required",
        );
    }
    let code = state
        .activities
        .values()
        .flatten()
        .find(|a| a["Id"] == activity_id.as_str())
        .and_then(|a| a["EventCode"].as_u64());
    let Some(code) = code else {
        return error(
            404,
            "MXActivityDoesNotExistException",
            &format!("No activity with id {activity_id}"),
        );
    };
    if state.no_attachments.contains(&code) {
        return error(
            400,
            "MXInvalidInputException",
            "Attachments are not allowed for this activity type",
        );
    }
    if !state
        .uploads
        .iter()
        .any(|u| u.url == file || u.name == file)
    {
        return error(
            400,
            "MXInvalidInputException",
            "AttachmentFile is not an uploaded file",
        );
    }
    state.next_id += 1;
    let id = format!("X-{}", state.next_id);
    state.attachments.push(StubAttachment {
        id: id.clone(),
        activity_id,
        name: text("AttachmentName"),
        description: text("Description"),
        file,
    });
    (
        200,
        Vec::new(),
        json!({ "Status": "Success", "Message": { "Id": id } }).to_string(),
    )
}

/// `POST /File/Upload` on the files host: the multipart form, parsed.
fn upload(state: &mut State, request: &Received, raw: &[u8]) -> Answer {
    if (request.method.as_str(), request.path.as_str()) != ("POST", "/File/Upload") {
        return error(404, "MXInvalidPathException", "No API at this path");
    }
    let Some(boundary) = request
        .header("content-type")
        .filter(|t| t.to_ascii_lowercase().starts_with("multipart/form-data"))
        .and_then(|t| t.split("boundary=").nth(1))
        .map(|b| b.trim_matches('"').to_owned())
    else {
        return error(
            400,
            "MXInvalidInputException",
            "Content-Type must be multipart/form-data with a boundary",
        );
    };
    let Some(parts) = multipart(raw, &boundary) else {
        return error(
            400,
            "MXInvalidInputException",
            "The multipart body is malformed",
        );
    };
    let mut fields = BTreeMap::new();
    let mut file = None;
    for part in parts {
        match part.file_name {
            Some(file_name) if part.name == "uploadFiles" => {
                file = Some((file_name, part.content_type, part.body))
            }
            _ => {
                fields.insert(part.name, String::from_utf8_lossy(&part.body).into_owned());
            }
        }
    }
    let field = |name: &str| fields.get(name).map(String::as_str);
    if field("AccessKey") != Some(ACCESS_KEY) || field("SecretKey") != Some(SECRET_KEY) {
        return error(
            401,
            "MXUnAuthorizedAccessException",
            "Invalid access key or secret key",
        );
    }
    for name in [
        "FileType",
        "FileStorageType",
        "EnableResize",
        "Id",
        "Entity",
    ] {
        if field(name).is_none_or(str::is_empty) {
            return error(
                400,
                "MXInvalidInputException",
                &format!("{name} is required"),
            );
        }
    }
    let Some((file_name, content_type, bytes)) = file.filter(|(_, _, b)| !b.is_empty()) else {
        return error(
            400,
            "MXInvalidInputException",
            "uploadFiles must carry a file",
        );
    };
    state.next_id += 1;
    let name = format!("{}-{file_name}", state.next_id);
    let url = format!("https://files.example/{name}");
    state.uploads.push(StubUpload {
        name: name.clone(),
        url: url.clone(),
        file_name,
        content_type,
        sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)),
        size: bytes.len(),
        fields,
    });
    (
        200,
        Vec::new(),
        json!({ "Status": "Success", "uploadedFile": name, "uploadedFileURL": url }).to_string(),
    )
}

/// One part of a multipart form.
struct Part {
    name: String,
    file_name: Option<String>,
    content_type: String,
    body: Vec<u8>,
}

/// The parts of a multipart body, or `None` when it is malformed.
fn multipart(raw: &[u8], boundary: &str) -> Option<Vec<Part>> {
    let delimiter = format!("--{boundary}").into_bytes();
    let find = |from: usize, needle: &[u8]| {
        raw.get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|at| from + at)
    };
    let mut at = find(0, &delimiter)? + delimiter.len();
    let mut parts = Vec::new();
    loop {
        if raw.get(at..at + 2)? == b"--" {
            return Some(parts);
        }
        let head_start = at + 2;
        let head_end = find(head_start, b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&raw[head_start..head_end]).into_owned();
        let next = find(head_end + 4, &[b"\r\n".as_slice(), &delimiter].concat())?;
        let attribute = |key: &str| {
            head.split(';')
                .map(str::trim)
                .find_map(|p| p.strip_prefix(&format!("{key}=\"")))
                .and_then(|v| v.split('"').next())
                .map(str::to_owned)
        };
        let content_type = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case("content-type")
                    .then(|| v.trim().to_owned())
            })
            .unwrap_or_default();
        parts.push(Part {
            name: attribute("name")?,
            file_name: attribute("filename"),
            content_type,
            body: raw[head_end + 4..next].to_vec(),
        });
        at = next + 2 + delimiter.len();
    }
}

/// `ProspectActivity.svc/Retrieve`: one page, newest first.
fn retrieve(state: &State, lead: &str, body: &str) -> Answer {
    let Some(all) = state.activities.get(lead) else {
        return unknown_lead(lead);
    };
    let paging = serde_json::from_str::<Value>(body).unwrap_or_default()["Paging"].clone();
    let offset = paging["Offset"].as_u64().unwrap_or(0) as usize;
    let rows = paging["RowCount"].as_u64().unwrap_or(100) as usize;
    let page: Vec<Value> = all.iter().rev().skip(offset).take(rows).cloned().collect();
    let answer = json!({ "RecordCount": all.len(), "ProspectActivities": page });
    (200, Vec::new(), answer.to_string())
}

/// The error answering a call about a lead the stub does not have.
fn unknown_lead(lead: &str) -> Answer {
    error(
        400,
        "MXProspectDoesNotExistException",
        &format!("No lead with id {lead}"),
    )
}

/// An error answer with the CRM's error body.
fn error(status: u16, kind: &str, message: &str) -> Answer {
    (status, Vec::new(), error_body(kind, message))
}

/// The CRM's error body.
fn error_body(kind: &str, message: &str) -> String {
    json!({ "Status": "Error", "ExceptionType": kind, "ExceptionMessage": message }).to_string()
}

/// A query parameter, percent- and plus-decoded.
fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| decode(value))
    })
}

/// Percent- and plus-decodes a query value.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads a request: line, headers (names in lowercase) and a body of `content-length`.
fn read_request(stream: &TcpStream) -> Option<(Received, Vec<u8>)> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let text = String::from_utf8_lossy(&body).into_owned();
    Some((
        Received {
            method,
            path,
            headers,
            body: text,
        },
        body,
    ))
}

/// Writes an answer and closes the connection.
fn write_answer(mut stream: TcpStream, (status, headers, body): Answer) {
    let mut head = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
}
