//! `PUT /settings` and `GET /settings`: an org's settings JSON, stored only
//! when the rules' checker passes it (warnings allowed), and given back as written.

use recrules_sdk::otp::OrgId;
use recrules_sdk::settings::{check_settings, Settings};
use serde_json::json;
use spin_sdk::http::Response;

use crate::keys;
use crate::reply::{json, json_bytes, Failure, Store};

/// `PUT /settings`: 200 `{"valid": true, "diagnostics": [warnings]}`, or 422
/// `invalid_settings` with every diagnostic (path, line, column, message, help).
pub fn put(body: &[u8], org: &OrgId) -> Result<Response, Failure> {
    let text = std::str::from_utf8(body)
        .map_err(|_| Failure::bad("body", "the settings must be UTF-8 JSON text"))?;
    let report = check_settings(text);
    if !report.valid {
        let first = report.errors().next();
        let field = first.map_or("body", |d| d.display_path());
        let message =
            first.map_or_else(|| "the settings are invalid".to_owned(), |d| d.to_string());
        return Err(Failure::new(422, "invalid_settings", Some(field), message)
            .with("valid", false)
            .with("diagnostics", &report.diagnostics));
    }
    Store::open()?.set_bytes(&keys::settings(org), body)?;
    Ok(json(
        200,
        &json!({ "valid": true, "diagnostics": report.diagnostics }),
    ))
}

/// `GET /settings`: 200 with the settings as stored, or 404.
pub fn get(org: &OrgId) -> Result<Response, Failure> {
    let text = Store::open()?
        .get_bytes(&keys::settings(org))?
        .ok_or_else(no_settings)?;
    Ok(json_bytes(200, text))
}

/// The org's settings, read into the model; 404 when there are none.
pub fn load(store: &Store, org: &OrgId) -> Result<Settings, Failure> {
    let bytes = store
        .get_bytes(&keys::settings(org))?
        .ok_or_else(no_settings)?;
    let text = String::from_utf8_lossy(&bytes);
    check_settings(&text).settings.ok_or_else(|| {
        Failure::unavailable("the stored settings no longer pass the checker; PUT them again")
    })
}

/// The org's `RecordingRetentionDays`: `None` when it keeps recordings
/// forever, or has no settings (or none that pass the checker) yet.
pub fn retention_days(store: &Store, org: &OrgId) -> Result<Option<u32>, Failure> {
    Ok(store
        .get_bytes(&keys::settings(org))?
        .and_then(|bytes| check_settings(&String::from_utf8_lossy(&bytes)).settings)
        .and_then(|settings| settings.recording_retention_days))
}

/// The org has stored no settings.
fn no_settings() -> Failure {
    Failure::not_found(
        "settings",
        "this org has no settings yet: PUT /settings with the admin key first",
    )
}
