//! What happens to a recording session, as the app reports it.

use serde::de::{self, Unexpected};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::time::Instant;

/// The phone's operating system; the two differ when the app dies mid-recording (rule 18).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Android discards an in-progress recording when the app is killed, the
    /// device switches off or the user logs out.
    Android,
    /// iOS keeps what was recorded up to then.
    Ios,
}

/// One event of a recording session.
///
/// Its `Deserialize` is written by hand (see the impl): the same JSON, the
/// same errors as serde's derive, in a fraction of the derive's code size.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Event {
    /// The user begins a new file.
    Start {
        /// When.
        at: Instant,
        /// The new file's id, chosen by the app.
        id: String,
    },
    /// The user pauses the file.
    Pause {
        /// When.
        at: Instant,
    },
    /// The user resumes the paused file.
    Resume {
        /// When.
        at: Instant,
    },
    /// The user stops the file.
    Stop {
        /// When.
        at: Instant,
        /// The file's size, when the app knows it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        size_bytes: Option<u64>,
    },
    /// A phone call was answered: the file stops, and another may be added.
    PhoneCall {
        /// When.
        at: Instant,
    },
    /// The app went to the background: recording goes on.
    AppBackgrounded {
        /// When.
        at: Instant,
    },
    /// The app came back to the foreground.
    AppForegrounded {
        /// When.
        at: Instant,
    },
    /// The app was killed.
    AppKilled {
        /// When.
        at: Instant,
    },
    /// The device switched off.
    DeviceOff {
        /// When.
        at: Instant,
    },
    /// The user logged out.
    Logout {
        /// When.
        at: Instant,
    },
    /// The device lost its connection.
    Offline {
        /// When.
        at: Instant,
    },
    /// The device is connected again.
    Online {
        /// When.
        at: Instant,
    },
    /// The activity form was submitted.
    FormSubmitted {
        /// When.
        at: Instant,
    },
    /// The server accepted the End activity with the recordings.
    Posted {
        /// When.
        at: Instant,
    },
    /// Posting failed; the recordings stay pending.
    PostFailed {
        /// When.
        at: Instant,
    },
    /// The task the activity completes was marked incomplete.
    TaskMarkedIncomplete {
        /// When.
        at: Instant,
    },
}

impl Event {
    /// The event's name in JSON.
    pub fn name(&self) -> &'static str {
        match self {
            Event::Start { .. } => "start",
            Event::Pause { .. } => "pause",
            Event::Resume { .. } => "resume",
            Event::Stop { .. } => "stop",
            Event::PhoneCall { .. } => "phone_call",
            Event::AppBackgrounded { .. } => "app_backgrounded",
            Event::AppForegrounded { .. } => "app_foregrounded",
            Event::AppKilled { .. } => "app_killed",
            Event::DeviceOff { .. } => "device_off",
            Event::Logout { .. } => "logout",
            Event::Offline { .. } => "offline",
            Event::Online { .. } => "online",
            Event::FormSubmitted { .. } => "form_submitted",
            Event::Posted { .. } => "posted",
            Event::PostFailed { .. } => "post_failed",
            Event::TaskMarkedIncomplete { .. } => "task_marked_incomplete",
        }
    }

    /// When it happened.
    pub fn at(&self) -> Instant {
        match self {
            Event::Start { at, .. } | Event::Stop { at, .. } => *at,
            Event::Pause { at }
            | Event::Resume { at }
            | Event::PhoneCall { at }
            | Event::AppBackgrounded { at }
            | Event::AppForegrounded { at }
            | Event::AppKilled { at }
            | Event::DeviceOff { at }
            | Event::Logout { at }
            | Event::Offline { at }
            | Event::Online { at }
            | Event::FormSubmitted { at }
            | Event::Posted { at }
            | Event::PostFailed { at }
            | Event::TaskMarkedIncomplete { at } => *at,
        }
    }
}

/// Every event's `type`, as its JSON names it, in the order of [`Event`]'s variants.
pub const EVENT_TYPES: &[&str] = &[
    "start",
    "pause",
    "resume",
    "stop",
    "phone_call",
    "app_backgrounded",
    "app_foregrounded",
    "app_killed",
    "device_off",
    "logout",
    "offline",
    "online",
    "form_submitted",
    "posted",
    "post_failed",
    "task_marked_incomplete",
];

/// The derive's reading of an internally tagged enum with
/// `deny_unknown_fields`, on the event read as a JSON object: the tag `type`
/// names the variant (else `missing field` / `unknown variant`), then each
/// other key in order must be one of the variant's fields (else `unknown
/// field`) and read as its type, then the missing fields are named (`at`
/// first), each with the derive's words. One difference: the derive also took
/// an event written as an array (`["pause", "2026-11-20T10:00:00Z"]`); this
/// takes objects only. The derive took 32 KB of the package's `.wasm` (issue 6).
impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = deserializer.deserialize_any(Object)?;
        let name = match map.get("type") {
            None => return Err(de::Error::missing_field("type")),
            Some(Value::String(name)) => name.as_str(),
            Some(other) => {
                return Err(de::Error::invalid_type(
                    unexpected(other),
                    &"variant identifier",
                ))
            }
        };
        let kind = EVENT_TYPES
            .iter()
            .position(|n| *n == name)
            .ok_or_else(|| de::Error::unknown_variant(name, EVENT_TYPES))?;
        let fields: &'static [&'static str] = match kind {
            0 => &["at", "id"],
            3 => &["at", "size_bytes"],
            _ => &["at"],
        };
        let (mut at, mut id, mut size_bytes) = (None, None, None);
        for (key, value) in &map {
            match key.as_str() {
                "type" => {}
                "at" => at = Some(read::<Instant, D::Error>(value)?),
                "id" if kind == 0 => id = Some(read::<String, D::Error>(value)?),
                "size_bytes" if kind == 3 => size_bytes = read::<Option<u64>, D::Error>(value)?,
                other => return Err(de::Error::unknown_field(other, fields)),
            }
        }
        let at = at.ok_or_else(|| de::Error::missing_field("at"))?;
        Ok(match kind {
            0 => Event::Start {
                at,
                id: id.ok_or_else(|| de::Error::missing_field("id"))?,
            },
            1 => Event::Pause { at },
            2 => Event::Resume { at },
            3 => Event::Stop { at, size_bytes },
            4 => Event::PhoneCall { at },
            5 => Event::AppBackgrounded { at },
            6 => Event::AppForegrounded { at },
            7 => Event::AppKilled { at },
            8 => Event::DeviceOff { at },
            9 => Event::Logout { at },
            10 => Event::Offline { at },
            11 => Event::Online { at },
            12 => Event::FormSubmitted { at },
            13 => Event::Posted { at },
            14 => Event::PostFailed { at },
            _ => Event::TaskMarkedIncomplete { at },
        })
    }
}

/// Reads an event's JSON object; anything else is an `invalid type` named as
/// the derive names it.
struct Object;

impl<'de> de::Visitor<'de> for Object {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("internally tagged enum Event")
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut map = Map::new();
        while let Some((key, value)) = access.next_entry::<String, Value>()? {
            map.insert(key, value);
        }
        Ok(map)
    }
}

/// Reads one field's value as a `T`, with serde's error text.
fn read<T: de::DeserializeOwned, E: de::Error>(value: &Value) -> Result<T, E> {
    T::deserialize(value).map_err(E::custom)
}

/// A JSON value as serde names it in an `invalid type` error.
fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Unexpected::Unsigned(u),
            (_, Some(i), _) => Unexpected::Signed(i),
            (_, _, Some(f)) => Unexpected::Float(f),
            _ => Unexpected::Other("number"),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The derive's answers (serde 1, `tag = "type"`, `deny_unknown_fields`),
    /// recorded before it was replaced.
    #[test]
    fn reads_and_refuses_events_as_the_derive_did() {
        let read = |text: &str| {
            let value: Value = serde_json::from_str(text).unwrap();
            serde_json::from_value::<Event>(value).map_err(|e| e.to_string())
        };
        let at: Instant = "2026-11-20T10:00:00Z".parse().unwrap();
        let start = r#"{"at":"2026-11-20T10:00:00Z","id":"R1","type":"start"}"#;
        assert_eq!(
            read(start),
            Ok(Event::Start {
                at,
                id: "R1".into()
            })
        );
        let stop = r#"{"type":"stop","at":"2026-11-20T10:00:00Z","size_bytes":null}"#;
        assert_eq!(
            read(stop),
            Ok(Event::Stop {
                at,
                size_bytes: None
            })
        );
        let cases = [
            (r#"{"type":"start","at":"2026-11-20T10:00:00Z"}"#, "missing field `id`"),
            (r#"{"type":"start","id":"R1"}"#, "missing field `at`"),
            (r#"{"type":"start","at":"bad","id":"R1"}"#, "input contains invalid characters"),
            (r#"{"type":"start","at":"2026-11-20T10:00:00Z","id":5}"#, "invalid type: integer `5`, expected a string"),
            (r#"{"type":"pause","id":"R","at":"2026-11-20T10:00:00Z"}"#, "unknown field `id`, expected `at`"),
            (r#"{"type":"stop","at":"2026-11-20T10:00:00Z","id":"x"}"#, "unknown field `id`, expected `at` or `size_bytes`"),
            (r#"{"type":"stop","at":"2026-11-20T10:00:00Z","size_bytes":-1}"#, "invalid value: integer `-1`, expected u64"),
            (r#"{"type":"jump"}"#, "unknown variant `jump`, expected one of `start`, `pause`, `resume`, `stop`, `phone_call`, `app_backgrounded`, `app_foregrounded`, `app_killed`, `device_off`, `logout`, `offline`, `online`, `form_submitted`, `posted`, `post_failed`, `task_marked_incomplete`"),
            (r#"{"type":5}"#, "invalid type: integer `5`, expected variant identifier"),
            (r#"{"at":"2026-11-20T10:00:00Z"}"#, "missing field `type`"),
            (r#""start""#, "invalid type: string \"start\", expected internally tagged enum Event"),
            ("null", "invalid type: null, expected internally tagged enum Event"),
        ];
        for (text, error) in cases {
            assert_eq!(read(text), Err(error.to_owned()), "{text}");
        }
    }
}
