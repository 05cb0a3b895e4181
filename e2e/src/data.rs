//! Test data the end-to-end tests share: recording bytes and their hash,
//! times relative to now, and the status check every test makes.

use chrono::{DateTime, SecondsFormat};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::raw::RawReply;

/// The lowercase hex SHA-256 of `bytes`, as `x-content-sha256` carries it.
pub fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `len` bytes of stand-in audio that differ per `tag` (an id, or an org and
/// an id) and do not repeat within a few KiB.
pub fn audio(tag: &str, len: usize) -> Vec<u8> {
    tag.bytes()
        .cycle()
        .zip(0..len)
        .map(|(b, i)| b ^ (i as u8) ^ ((i >> 13) as u8))
        .collect()
}

/// An RFC 3339 time `seconds` before now (after now when negative).
pub fn ago(seconds: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs() as i64;
    DateTime::from_timestamp(now - seconds, 0)
        .expect("a time in range")
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The reply's JSON body, after asserting its status (the body is shown when it differs).
pub fn expect(reply: &RawReply, status: u16) -> Value {
    assert_eq!(reply.status, status, "{}", reply.text());
    reply.json()
}
