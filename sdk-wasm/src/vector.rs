//! The conformance vectors, run exactly as the native runner runs them.

use recrules_sdk::vector;
use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::convert::{to_js, Arg};

/// Runs one conformance vector (`shared/spec/vectors.md`): the vector as an
/// object or its JSON text, and the content of its `settings_file` when it
/// names one (the caller reads the file, relative to the vector file). Gives
/// the same outcome as the native runner: `actual` and `mismatches` (empty
/// when the vector passed).
#[wasm_bindgen(js_name = runVector, unchecked_return_type = "VectorOutcome")]
pub fn run_vector(
    #[wasm_bindgen(unchecked_param_type = "object | string")] vector: JsValue,
    #[wasm_bindgen(js_name = settingsText, unchecked_optional_param_type = "string | null")]
    settings_text: JsValue,
) -> Result<JsValue, JsValue> {
    const F: &str = "runVector";
    let arg = Arg::new(F, "vector");
    let vector: Value = match vector.as_string() {
        Some(text) => arg.parse(&text)?,
        None => arg.read(&vector)?,
    };
    let settings_text = Arg::new(F, "settingsText").optional_text(&settings_text)?;
    to_js(&vector::run(&vector, settings_text.as_deref()))
}
