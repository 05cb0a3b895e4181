//! Outbound HTTP with a deadline. `spin_sdk::http::send` passes no request
//! options, so this posts through `wasi:http/outgoing-handler` directly with
//! connect, first-byte and between-bytes timeouts (as the OTP Lapp does), and
//! reads the answer's body. A host that cannot honour an option keeps its
//! own deadline (recrules-host: the per-request deadline).

use spin_sdk::wit::wasi::http0_2_0::outgoing_handler;
use spin_sdk::wit::wasi::http0_2_0::types::{
    ErrorCode, Fields, Method, OutgoingBody, OutgoingRequest, RequestOptions, Scheme,
};

/// The most bytes one blocking write may carry (a wasi:io limit).
const WRITE_CHUNK: usize = 4096;
/// The most bytes of an answer read (a tenant Lapp answers a small JSON).
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Why a call gave no answer.
#[derive(Debug)]
pub enum CallError {
    /// No answer within the time allowed.
    Timeout,
    /// Anything else, in words.
    Failed(String),
}

/// POSTs `body` to `url` with `headers`, allowing `timeout_ms` for the
/// connection, the first byte and each later byte; answers status and body.
pub fn post(
    url: &str,
    headers: &[(&str, String)],
    body: &[u8],
    timeout_ms: u64,
) -> Result<(u16, Vec<u8>), CallError> {
    let failed = |what: String| CallError::Failed(what);
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| failed(format!("`{url}` is not an absolute URL")))?;
    let scheme = match scheme {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        other => return Err(failed(format!("`{other}` is not http or https"))),
    };
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };
    let mut entries: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(name, value)| ((*name).to_owned(), value.clone().into_bytes()))
        .collect();
    entries.push((
        "content-length".to_owned(),
        body.len().to_string().into_bytes(),
    ));
    let fields = Fields::from_list(&entries).map_err(|e| failed(format!("bad header: {e:?}")))?;
    let request = OutgoingRequest::new(fields);
    let set = [
        request.set_method(&Method::Post),
        request.set_scheme(Some(&scheme)),
        request.set_authority(Some(authority)),
        request.set_path_with_query(Some(path)),
    ];
    if set.iter().any(Result::is_err) {
        return Err(failed(format!("`{url}` cannot be requested")));
    }
    let outgoing = request
        .body()
        .map_err(|()| failed("no request body".to_owned()))?;
    let options = RequestOptions::new();
    let timeout_ns = Some(timeout_ms.saturating_mul(1_000_000));
    // A host may refuse an option; its own deadline then applies.
    let _ = options.set_connect_timeout(timeout_ns);
    let _ = options.set_first_byte_timeout(timeout_ns);
    let _ = options.set_between_bytes_timeout(timeout_ns);
    let future = outgoing_handler::handle(request, Some(options)).map_err(from_code)?;
    {
        let stream = outgoing
            .write()
            .map_err(|()| failed("no body stream".to_owned()))?;
        for chunk in body.chunks(WRITE_CHUNK) {
            stream
                .blocking_write_and_flush(chunk)
                .map_err(|e| failed(format!("sending the body: {e:?}")))?;
        }
    }
    OutgoingBody::finish(outgoing, None).map_err(from_code)?;
    future.subscribe().block();
    let response = match future.get() {
        Some(Ok(Ok(response))) => response,
        Some(Ok(Err(e))) => return Err(from_code(e)),
        Some(Err(())) | None => return Err(failed("no response".to_owned())),
    };
    let status = response.status();
    let incoming = response
        .consume()
        .map_err(|()| failed("no response body".to_owned()))?;
    let mut answer = Vec::new();
    {
        let stream = incoming
            .stream()
            .map_err(|()| failed("no response body stream".to_owned()))?;
        // Any stream error ends the body: closed, or broken (then the
        // answer is cut short and does not parse).
        while let Ok(chunk) = stream.blocking_read(MAX_ANSWER_BYTES as u64) {
            answer.extend_from_slice(&chunk);
            if answer.len() > MAX_ANSWER_BYTES {
                return Err(failed(format!(
                    "the answer is over {MAX_ANSWER_BYTES} bytes"
                )));
            }
        }
    }
    Ok((status, answer))
}

/// A `wasi:http` error code as a [`CallError`].
fn from_code(code: ErrorCode) -> CallError {
    match code {
        ErrorCode::ConnectionTimeout
        | ErrorCode::ConnectionReadTimeout
        | ErrorCode::ConnectionWriteTimeout
        | ErrorCode::HttpResponseTimeout => CallError::Timeout,
        other => CallError::Failed(format!("{other:?}")),
    }
}
