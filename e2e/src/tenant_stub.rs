//! A stand-in tenant validation Lapp on loopback: it answers every request
//! with a fixed JSON body, or never answers (to test timeouts), and keeps
//! the path, `x-lapp-env` and body of what it received, and the
//! `x-lapp-timestamp` and `x-lapp-signature` it was sent.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use recrules_sdk::hook::{ENV_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};

/// One request the stub received: path, `x-lapp-env` and body.
pub type Asked = (String, String, String);

/// One request's signature headers: `x-lapp-timestamp` and `x-lapp-signature`
/// (empty when not sent).
pub type SignedWith = (String, String);

/// The stub; it serves until the test process ends.
pub struct TenantStub {
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    asked: Arc<Mutex<Vec<Asked>>>,
    signatures: Arc<Mutex<Vec<SignedWith>>>,
}

impl TenantStub {
    /// A stub answering 200 with `body`; `None`: it reads the request and never answers.
    pub fn start(body: Option<&str>) -> TenantStub {
        TenantStub::slow(body, Duration::ZERO)
    }

    /// A stub like [`TenantStub::start`] that waits `delay` before each
    /// answer (requests are answered one at a time), to widen the time a
    /// meeting's checks take.
    pub fn slow(body: Option<&str>, delay: Duration) -> TenantStub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the stub");
        let origin = format!("http://{}", listener.local_addr().expect("stub address"));
        let asked = Arc::new(Mutex::new(Vec::new()));
        let signatures = Arc::new(Mutex::new(Vec::new()));
        let (log, body) = ((asked.clone(), signatures.clone()), body.map(str::to_owned));
        std::thread::spawn(move || {
            let mut silent = Vec::new();
            for stream in listener.incoming().flatten() {
                let answered = serve(&stream, body.as_deref(), delay, &log);
                if answered.is_none() {
                    // Keep the connection open: the caller waits for its deadline.
                    silent.push(stream);
                }
            }
        });
        TenantStub {
            origin,
            asked,
            signatures,
        }
    }

    /// Everything asked so far.
    pub fn asked(&self) -> Vec<Asked> {
        self.asked.lock().expect("stub log").clone()
    }

    /// The signature headers of every request so far, in order.
    pub fn signatures(&self) -> Vec<SignedWith> {
        self.signatures.lock().expect("stub log").clone()
    }
}

/// Where the stub keeps what it received.
type Log = (Arc<Mutex<Vec<Asked>>>, Arc<Mutex<Vec<SignedWith>>>);

/// Reads one request and records it; answers `body` after `delay` when there is one.
fn serve(stream: &TcpStream, body: Option<&str>, delay: Duration, log: &Log) -> Option<()> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1)?.to_owned();
    let (mut env, mut signed, mut length) = (String::new(), SignedWith::default(), 0usize);
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            match k.trim().to_ascii_lowercase().as_str() {
                ENV_HEADER => env = v.trim().to_owned(),
                TIMESTAMP_HEADER => signed.0 = v.trim().to_owned(),
                SIGNATURE_HEADER => signed.1 = v.trim().to_owned(),
                "content-length" => length = v.trim().parse().unwrap_or(0),
                _ => {}
            }
        }
    }
    let mut request = vec![0; length];
    reader.read_exact(&mut request).ok()?;
    log.1.lock().ok()?.push(signed);
    log.0
        .lock()
        .ok()?
        .push((path, env, String::from_utf8_lossy(&request).into_owned()));
    let body = body?;
    std::thread::sleep(delay);
    let answer = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = stream;
    stream.write_all(answer.as_bytes()).ok()
}
