//! Reading a request: JSON bodies (errors name the field by its path),
//! headers, path parameters and ids, and the server's clock.

use chrono::DateTime;
use recrules_sdk::lead::EventCode;
use recrules_sdk::otp::check_id;
use recrules_sdk::plan::RecordingMeta;
use recrules_sdk::time::Instant;
use recrules_sdk::validate::Position;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use spin_sdk::http::Request;

use crate::reply::Failure;

/// The body of `POST /validate` and `POST /meetings/start`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingBody {
    /// The lead's id.
    pub lead: String,
    /// The activity about to be recorded (either code of its entry).
    pub activity_code: EventCode,
    /// The sales user.
    pub user: String,
    /// Where the user is, when the device knows.
    #[serde(default)]
    pub user_location: Option<Position>,
}

/// The body of `POST /meetings/end`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndBody {
    /// The lead's id.
    pub lead: String,
    /// The End code (Dual) or the entry's activity (Single).
    pub activity_code: EventCode,
    /// The sales user.
    pub user: String,
    /// Where the user was when the meeting began (Single mode geofence).
    #[serde(default)]
    pub user_location: Option<Position>,
    /// The recordings, each uploaded first.
    pub recordings: Vec<RecordingMeta>,
}

/// Reads a JSON body into `T`; an error names the field by its path
/// (`recordings[0].sha256`), or `body`.
pub fn json_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Failure> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.inner().to_string();
        let path = e.path().to_string();
        let named = ["unknown field `", "missing field `"]
            .iter()
            .find_map(|p| inner.strip_prefix(p))
            .and_then(|rest| rest.split('`').next());
        // The root is `.`; `?` is a place the parser could not name (a syntax error).
        let root = path == "." || path.starts_with('?');
        // An unknown key is already the path's last part; a missing one is not.
        let field = match named {
            Some(name) if root => name.to_owned(),
            Some(name) if path == name || path.ends_with(&format!(".{name}")) => path,
            Some(name) => format!("{path}.{name}"),
            None if root => "body".to_owned(),
            None => path,
        };
        Failure::bad(&field, format!("`{field}`: {inner}"))
    })
}

/// Checks an id used in storage keys (lead, user), naming `field`.
pub fn checked_id(field: &'static str, value: &str) -> Result<(), Failure> {
    check_id(field, value).map_err(|e| Failure::bad(e.field(), e.to_string()))
}

/// A header's value as text.
pub fn header<'r>(req: &'r Request, name: &str) -> Option<&'r str> {
    req.header(name).and_then(|v| v.as_str())
}

/// The server's time.
pub fn now() -> Result<Instant, Failure> {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| Failure::unavailable(format!("the clock is before 1970: {e}")))?;
    let secs = i64::try_from(since.as_secs()).map_err(|e| Failure::unavailable(e.to_string()))?;
    DateTime::from_timestamp(secs, since.subsec_nanos())
        .ok_or_else(|| Failure::unavailable("the clock is out of range"))
}

/// A fresh random id with `prefix` (`A-3f9c...`).
pub fn random_id(prefix: &str) -> Result<String, Failure> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes)
        .map_err(|e| Failure::unavailable(format!("no random bytes: {e}")))?;
    Ok(format!("{prefix}-{}", hex::encode(bytes)))
}
