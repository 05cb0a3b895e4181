//! A test component for `recrules-host`.
//!
//! It uses the Spin interfaces the way the project's Lapps do (through
//! `spin-sdk` 5.2), so the host's tests can drive every host feature over
//! HTTP. Each endpoint answers plain text; the path after the component's
//! route (Spin's `spin-path-info` header) selects the operation:
//!
//! | request | does |
//! |---|---|
//! | `POST /sqlite/exec?db=L&p=V...` (body: SQL) | `fermyon:spin/sqlite` open `L` (default `default`) and execute: the result |
//! | `POST /pg/exec?url=U&p=V...` (body: SQL) | `spin:postgres/postgres@4.0.0` open `U` (default: variable `pg_url`) and execute: `rows N` |
//! | `POST /pg/query?url=U&p=V...` (body: SQL) | open and query: the result |
//! | `GET /var?name=N` | `variables` get: 200 with the value, 500 with the error |
//! | `GET /fetch?url=U` | outbound GET: 200 `status N` + body, or 502 with the error |
//! | `POST /echo` | the body's length and the Spin routing headers |
//! | `GET /busy?ms=N` | computes for N milliseconds, then answers (for the host's timeout) |

//!
//! A parameter `p` is typed by a prefix: `i:` integer, `r:` real, `b:`
//! blob/binary (the rest's bytes), `t:` boolean (pg), `n:` null, else text
//! (an optional `s:` prefix). A result is the column names joined by `,`,
//! then one line a row, values joined by `|` (`NULL`, numbers, text as is,
//! blobs as `x'hex'`). A failure answers 500 with `error: {:?}`.

use spin_sdk::http::{IntoResponse, Method, Request, Response};
use spin_sdk::pg4;
use spin_sdk::sqlite;

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
        (Method::Post, "/sqlite/exec") => sqlite_exec(&query, req.body()),
        (Method::Post, "/pg/exec") => pg_call(&query, req.body(), false),
        (Method::Post, "/pg/query") => pg_call(&query, req.body(), true),
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

/// Decodes `%XX` escapes and `+` (space).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let pair = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(pair, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every value of query parameter `name`, decoded.
fn params(query: &str, name: &str) -> Vec<String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(k, _)| *k == name)
        .map(|(_, v)| decode(v))
        .collect()
}

/// The value of query parameter `name`, or an empty string.
fn param(query: &str, name: &str) -> String {
    params(query, name).into_iter().next().unwrap_or_default()
}

/// A failure as a 500 response.
fn failed(what: &str, e: impl std::fmt::Debug) -> Response {
    text(500, format!("error: {what}: {e:?}"))
}

/// Lowercase hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sqlite_value(p: &str) -> sqlite::Value {
    match p.split_once(':') {
        Some(("i", v)) => v
            .parse()
            .map_or(sqlite::Value::Null, sqlite::Value::Integer),
        Some(("r", v)) => v.parse().map_or(sqlite::Value::Null, sqlite::Value::Real),
        Some(("b", v)) => sqlite::Value::Blob(v.as_bytes().to_vec()),
        Some(("n", _)) => sqlite::Value::Null,
        Some(("s", v)) => sqlite::Value::Text(v.to_owned()),
        _ => sqlite::Value::Text(p.to_owned()),
    }
}

fn sqlite_exec(query: &str, body: &[u8]) -> Response {
    let label = match param(query, "db") {
        l if l.is_empty() => "default".to_owned(),
        l => l,
    };
    let conn = match sqlite::Connection::open(&label) {
        Ok(c) => c,
        Err(e) => return failed("open", e),
    };
    let values: Vec<sqlite::Value> = params(query, "p").iter().map(|p| sqlite_value(p)).collect();
    let result = match conn.execute(&String::from_utf8_lossy(body), &values) {
        Ok(r) => r,
        Err(e) => return failed("execute", e),
    };
    let mut lines = vec![result.columns.join(",")];
    for row in &result.rows {
        let cells: Vec<String> = row
            .values
            .iter()
            .map(|v| match v {
                sqlite::Value::Integer(i) => i.to_string(),
                sqlite::Value::Real(r) => r.to_string(),
                sqlite::Value::Text(t) => t.clone(),
                sqlite::Value::Blob(b) => format!("x'{}'", hex(b)),
                sqlite::Value::Null => "NULL".into(),
            })
            .collect();
        lines.push(cells.join("|"));
    }
    text(200, lines.join("\n"))
}

fn pg_value(p: &str) -> pg4::ParameterValue {
    use pg4::ParameterValue as P;
    match p.split_once(':') {
        Some(("i", v)) => v.parse().map_or(P::DbNull, P::Int64),
        Some(("r", v)) => v.parse().map_or(P::DbNull, P::Floating64),
        Some(("b", v)) => P::Binary(v.as_bytes().to_vec()),
        Some(("t", v)) => P::Boolean(v == "true"),
        Some(("n", _)) => P::DbNull,
        Some(("s", v)) => P::Str(v.to_owned()),
        _ => P::Str(p.to_owned()),
    }
}

fn pg_cell(v: &pg4::DbValue) -> String {
    use pg4::DbValue as V;
    match v {
        V::Boolean(b) => b.to_string(),
        V::Int16(i) => i.to_string(),
        V::Int32(i) => i.to_string(),
        V::Int64(i) => i.to_string(),
        V::Floating64(f) => f.to_string(),
        V::Str(s) => s.clone(),
        V::Binary(b) => format!("x'{}'", hex(b)),
        V::DbNull => "NULL".into(),
        other => format!("{other:?}"),
    }
}

fn pg_call(query: &str, body: &[u8], rows: bool) -> Response {
    let url = match param(query, "url") {
        u if u.is_empty() => match spin_sdk::variables::get("pg_url") {
            Ok(u) => u,
            Err(e) => return failed("variable pg_url", e),
        },
        u => u,
    };
    let conn = match pg4::Connection::open(&url) {
        Ok(c) => c,
        Err(e) => return failed("open", e),
    };
    let values: Vec<pg4::ParameterValue> = params(query, "p").iter().map(|p| pg_value(p)).collect();
    let statement = String::from_utf8_lossy(body).into_owned();
    if !rows {
        return match conn.execute(&statement, &values) {
            Ok(n) => text(200, format!("rows {n}")),
            Err(e) => failed("execute", e),
        };
    }
    let set = match conn.query(&statement, &values) {
        Ok(s) => s,
        Err(e) => return failed("query", e),
    };
    let names: Vec<String> = set
        .columns
        .iter()
        .map(|c| {
            let kind = format!("{:?}", c.data_type);
            format!("{}:{}", c.name, kind.trim_start_matches("DbDataType::"))
        })
        .collect();
    let mut lines = vec![names.join(",")];
    for row in &set.rows {
        lines.push(row.iter().map(pg_cell).collect::<Vec<_>>().join("|"));
    }
    text(200, lines.join("\n"))
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
