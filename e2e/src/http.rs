//! A minimal HTTP/1.1 client over `std::net` (one request per connection),
//! enough to drive a Lapp.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

/// How long a test waits for one answer.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// An answer: status and body.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The body, as text.
    pub body: String,
}

impl Reply {
    /// The body as JSON (`null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// The body's `outcome`.
    pub fn outcome(&self) -> String {
        self.json()["outcome"].as_str().unwrap_or("").to_owned()
    }
}

/// Requests to one origin with fixed headers (the org and its key).
#[derive(Debug, Clone)]
pub struct Talk {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Headers sent with every request.
    pub headers: Vec<(String, String)>,
}

impl Talk {
    /// A client of `base` sending `headers`.
    pub fn new(base: &str, headers: &[(&str, &str)]) -> Talk {
        Talk {
            base: base.to_owned(),
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    /// POSTs a JSON body.
    pub fn post(&self, path: &str, body: &Value) -> Reply {
        self.request("POST", path, body.to_string().as_bytes())
    }

    /// GETs a path (with its query).
    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path, b"")
    }

    /// Sends one request and reads the whole answer.
    pub fn request(&self, method: &str, path: &str, body: &[u8]) -> Reply {
        let authority = self.base.trim_start_matches("http://");
        let mut stream = TcpStream::connect(authority).expect("connect to the host");
        stream
            .set_read_timeout(Some(READ_TIMEOUT))
            .expect("set a timeout");
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
            body.len()
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).expect("send the head");
        stream.write_all(body).expect("send the body");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read the answer");
        parse_reply(&raw)
    }
}

/// Splits a raw HTTP/1.1 answer into status and body (plain or chunked).
fn parse_reply(raw: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {head:?}"));
    let chunked = head
        .lines()
        .any(|l| l.to_ascii_lowercase().starts_with("transfer-encoding:") && l.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Reply { status, body }
}

/// Joins a chunked body.
fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}
