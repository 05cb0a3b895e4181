//! The HTTP server: routes each request to its component and runs it in a fresh instance.
//!
//! Host-made answers are JSON (`{"error": "..."}`): 404 for a path no route
//! matches, 413 for a body over [`MAX_BODY_BYTES`], 503 when every instance
//! slot is busy, 504 past the request timeout, 500 when the guest fails
//! without answering.

use crate::routes::Router;
use crate::state::{Grants, RequestState};
use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Incoming};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use wasmtime::Store;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

/// Largest request body passed to a component: 11 MB (a 10 MB recording and its envelope).
pub const MAX_BODY_BYTES: usize = 11 * 1024 * 1024;

/// How much of an oversized body is read and dropped before answering 413, so
/// the client sees the answer instead of a reset connection.
const MAX_DRAIN_BYTES: usize = 64 * 1024 * 1024;

/// A component ready to serve.
pub struct Served {
    /// The pre-instantiated component.
    pub pre: ProxyPre<RequestState>,
    /// What its instances may use.
    pub grants: Grants,
}

/// The application being served.
pub struct Server {
    /// Routes to component ids.
    pub router: Router,
    /// Components by id.
    pub components: HashMap<String, Served>,
    /// Per-request deadline.
    pub timeout: Duration,
}

impl Server {
    /// Serves connections from `listener` until the process ends.
    pub async fn run(self: Arc<Self>, listener: TcpListener) {
        loop {
            let (stream, client) = match listener.accept().await {
                Ok(conn) => conn,
                Err(e) => {
                    eprintln!("recrules-host: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let server = self.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    let server = server.clone();
                    async move { Ok::<_, std::convert::Infallible>(server.handle(req, client).await) }
                });
                if let Err(e) = hyper::server::conn::http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service)
                    .await
                {
                    eprintln!("recrules-host: connection from {client}: {e}");
                }
            });
        }
    }

    /// Answers one request.
    async fn handle(
        &self,
        req: hyper::Request<Incoming>,
        client: SocketAddr,
    ) -> hyper::Response<HyperOutgoingBody> {
        let path = req.uri().path().to_owned();
        let Some(matched) = self.router.find(&path) else {
            return json_error(StatusCode::NOT_FOUND, &format!("no route matches {path}"));
        };
        let Some(served) = self.components.get(&matched.route.component) else {
            return json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("route {} has no loaded component", matched.route.pattern),
            );
        };
        let (mut parts, body) = req.into_parts();
        let body = match read_limited(body).await {
            Ok(bytes) => bytes,
            Err(BodyError::TooLarge) => {
                let mut resp = json_error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &format!("request body exceeds {MAX_BODY_BYTES} bytes"),
                );
                resp.headers_mut()
                    .insert(http::header::CONNECTION, HeaderValue::from_static("close"));
                return resp;
            }
            Err(BodyError::Read(e)) => {
                return json_error(
                    StatusCode::BAD_REQUEST,
                    &format!("cannot read the request body: {e}"),
                )
            }
        };
        let host = parts
            .headers
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost")
            .to_owned();
        let full_url = format!(
            "http://{host}{}",
            parts
                .uri
                .path_and_query()
                .map_or(path.as_str(), |pq| pq.as_str())
        );
        let spin_headers = [
            ("spin-full-url", full_url),
            ("spin-path-info", matched.path_info.clone()),
            ("spin-matched-route", matched.route.pattern.clone()),
            ("spin-raw-component-route", matched.route.pattern.clone()),
            ("spin-component-route", matched.component_route.to_owned()),
            ("spin-base-path", "/".to_owned()),
            ("spin-client-addr", client.to_string()),
        ];
        for (name, value) in spin_headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                parts.headers.insert(name, v);
            }
        }
        let req = hyper::Request::from_parts(parts, Full::new(body));
        self.run_guest(served, req).await
    }

    /// Runs the component on `req` in a fresh instance, within the deadline.
    async fn run_guest(
        &self,
        served: &Served,
        req: hyper::Request<Full<Bytes>>,
    ) -> hyper::Response<HyperOutgoingBody> {
        let component = served.grants.component.clone();
        let mut store = Store::new(
            served.pre.engine(),
            RequestState::new(served.grants.clone()),
        );
        store.set_epoch_deadline(1);
        store.epoch_deadline_async_yield_and_update(1);
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let prepared = {
            use wasmtime_wasi_http::WasiHttpView;
            let http = store.data_mut();
            http.http()
                .new_incoming_request(Scheme::Http, req)
                .and_then(|r| http.http().new_response_outparam(sender).map(|o| (r, o)))
        };
        let (req, out) = match prepared {
            Ok(pair) => pair,
            Err(e) => {
                return json_error(
                    StatusCode::BAD_REQUEST,
                    &format!("cannot pass the request to the component: {e:#}"),
                )
            }
        };
        let pre = served.pre.clone();
        let timeout = self.timeout;
        let task = tokio::spawn(async move {
            tokio::time::timeout(timeout, async move {
                let proxy = pre.instantiate_async(&mut store).await?;
                proxy
                    .wasi_http_incoming_handler()
                    .call_handle(&mut store, req, out)
                    .await
            })
            .await
        });
        match receiver.await {
            Ok(Ok(resp)) => resp,
            Ok(Err(code)) => json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("component `{component}` answered with an error: {code:?}"),
            ),
            Err(_) => match task.await {
                Err(join) => json_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &format!("component `{component}` task failed: {join}"),
                ),
                Ok(Err(_elapsed)) => json_error(
                    StatusCode::GATEWAY_TIMEOUT,
                    &format!(
                        "component `{component}` did not answer within {} s",
                        timeout.as_secs()
                    ),
                ),
                Ok(Ok(Err(e))) => {
                    let text = format!("{e:#}");
                    eprintln!("recrules-host: component `{component}` failed: {text}");
                    if text.contains("maximum concurrent") {
                        json_error(
                            StatusCode::SERVICE_UNAVAILABLE,
                            "too many requests in flight; retry shortly",
                        )
                    } else {
                        json_error(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            &format!("component `{component}` failed: {text}"),
                        )
                    }
                }
                Ok(Ok(Ok(()))) => json_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &format!("component `{component}` returned without setting a response"),
                ),
            },
        }
    }
}

/// Why a request body was not read.
enum BodyError {
    TooLarge,
    Read(hyper::Error),
}

/// Reads the whole body if it is at most [`MAX_BODY_BYTES`].
async fn read_limited(mut body: Incoming) -> Result<Bytes, BodyError> {
    let declared = body.size_hint().exact().unwrap_or(0);
    let mut buf = Vec::new();
    let mut seen: usize = 0;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(BodyError::Read)?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen = seen.saturating_add(data.len());
        if seen > MAX_DRAIN_BYTES {
            return Err(BodyError::TooLarge);
        }
        if seen <= MAX_BODY_BYTES && declared <= MAX_BODY_BYTES as u64 {
            buf.extend_from_slice(&data);
        }
    }
    if seen > MAX_BODY_BYTES || declared > MAX_BODY_BYTES as u64 {
        return Err(BodyError::TooLarge);
    }
    Ok(Bytes::from(buf))
}

/// A JSON error answer: `{"error": message}`.
fn json_error(status: StatusCode, message: &str) -> hyper::Response<HyperOutgoingBody> {
    let body = serde_json::json!({ "error": message }).to_string();
    let mut resp = hyper::Response::new(
        Full::new(Bytes::from(body))
            .map_err(|never| match never {})
            .boxed_unsync(),
    );
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}
