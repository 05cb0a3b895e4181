//! Calls to tenant Lapps signed as the meetings Lapp signs them
//! (`recrules_sdk::hook::sign`).

use recrules_sdk::hook::{sign, SIGNATURE_HEADER, TIMESTAMP_HEADER};

use crate::raw::{send, RawReply};

/// Request headers: names and values.
pub type Headers = Vec<(&'static str, String)>;

/// This machine's clock in unix seconds (the host's too).
pub fn unix_now() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970");
    i64::try_from(since.as_secs()).expect("seconds fit an i64")
}

/// The signature headers of `body` signed with `secret` at `at` (unix seconds).
pub fn signature(secret: &str, at: i64, body: &[u8]) -> [(&'static str, String); 2] {
    [
        (TIMESTAMP_HEADER, at.to_string()),
        (SIGNATURE_HEADER, sign(secret, at, body)),
    ]
}

/// Sends `body` with `headers` (as [`signature`] makes them, or others).
pub fn send_with(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> RawReply {
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    send(base, method, path, &headers, body)
}

/// Sends `body` signed with `secret` at `at`.
pub fn send_signed(
    base: &str,
    method: &str,
    path: &str,
    secret: &str,
    at: i64,
    body: &[u8],
) -> RawReply {
    send_with(base, method, path, &signature(secret, at, body), body)
}
