//! JS values in and out, through the sdk types' stable JSON form.
//!
//! Every argument goes through `JSON.stringify` and `serde_json`, so a `Date`
//! anywhere becomes its ISO string and a field set to `undefined` counts as
//! absent, exactly as when the app sends the value over HTTP. Every result is
//! the sdk's JSON text given to `JSON.parse`, so it is the very JSON the
//! native runner and the HTTP Lapps print. Instants (`now`) are the exception:
//! a string, `Date` or number is read directly ([`Arg::instant`]), as fast as
//! a per-call argument must be.

use std::cell::Cell;
use std::fmt::Display;
use std::marker::PhantomData;

use chrono::{DateTime, FixedOffset, Utc};
use recrules_sdk::time::{Instant, Stamp};
use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use serde::Serialize;
use serde_json::error::Category;
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
        let text = self.json(value)?;
        let items = Items {
            read: Cell::new(None),
            item: PhantomData,
        };
        let mut json = serde_json::Deserializer::from_str(&text);
        let list = serde::de::DeserializeSeed::deserialize(&items, &mut json);
        list.and_then(|list| json.end().map(|()| list))
            .map_err(|e| match items.read.get() {
                Some(index) => self.error(format!(
                    "is not valid at `[{index}]`: {}",
                    without_position(e)
                )),
                None => self.error(format!("is not valid: {}", without_position(e))),
            })
    }

    /// Reads an instant: an RFC 3339 string (read as serde reads an
    /// [`Instant`], with the same errors), a `Date`, or a number of
    /// milliseconds since 1970-01-01T00:00:00Z (`Date.now()`). A string or a
    /// `Date` costs no `JSON.stringify`.
    pub(crate) fn instant(self, value: &JsValue) -> Result<Instant, JsValue> {
        // A number first: `Date.now()` is the common, per-call case.
        if let Some(ms) = value.as_f64() {
            return self.millis(ms).map(Stamp::instant);
        }
        if let Some(text) = value.as_string() {
            // What chrono's `Deserialize` for `DateTime<Utc>` does.
            return text
                .parse::<DateTime<FixedOffset>>()
                .map(|at| at.with_timezone(&Utc))
                .map_err(|e| self.error(format!("is not valid: {e}")));
        }
        match value.dyn_ref::<js_sys::Date>().map(js_sys::Date::get_time) {
            Some(ms) if whole_millis(ms) => self.millis(ms).map(Stamp::instant),
            // An invalid `Date`, or anything else: serde says what is wrong.
            _ => self.read(value),
        }
    }

    /// [`Arg::instant`] as a [`Stamp`]: a number (the common, per-call
    /// case) costs one look at the value and no date arithmetic.
    pub(crate) fn stamp(self, value: &JsValue) -> Result<Stamp, JsValue> {
        match value.as_f64() {
            Some(ms) => self.millis(ms),
            None => self.instant(value).map(Stamp::from),
        }
    }

    /// [`Arg::stamp`]; `undefined` and `null` are `None`.
    pub(crate) fn optional_stamp(self, value: &JsValue) -> Result<Option<Stamp>, JsValue> {
        match value.as_f64() {
            Some(ms) => self.millis(ms).map(Some),
            None if value.is_null_or_undefined() => Ok(None),
            None => self.instant(value).map(|at| Some(Stamp::from(at))),
        }
    }

    /// The instant `ms` milliseconds after 1970-01-01T00:00:00Z.
    fn millis(self, ms: f64) -> Result<Stamp, JsValue> {
        Stamp::from_millis(ms).ok_or_else(|| {
            self.error(if whole_millis(ms) {
                "is out of range"
            } else {
                "must be whole milliseconds since 1970 (or an RFC 3339 string)"
            })
        })
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
        value.as_string().ok_or_else(|| self.not_text(value))
    }

    /// Checks that the argument is a string, without reading it (one the
    /// rules do not read, such as the sales user of a precheck).
    pub(crate) fn is_text(self, value: &JsValue) -> Result<(), JsValue> {
        if value.is_string() {
            Ok(())
        } else {
            Err(self.not_text(value))
        }
    }

    /// The error for an argument that is not a string.
    fn not_text(self, value: &JsValue) -> JsValue {
        let found = if value.is_undefined() {
            "nothing".to_owned()
        } else {
            value.js_typeof().as_string().unwrap_or_default()
        };
        self.error(format!("must be a string, got {found}"))
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

    /// Reads a JSON text as a `T`, straight from the text (through a
    /// `serde_json::Value`, the settings' map that keeps keys in order would
    /// hash every key, which costs a phone without WebAssembly most of the
    /// read). A syntax error names its line and column when `position` (for
    /// the caller's own text, not one made by `JSON.stringify`); an error in
    /// what the JSON says never does, as it is about the value, not the text.
    fn decode<T: DeserializeOwned>(self, text: &str, position: bool) -> Result<T, JsValue> {
        serde_json::from_str(text).map_err(|e| {
            let syntax = matches!(e.classify(), Category::Syntax | Category::Eof);
            let detail = if position && syntax {
                e.to_string()
            } else {
                without_position(e)
            };
            self.error(format!("is not valid: {detail}"))
        })
    }
}

/// A list of `T` read item by item, which knows which item it was reading
/// when an error stopped it.
struct Items<T> {
    /// The index of the item being read, once the list has begun.
    read: Cell<Option<usize>>,
    item: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for &Items<T> {
    type Value = Vec<T>;

    fn deserialize<D: Deserializer<'de>>(self, json: D) -> Result<Vec<T>, D::Error> {
        json.deserialize_seq(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for &Items<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut list = Vec::new();
        loop {
            self.read.set(Some(list.len()));
            match seq.next_element()? {
                Some(item) => list.push(item),
                None => return Ok(list),
            }
        }
    }
}

/// `value` when it is a whole number (`Date.now()`), else NaN; read with two
/// calls that answer plain values (`Number.isInteger`, unary `+`): on a
/// JavaScript engine without WebAssembly they cost less than
/// `JsValue::as_f64`, which answers through memory.
pub(crate) fn whole_number(value: &JsValue) -> f64 {
    if js_sys::Number::is_integer(value) {
        value.unchecked_into_f64()
    } else {
        f64::NAN
    }
}

/// Whether `ms` is a number of milliseconds an instant may be given as: whole,
/// and within the range of a JS `Date` (±8.64e15).
pub(crate) fn whole_millis(ms: f64) -> bool {
    ms.is_finite() && ms.fract() == 0.0 && ms.abs() <= 8.64e15
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
