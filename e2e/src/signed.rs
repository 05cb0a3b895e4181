//! Calls to tenant Lapps signed as the meetings Lapp signs them
//! (`recrules_sdk::hook::sign`): for the Lapp the path names and an
//! environment.

use recrules_sdk::hook::{lapp_id_in_path, sign, ENV_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use recrules_sdk::settings::LappEnv;

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

/// The signed headers of a call with `body` to the Lapp `lapp_id` in `env`,
/// signed with `secret` at `at` (unix seconds): `x-lapp-env`,
/// `x-lapp-timestamp` and `x-lapp-signature`, in that order.
pub fn signature(
    secret: &str,
    lapp_id: &str,
    env: LappEnv,
    at: i64,
    body: &[u8],
) -> [(&'static str, String); 3] {
    [
        (ENV_HEADER, env.name().to_owned()),
        (TIMESTAMP_HEADER, at.to_string()),
        (SIGNATURE_HEADER, sign(secret, lapp_id, env, at, body)),
    ]
}

/// The `LappId` a tenant Lapp's `path` names (`/tenant/{LappId}/validate`).
///
/// # Panics
///
/// When `path` names none: a test's mistake.
pub fn lapp_of(path: &str) -> &str {
    lapp_id_in_path(path).unwrap_or_else(|| panic!("{path} names no LappId"))
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

/// Sends `body` to `path`, signed with `secret` at `at` for `env` and the
/// Lapp `path` names.
pub fn send_signed(
    base: &str,
    method: &str,
    path: &str,
    env: LappEnv,
    secret: &str,
    at: i64,
    body: &[u8],
) -> RawReply {
    let headers = signature(secret, lapp_of(path), env, at, body);
    send_with(base, method, path, &headers, body)
}
