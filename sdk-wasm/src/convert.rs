//! JS values in and out, through the sdk types' stable JSON form.
//!
//! Every argument goes through `JSON.stringify` and `serde_json`, so a `Date`
//! anywhere becomes its ISO string and a field set to `undefined` counts as
//! absent, exactly as when the app sends the value over HTTP. Every result is
//! the sdk's JSON text given to `JSON.parse`, so it is the very JSON the
//! native runner and the HTTP Lapps print. Instants (`now`) are the exception:
//! a string, `Date` or number is read directly ([`Arg::instant`]), as fast as
//! a per-call argument must be.

use std::fmt::Display;

use chrono::{DateTime, FixedOffset, Utc};
use recrules_sdk::time::Instant;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// The argument a value came in, named in every error about it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Arg {
    /// The function or method, as JS calls it (`precheck`, `Rules.planEnd`).
    func: &'static str,
    /// The parameter's name.
    name: &'static str,
}

impl Arg {
    /// The argument `name` of `func`.
    pub(crate) const fn new(func: &'static str, name: &'static str) -> Self {
        Self { func, name }
    }

    /// A JS `Error` saying what is wrong with this argument.
    pub(crate) fn error(self, what: impl Display) -> JsValue {
        error(&format!("{}: argument `{}` {what}", self.func, self.name))
    }

    /// The argument's JSON text; `undefined` is an error.
    pub(crate) fn json(self, value: &JsValue) -> Result<String, JsValue> {
        if value.is_undefined() {
            return Err(self.error("is missing"));
        }
        let text = js_sys::JSON::stringify(value)
            .map_err(|e| self.error(format!("cannot be turned into JSON: {}", describe(&e))))?;
        text.as_string()
            .ok_or_else(|| self.error("cannot be turned into JSON (is it a function or a symbol?)"))
    }

    /// Reads the argument as a `T`, from its JSON form.
    pub(crate) fn read<T: DeserializeOwned>(self, value: &JsValue) -> Result<T, JsValue> {
        self.decode(&self.json(value)?, false)
    }

    /// Reads the argument as a list of `T`; an error names the item at fault.
    pub(crate) fn read_list<T: DeserializeOwned>(self, value: &JsValue) -> Result<Vec<T>, JsValue> {
        let items: Vec<serde_json::Value> = self.read(value)?;
        let mut list = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let item = serde_json::from_value(item).map_err(|e| {
                self.error(format!(
                    "is not valid at `[{index}]`: {}",
                    without_position(e)
                ))
            })?;
            list.push(item);
        }
        Ok(list)
    }

    /// Reads an instant: an RFC 3339 string (read as serde reads an
    /// [`Instant`], with the same errors), a `Date`, or a number of
    /// milliseconds since 1970-01-01T00:00:00Z (`Date.now()`). A string or a
    /// `Date` costs no `JSON.stringify`.
    pub(crate) fn instant(self, value: &JsValue) -> Result<Instant, JsValue> {
        // A number first: `Date.now()` is the common, per-call case.
        let millis = match value.as_f64() {
            Some(ms) => Some(ms),
            None => {
                if let Some(text) = value.as_string() {
                    // What chrono's `Deserialize` for `DateTime<Utc>` does.
                    return text
                        .parse::<DateTime<FixedOffset>>()
                        .map(|at| at.with_timezone(&Utc))
                        .map_err(|e| self.error(format!("is not valid: {e}")));
                }
                value.dyn_ref::<js_sys::Date>().map(js_sys::Date::get_time)
            }
        };
        match millis {
            Some(ms) if whole_millis(ms) => {
                from_millis(ms).ok_or_else(|| self.error("is out of range"))
            }
            Some(_) if value.as_f64().is_some() => {
                Err(self.error("must be whole milliseconds since 1970 (or an RFC 3339 string)"))
            }
            // An invalid `Date`, or anything else: serde says what is wrong.
            _ => self.read(value),
        }
    }

    /// Reads the argument as a `T`; `undefined` and `null` are `None`.
    pub(crate) fn optional<T: DeserializeOwned>(
        self,
        value: &JsValue,
    ) -> Result<Option<T>, JsValue> {
        if value.is_undefined() || value.is_null() {
            return Ok(None);
        }
        self.read(value).map(Some)
    }

    /// Reads the argument as a string (a text, not JSON to encode).
    pub(crate) fn text(self, value: &JsValue) -> Result<String, JsValue> {
        value.as_string().ok_or_else(|| {
            let found = if value.is_undefined() {
                "nothing".to_owned()
            } else {
                value.js_typeof().as_string().unwrap_or_default()
            };
            self.error(format!("must be a string, got {found}"))
        })
    }

    /// Reads the argument as a string; `undefined` and `null` are `None`.
    pub(crate) fn optional_text(self, value: &JsValue) -> Result<Option<String>, JsValue> {
        if value.is_undefined() || value.is_null() {
            return Ok(None);
        }
        self.text(value).map(Some)
    }

    /// Reads a JSON text given by the caller as a `T`; a syntax error names
    /// its line and column in the text.
    pub(crate) fn parse<T: DeserializeOwned>(self, text: &str) -> Result<T, JsValue> {
        self.decode(text, true)
    }

    /// Reads a JSON text as a `T`, through a `serde_json::Value` (whose
    /// conversions the vector runner already holds, which keeps the `.wasm`
    /// small). A syntax error names its line and column when `position` (for
    /// the caller's own text, not one made by `JSON.stringify`).
    fn decode<T: DeserializeOwned>(self, text: &str, position: bool) -> Result<T, JsValue> {
        let detail = |e: serde_json::Error| {
            if position {
                e.to_string()
            } else {
                without_position(e)
            }
        };
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| self.error(format!("is not valid: {}", detail(e))))?;
        serde_json::from_value(value)
            .map_err(|e| self.error(format!("is not valid: {}", detail(e))))
    }
}

/// Whether `ms` is a number of milliseconds an instant may be given as: whole,
/// and within the range of a JS `Date` (±8.64e15).
pub(crate) fn whole_millis(ms: f64) -> bool {
    ms.is_finite() && ms.fract() == 0.0 && ms.abs() <= 8.64e15
}

/// The instant `ms` milliseconds after 1970-01-01T00:00:00Z (`ms` whole, see [`whole_millis`]).
pub(crate) fn from_millis(ms: f64) -> Option<Instant> {
    DateTime::from_timestamp_millis(ms as i64)
}

/// A JS `Error` with `message`.
pub(crate) fn error(message: &str) -> JsValue {
    js_sys::Error::new(message).into()
}

/// A result in its JSON form, as a JS value.
pub(crate) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value)
        .map_err(|e| error(&format!("cannot encode the result: {e}")))?;
    js_sys::JSON::parse(&text)
}

/// The serde error's text without serde_json's `at line 1 column 57`,
/// which says nothing about a JS value.
fn without_position(e: serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) if e.line() > 0 => text[..at].to_owned(),
        _ => text,
    }
}

/// What a thrown JS value says.
fn describe(thrown: &JsValue) -> String {
    thrown
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| thrown.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}
