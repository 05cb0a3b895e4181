//! Outbound HTTP with timeouts. `spin_sdk::http::send` passes no request
//! options, so this posts through `wasi:http/outgoing-handler` directly with
//! connect, first-byte and between-bytes timeouts of [`TIMEOUT_NS`]. A host
//! that cannot honour an option keeps its own deadline (recrules-host: the
//! per-request deadline).

use spin_sdk::wit::wasi::http0_2_0::outgoing_handler;
use spin_sdk::wit::wasi::http0_2_0::types::{
    Fields, Method, OutgoingBody, OutgoingRequest, RequestOptions, Scheme,
};

/// Each outbound timeout, in nanoseconds (10 s).
const TIMEOUT_NS: u64 = 10_000_000_000;
/// The most bytes one blocking write may carry (a wasi:io limit).
const WRITE_CHUNK: usize = 4096;

/// POSTs `body` to `url` with `headers`; answers the response status, or
/// what went wrong.
pub fn post(url: &str, headers: &[(&str, String)], body: &[u8]) -> Result<u16, String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("`{url}` is not an absolute URL"))?;
    let scheme = match scheme {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        other => return Err(format!("`{other}` is not http or https")),
    };
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };
    let mut entries: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(name, value)| ((*name).to_owned(), value.clone().into_bytes()))
        .collect();
    // A known length, so the body is not sent chunked.
    entries.push((
        "content-length".to_owned(),
        body.len().to_string().into_bytes(),
    ));
    let fields = Fields::from_list(&entries).map_err(|e| format!("bad header: {e:?}"))?;
    let request = OutgoingRequest::new(fields);
    let set = [
        request.set_method(&Method::Post),
        request.set_scheme(Some(&scheme)),
        request.set_authority(Some(authority)),
        request.set_path_with_query(Some(path)),
    ];
    if set.iter().any(Result::is_err) {
        return Err(format!("`{url}` cannot be requested"));
    }
    let outgoing = request.body().map_err(|()| "no request body".to_owned())?;
    let options = RequestOptions::new();
    // A host may refuse an option; its own deadline then applies.
    let _ = options.set_connect_timeout(Some(TIMEOUT_NS));
    let _ = options.set_first_byte_timeout(Some(TIMEOUT_NS));
    let _ = options.set_between_bytes_timeout(Some(TIMEOUT_NS));
    let future = outgoing_handler::handle(request, Some(options)).map_err(|e| format!("{e:?}"))?;
    {
        let stream = outgoing.write().map_err(|()| "no body stream".to_owned())?;
        for chunk in body.chunks(WRITE_CHUNK) {
            stream
                .blocking_write_and_flush(chunk)
                .map_err(|e| format!("sending the body: {e:?}"))?;
        }
    }
    OutgoingBody::finish(outgoing, None).map_err(|e| format!("{e:?}"))?;
    future.subscribe().block();
    match future.get() {
        Some(Ok(Ok(response))) => Ok(response.status()),
        Some(Ok(Err(e))) => Err(format!("{e:?}")),
        Some(Err(())) | None => Err("no response".to_owned()),
    }
}
