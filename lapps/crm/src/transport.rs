//! Outbound HTTP to the CRM, asynchronous and with a deadline.
//!
//! `spin_sdk::http::send` passes no request options and has no deadline, so
//! this sends through `wasi:http/outgoing-handler` itself: the connect,
//! first-byte and between-bytes options are set to the call's timeout, and
//! the whole exchange (head and body) must also finish before a deadline on
//! the monotonic clock. Waiting is done by registering pollables with Spin's
//! executor, so other futures of the Lapp keep running meanwhile.

use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll};

use futures::future::{select, Either};
use futures::StreamExt;
use spin_executor::{push_waker_and_get_token, CancelOnDropToken};
use spin_sdk::wit::wasi::http0_2_0::outgoing_handler;
use spin_sdk::wit::wasi::http0_2_0::types::{
    ErrorCode, Fields, FutureIncomingResponse, IncomingResponse, Method as WasiMethod,
    OutgoingBody, OutgoingRequest, RequestOptions, Scheme as WasiScheme,
};
use wasi::clocks::monotonic_clock;

use crate::wire::endpoint::{Endpoint, Scheme};
use crate::wire::{Call, Method};

/// The most bytes one blocking write may carry (a wasi:io limit).
const WRITE_CHUNK: usize = 4096;
/// The largest answer read, in bytes.
const MAX_ANSWER_BYTES: usize = 8 << 20;
/// Nanoseconds in a millisecond.
const NS_PER_MS: u64 = 1_000_000;

/// The CRM's answer.
#[derive(Debug)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// Why an exchange gave no answer.
#[derive(Debug)]
pub enum TransportError {
    /// The deadline passed, or the host timed the request out.
    Timeout,
    /// The host refused to send it (`allowed_outbound_hosts`).
    Denied,
    /// Anything else, in words.
    Failed(String),
}

/// Sends `call` to `endpoint` with `headers`; the answer must be complete
/// within `timeout_ms`.
pub async fn exchange(
    endpoint: &Endpoint,
    call: &Call,
    headers: &[(&str, &str)],
    timeout_ms: u64,
) -> Result<Reply, TransportError> {
    let deadline = monotonic_clock::now().saturating_add(timeout_ms.saturating_mul(NS_PER_MS));
    let request = outgoing(endpoint, call, headers)?;
    let body = request
        .body()
        .map_err(|()| TransportError::Failed("no request body".into()))?;
    let options = RequestOptions::new();
    // A host may refuse an option; the deadline below still holds.
    let timeout_ns = Some(timeout_ms.saturating_mul(NS_PER_MS));
    let _ = options.set_connect_timeout(timeout_ns);
    let _ = options.set_first_byte_timeout(timeout_ns);
    let _ = options.set_between_bytes_timeout(timeout_ns);
    let future = outgoing_handler::handle(request, Some(options)).map_err(from_code)?;
    write_body(body, call.body.as_deref().unwrap_or_default())?;
    let response = within(deadline, Incoming::new(future)).await??;
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .into_iter()
        .next()
        .map(|v| String::from_utf8_lossy(&v).into_owned());
    let body = within(deadline, read_body(&response)).await??;
    Ok(Reply {
        status,
        retry_after,
        body,
    })
}

/// Waits `ms` milliseconds without blocking other futures.
pub async fn sleep(ms: u64) {
    Sleep::until(monotonic_clock::now().saturating_add(ms.saturating_mul(NS_PER_MS))).await;
}

/// The request for `call`, body not yet written.
fn outgoing(
    endpoint: &Endpoint,
    call: &Call,
    headers: &[(&str, &str)],
) -> Result<OutgoingRequest, TransportError> {
    let mut entries: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(name, value)| ((*name).to_owned(), value.as_bytes().to_vec()))
        .collect();
    if let Some(body) = &call.body {
        let kind = call.content_type.as_deref().unwrap_or("application/json");
        entries.push(("content-type".into(), kind.as_bytes().to_vec()));
        // A known length, so the body is not sent chunked.
        entries.push(("content-length".into(), body.len().to_string().into_bytes()));
    }
    let fields = Fields::from_list(&entries)
        .map_err(|e| TransportError::Failed(format!("a header cannot be sent: {e:?}")))?;
    let request = OutgoingRequest::new(fields);
    let set = [
        request.set_method(&match call.method {
            Method::Get => WasiMethod::Get,
            Method::Post => WasiMethod::Post,
        }),
        request.set_scheme(Some(&match endpoint.scheme {
            Scheme::Http => WasiScheme::Http,
            Scheme::Https => WasiScheme::Https,
        })),
        request.set_authority(Some(&endpoint.authority)),
        request.set_path_with_query(Some(&format!("{}{}", endpoint.prefix, call.path_and_query))),
    ];
    if set.iter().any(Result::is_err) {
        return Err(TransportError::Failed(format!(
            "`{}{}{}` cannot be requested",
            endpoint.authority, endpoint.prefix, call.path_and_query
        )));
    }
    Ok(request)
}

/// Writes and finishes the request body.
fn write_body(outgoing: OutgoingBody, body: &[u8]) -> Result<(), TransportError> {
    {
        let stream = outgoing
            .write()
            .map_err(|()| TransportError::Failed("no request body stream".into()))?;
        for chunk in body.chunks(WRITE_CHUNK) {
            stream
                .blocking_write_and_flush(chunk)
                .map_err(|e| TransportError::Failed(format!("sending the body: {e:?}")))?;
        }
    }
    OutgoingBody::finish(outgoing, None).map_err(from_code)
}

/// The whole answer body, at most [`MAX_ANSWER_BYTES`].
async fn read_body(response: &IncomingResponse) -> Result<Vec<u8>, TransportError> {
    let mut stream = pin!(response.take_body_stream());
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| TransportError::Failed(format!("reading the answer: {e:?}")))?;
        body.extend_from_slice(&chunk);
        if body.len() > MAX_ANSWER_BYTES {
            return Err(TransportError::Failed(format!(
                "the answer is larger than {MAX_ANSWER_BYTES} bytes"
            )));
        }
    }
    Ok(body)
}

/// `future`'s output, or [`TransportError::Timeout`] once `deadline` passes.
async fn within<F: Future>(deadline: u64, future: F) -> Result<F::Output, TransportError> {
    match select(pin!(future), Sleep::until(deadline)).await {
        Either::Left((output, _)) => Ok(output),
        Either::Right(_) => Err(TransportError::Timeout),
    }
}

/// A host error as a [`TransportError`].
fn from_code(code: ErrorCode) -> TransportError {
    match code {
        ErrorCode::ConnectionTimeout
        | ErrorCode::ConnectionReadTimeout
        | ErrorCode::ConnectionWriteTimeout
        | ErrorCode::HttpResponseTimeout => TransportError::Timeout,
        ErrorCode::HttpRequestDenied => TransportError::Denied,
        other => TransportError::Failed(format!("{other:?}")),
    }
}

/// The response to a sent request, once the host has its head.
struct Incoming {
    /// Dropped first: the pollable is a child of `future`.
    token: Option<CancelOnDropToken>,
    future: FutureIncomingResponse,
}

impl Incoming {
    fn new(future: FutureIncomingResponse) -> Self {
        Self {
            token: None,
            future,
        }
    }
}

impl Future for Incoming {
    type Output = Result<IncomingResponse, TransportError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.future.get() {
            Some(Ok(Ok(response))) => Poll::Ready(Ok(response)),
            Some(Ok(Err(code))) => Poll::Ready(Err(from_code(code))),
            Some(Err(())) => Poll::Ready(Err(TransportError::Failed(
                "the response was already taken".into(),
            ))),
            None => {
                let pollable = self.future.subscribe();
                let token = push_waker_and_get_token(pollable, cx.waker().clone());
                self.token = Some(token.into());
                Poll::Pending
            }
        }
    }
}

/// Ready once the monotonic clock reaches `until` (nanoseconds).
struct Sleep {
    until: u64,
    token: Option<CancelOnDropToken>,
}

impl Sleep {
    fn until(until: u64) -> Self {
        Self { until, token: None }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if monotonic_clock::now() >= self.until {
            return Poll::Ready(());
        }
        let pollable = monotonic_clock::subscribe_instant(self.until);
        let token = push_waker_and_get_token(pollable, cx.waker().clone());
        self.token = Some(token.into());
        Poll::Pending
    }
}
