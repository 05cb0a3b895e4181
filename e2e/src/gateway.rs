//! A stand-in SMS gateway on loopback: it records every request and answers
//! with the status it is told to, or misbehaves as told ([`GatewayMode`]).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// How the stub answers the requests it receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatewayMode {
    /// An HTTP answer with this status and a `{}` body.
    Status(u16),
    /// Never answers (the connection stays open).
    Hang,
    /// Bytes that are not HTTP at all, then closes.
    NotHttp,
}

/// One request the stub received.
#[derive(Debug, Clone)]
pub struct Received {
    /// `POST`, ...
    pub method: String,
    /// The path and query.
    pub path: String,
    /// The headers, names in lowercase.
    pub headers: Vec<(String, String)>,
    /// The body, as text.
    pub body: String,
}

impl Received {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The stub; it serves until the test process ends.
pub struct GatewayStub {
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    mode: Arc<Mutex<GatewayMode>>,
    received: Arc<Mutex<Vec<Received>>>,
}

impl GatewayStub {
    /// Starts a stub answering 200.
    pub fn start() -> GatewayStub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the stub");
        let origin = format!("http://{}", listener.local_addr().expect("stub address"));
        let mode = Arc::new(Mutex::new(GatewayMode::Status(200)));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (m, r) = (mode.clone(), received.clone());
        std::thread::spawn(move || {
            // Connections left open by `Hang`, until the test process ends.
            let mut hung = Vec::new();
            for stream in listener.incoming().flatten() {
                let mode = *m.lock().expect("stub mode");
                if let Some(stream) = serve(stream, mode, &r) {
                    hung.push(stream);
                }
            }
        });
        GatewayStub {
            origin,
            mode,
            received,
        }
    }

    /// Makes the stub answer `status` from now on.
    pub fn answer(&self, status: u16) {
        self.behave(GatewayMode::Status(status));
    }

    /// Makes the stub answer as `mode` says from now on.
    pub fn behave(&self, mode: GatewayMode) {
        *self.mode.lock().expect("stub mode") = mode;
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("stub log").clone()
    }
}

/// Reads one request, records it, then answers as `mode` says; answers the
/// connection when it is to be left hanging.
fn serve(stream: TcpStream, mode: GatewayMode, log: &Mutex<Vec<Received>>) -> Option<TcpStream> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let body = if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        read_chunked(&mut reader)?
    } else {
        let length = header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body).ok()?;
        body
    };
    log.lock().ok()?.push(Received {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let answer = match mode {
        GatewayMode::Status(status) => format!("HTTP/1.1 {status} Stub\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{{}}"),
        GatewayMode::Hang => return Some(stream),
        GatewayMode::NotHttp => "SMS OK, THANKS\r\n\r\n".to_owned(),
    };
    let mut stream = stream;
    let _ = stream.write_all(answer.as_bytes());
    None
}

/// Reads a chunked body.
fn read_chunked(reader: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size).ok()?;
        let size = usize::from_str_radix(size.trim(), 16).ok()?;
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk).ok()?;
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(&chunk[..size]);
    }
}
