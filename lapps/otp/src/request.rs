//! Reading a request: the JSON body of send, resend and verify, and query
//! parameters. Every error names the field at fault.

use recrules_sdk::otp::{Code, OtpError, Phone, Subject};
use serde_json::{Map, Value};

use crate::reply::Failure;

/// The body of `POST /otp/send` and `/otp/resend`:
/// `{"phone": "+919800000001", "lead": "L-1", "entry": 221, "user": "U-1"}`;
/// `/otp/verify` adds `"code": "123456"`.
#[derive(Debug)]
pub struct OtpBody {
    /// The phone number the code goes (went) to.
    pub phone: Phone,
    /// The user, lead and entry it is verified for.
    pub subject: Subject,
    /// The code, for verify.
    pub code: Option<Code>,
}

/// The body keys of send and resend.
const SEND_KEYS: [&str; 4] = ["phone", "lead", "entry", "user"];
/// The body key verify adds.
const CODE_KEY: &str = "code";

/// Reads the body; `with_code` for verify.
pub fn otp_body(bytes: &[u8], with_code: bool) -> Result<OtpBody, Failure> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| Failure::bad("body", format!("the body is not JSON: {e}")))?;
    let Value::Object(map) = value else {
        return Err(Failure::bad("body", "the body is a JSON object"));
    };
    let mut allowed = SEND_KEYS.to_vec();
    if with_code {
        allowed.push(CODE_KEY);
    }
    if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(Failure::bad(
            unknown.as_str(),
            format!(
                "unknown field `{unknown}`; the fields are {}",
                allowed.join(", ")
            ),
        ));
    }
    let phone = Phone::parse("phone", text(&map, "phone")?).map_err(from_rules)?;
    let entry = entry(&map)?;
    let subject =
        Subject::new(text(&map, "lead")?, entry, text(&map, "user")?).map_err(from_rules)?;
    let code = if with_code {
        Some(Code::parse(text(&map, CODE_KEY)?).map_err(from_rules)?)
    } else {
        None
    };
    Ok(OtpBody {
        phone,
        subject,
        code,
    })
}

/// A rules error as a 400 naming its field.
pub fn from_rules(e: OtpError) -> Failure {
    Failure::bad(e.field(), e.to_string())
}

/// A required string field.
fn text<'a>(map: &'a Map<String, Value>, key: &str) -> Result<&'a str, Failure> {
    match map.get(key) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(Failure::bad(key, format!("`{key}` is a string"))),
        None => Err(Failure::bad(key, format!("`{key}` is required"))),
    }
}

/// The entry: the settings entry's activity code, a positive integer.
fn entry(map: &Map<String, Value>) -> Result<u32, Failure> {
    let bad = || {
        Failure::bad(
            "entry",
            "`entry` is the activity code of the settings entry, a positive integer such as 221",
        )
    };
    let number = map.get("entry").ok_or_else(bad)?.as_u64().ok_or_else(bad)?;
    u32::try_from(number)
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(bad)
}

/// The query parameter `name`, percent-decoded (a `+` stays a `+`, so a
/// phone number may be given as is or as `%2B...`).
pub fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| percent_decode(value))
    })
}

/// Decodes `%XX` escapes; anything malformed is kept as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
