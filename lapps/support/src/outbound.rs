//! Outbound HTTP with timeouts. `spin_sdk::http::send` passes no request
//! options, so [`post`] goes through `wasi:http/outgoing-handler` directly
//! with connect, first-byte and between-bytes timeouts. A host that cannot
//! honour an option keeps its own deadline (recrules-host: the per-request
//! deadline).

use std::time::Duration;

use spin_sdk::wit::wasi::http0_2_0::outgoing_handler;
use spin_sdk::wit::wasi::http0_2_0::types::{
    ErrorCode, Fields, FutureIncomingResponse, IncomingResponse, Method, OutgoingBody,
    OutgoingRequest, RequestOptions, Scheme,
};
use thiserror::Error;

/// The most bytes one blocking write may carry (a wasi:io limit).
const WRITE_CHUNK: usize = 4096;

/// Why a call gave no answer. Its text is what went wrong, in words
/// (a `wasi:http` error code in its `Debug` form, e.g. `ConnectionTimeout`).
#[derive(Debug, Error)]
pub enum CallError {
    /// No answer within the time allowed (the `wasi:http` code, in words).
    #[error("{0}")]
    Timeout(String),
    /// Anything else, in words.
    #[error("{0}")]
    Failed(String),
}

/// The answer to a call: its status, and its body if the caller reads it.
pub struct Answer {
    /// The response (dropped before `_future`, as it was taken from it).
    response: IncomingResponse,
    /// The future the response came from, kept as long as the response.
    _future: FutureIncomingResponse,
}

impl Answer {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.response.status()
    }

    /// Reads the body, failing when it is over `max_bytes`. Any stream
    /// error ends the body: closed, or broken (then the body is cut short).
    pub fn body(self, max_bytes: usize) -> Result<Vec<u8>, CallError> {
        let failed = |what: String| CallError::Failed(what);
        let incoming = self
            .response
            .consume()
            .map_err(|()| failed("no response body".to_owned()))?;
        let mut answer = Vec::new();
        {
            let stream = incoming
                .stream()
                .map_err(|()| failed("no response body stream".to_owned()))?;
            while let Ok(chunk) = stream.blocking_read(max_bytes as u64) {
                answer.extend_from_slice(&chunk);
                if answer.len() > max_bytes {
                    return Err(failed(format!("the answer is over {max_bytes} bytes")));
                }
            }
        }
        Ok(answer)
    }
}

/// POSTs `body` to `url` with `headers` (and a `content-length`, so the
/// body is not sent chunked), allowing `timeout` for the connection, the
/// first byte and each later byte; answers the response.
pub fn post(
    url: &str,
    headers: &[(&str, String)],
    body: &[u8],
    timeout: Duration,
) -> Result<Answer, CallError> {
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
    let timeout_ns = Some(u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX));
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
    match future.get() {
        Some(Ok(Ok(response))) => Ok(Answer {
            response,
            _future: future,
        }),
        Some(Ok(Err(e))) => Err(from_code(e)),
        Some(Err(())) | None => Err(failed("no response".to_owned())),
    }
}

/// A `wasi:http` error code as a [`CallError`], in words a reader of the
/// caller's answer understands (the code itself in parentheses).
fn from_code(code: ErrorCode) -> CallError {
    let words = format!("{code:?}");
    let failed = |what: &str| CallError::Failed(format!("{what} ({words})"));
    match code {
        ErrorCode::ConnectionTimeout
        | ErrorCode::ConnectionReadTimeout
        | ErrorCode::ConnectionWriteTimeout
        | ErrorCode::HttpResponseTimeout => CallError::Timeout(words),
        ErrorCode::HttpProtocolError
        | ErrorCode::HttpResponseIncomplete
        | ErrorCode::HttpResponseHeaderSectionSize(_)
        | ErrorCode::HttpResponseHeaderSize(_)
        | ErrorCode::HttpResponseBodySize(_)
        | ErrorCode::HttpResponseTransferCoding(_)
        | ErrorCode::HttpResponseContentCoding(_) => failed("its answer is not valid HTTP"),
        ErrorCode::ConnectionRefused => failed("it refused the connection"),
        ErrorCode::ConnectionTerminated => failed("it closed the connection without answering"),
        ErrorCode::DnsError(_) | ErrorCode::DestinationNotFound => {
            failed("its address does not resolve")
        }
        ErrorCode::HttpRequestDenied => {
            failed("the host may not call it: add its origin to `allowed_outbound_hosts`")
        }
        _ => CallError::Failed(words),
    }
}
