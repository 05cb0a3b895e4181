//! A test component for `recrules-host`.
//!
//! It uses the Spin interfaces the way the project's Lapps do (through
//! `spin-sdk` 5.2), so the host's tests can drive every host feature over
//! HTTP. Each endpoint answers plain text; the path after the component's
//! route (Spin's `spin-path-info` header) selects the operation:
//!
//! | request | does |
//! |---|---|
//! | `GET /kv/get?key=K` | `key-value` get: 200 with the value, 404 if absent |
//! | `PUT /kv/set?key=K` (body) | `key-value` set |
//! | `DELETE /kv/delete?key=K` | `key-value` delete |
//! | `GET /kv/exists?key=K` | `true` / `false` |
//! | `GET /kv/keys` | the keys, sorted, one a line |
//! | `POST /kv/incr?key=K&delta=N` | `wasi:keyvalue/atomics.increment`: the new value |
//! | `POST /kv/cas?key=K` (body) | compare-and-swap: writes the body if the value did not change between read and write |
//! | `GET /var?name=N` | `variables` get: 200 with the value, 500 with the error |
//! | `GET /fetch?url=U` | outbound GET: 200 `status N` + body, or 502 with the error |
//! | `POST /echo` | the body's length and the Spin routing headers |
//! | `GET /busy?ms=N` | computes for N milliseconds, then answers (for the host's timeout) |

use spin_sdk::http::{IntoResponse, Method, Request, Response};
use spin_sdk::key_value::Store;
use spin_sdk::wit::wasi::keyvalue::{atomics, store as wasi_store};

/// Routes a request to the operation its path names.
#[spin_sdk::http_component]
async fn handle(req: Request) -> impl IntoResponse {
    let info = req
        .header("spin-path-info")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_owned();
    let query = req.query().to_owned();
    match (req.method(), info.as_str()) {
        (Method::Get, "/kv/get") => kv_get(&query),
        (Method::Put, "/kv/set") => kv_set(&query, req.body()),
        (Method::Delete, "/kv/delete") => kv_delete(&query),
        (Method::Get, "/kv/exists") => kv_exists(&query),
        (Method::Get, "/kv/keys") => kv_keys(),
        (Method::Post, "/kv/incr") => kv_incr(&query),
        (Method::Post, "/kv/cas") => kv_cas(&query, req.body()),
        (Method::Get, "/var") => variable(&query),
        (Method::Get, "/fetch") => fetch(&query).await,
        (Method::Post, "/echo") => echo(&req),
        (Method::Get, "/busy") => busy(&query),
        _ => text(404, format!("probe: no operation at {info}")),
    }
}

/// A plain-text response.
fn text(status: u16, body: impl Into<String>) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain")
        .body(body.into())
        .build()
}

/// The value of query parameter `name`, or an empty string.
fn param(query: &str, name: &str) -> String {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.replace("%3A", ":").replace("%2F", "/"))
        .unwrap_or_default()
}

/// Opens the default store or answers why it could not.
fn open() -> Result<Store, Response> {
    Store::open_default().map_err(|e| text(500, format!("open: {e:?}")))
}

fn kv_get(query: &str) -> Response {
    let store = match open() {
        Ok(s) => s,
        Err(r) => return r,
    };
    match store.get(&param(query, "key")) {
        Ok(Some(v)) => text(200, String::from_utf8_lossy(&v)),
        Ok(None) => text(404, "absent"),
        Err(e) => text(500, format!("get: {e:?}")),
    }
}

fn kv_set(query: &str, body: &[u8]) -> Response {
    let store = match open() {
        Ok(s) => s,
        Err(r) => return r,
    };
    match store.set(&param(query, "key"), body) {
        Ok(()) => text(200, "set"),
        Err(e) => text(500, format!("set: {e:?}")),
    }
}

fn kv_delete(query: &str) -> Response {
    let store = match open() {
        Ok(s) => s,
        Err(r) => return r,
    };
    match store.delete(&param(query, "key")) {
        Ok(()) => text(200, "deleted"),
        Err(e) => text(500, format!("delete: {e:?}")),
    }
}

fn kv_exists(query: &str) -> Response {
    let store = match open() {
        Ok(s) => s,
        Err(r) => return r,
    };
    match store.exists(&param(query, "key")) {
        Ok(b) => text(200, b.to_string()),
        Err(e) => text(500, format!("exists: {e:?}")),
    }
}

fn kv_keys() -> Response {
    let store = match open() {
        Ok(s) => s,
        Err(r) => return r,
    };
    match store.get_keys() {
        Ok(mut keys) => {
            keys.sort();
            text(200, keys.join("\n"))
        }
        Err(e) => text(500, format!("get-keys: {e:?}")),
    }
}

fn kv_incr(query: &str) -> Response {
    let bucket = match wasi_store::open("default") {
        Ok(b) => b,
        Err(e) => return text(500, format!("open: {e:?}")),
    };
    let delta = param(query, "delta").parse::<i64>().unwrap_or(1);
    match atomics::increment(&bucket, &param(query, "key"), delta) {
        Ok(n) => text(200, n.to_string()),
        Err(e) => text(500, format!("increment: {e:?}")),
    }
}

fn kv_cas(query: &str, body: &[u8]) -> Response {
    let bucket = match wasi_store::open("default") {
        Ok(b) => b,
        Err(e) => return text(500, format!("open: {e:?}")),
    };
    let key = param(query, "key");
    let cas = match atomics::Cas::new(&bucket, &key) {
        Ok(c) => c,
        Err(e) => return text(500, format!("cas: {e:?}")),
    };
    // A writer that slipped in between read and swap makes the swap fail.
    let interloper = param(query, "interloper");
    if !interloper.is_empty() {
        if let Err(e) = bucket.set(&key, interloper.as_bytes()) {
            return text(500, format!("set: {e:?}"));
        }
    }
    match atomics::swap(cas, body) {
        Ok(()) => text(200, "swapped"),
        Err(atomics::CasError::CasFailed(latest)) => {
            let now = latest.current().ok().flatten().unwrap_or_default();
            text(409, format!("conflict: {}", String::from_utf8_lossy(&now)))
        }
        Err(atomics::CasError::StoreError(e)) => text(500, format!("swap: {e:?}")),
    }
}

fn variable(query: &str) -> Response {
    match spin_sdk::variables::get(&param(query, "name")) {
        Ok(v) => text(200, v),
        Err(e) => text(500, format!("variable: {e:?}")),
    }
}

async fn fetch(query: &str) -> Response {
    let request = Request::get(param(query, "url")).build();
    match spin_sdk::http::send::<_, Response>(request).await {
        Ok(resp) => text(
            200,
            format!(
                "status {}\n{}",
                resp.status(),
                String::from_utf8_lossy(resp.body())
            ),
        ),
        Err(e) => text(502, format!("send: {e:?}")),
    }
}

fn echo(req: &Request) -> Response {
    let mut lines = vec![format!("length {}", req.body().len())];
    let mut headers: Vec<String> = req
        .headers()
        .filter(|(name, _)| name.starts_with("spin-"))
        .map(|(name, value)| format!("{name}: {}", value.as_str().unwrap_or("")))
        .collect();
    headers.sort();
    lines.extend(headers);
    text(200, lines.join("\n"))
}

fn busy(query: &str) -> Response {
    let ms = param(query, "ms").parse::<u128>().unwrap_or(0);
    let start = std::time::Instant::now();
    let mut spins: u64 = 0;
    while start.elapsed().as_millis() < ms {
        spins = spins.wrapping_add(1);
    }
    text(200, format!("done after {spins} spins"))
}
