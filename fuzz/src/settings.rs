//! Targets `settings_bytes` and `settings_structured`: the settings checker.

use arbitrary::{Result, Unstructured};
use recrules_sdk::settings::{check_settings, CheckReport};

use crate::gen;

/// Checks `text` and asserts what holds of every report:
/// valid ⇔ settings present ⇔ no error; every diagnostic has a message, and
/// line and column (together) from 1; the report serialises.
pub fn checked(text: &str) -> CheckReport {
    let report = check_settings(text);
    assert_eq!(
        report.valid,
        report.settings.is_some(),
        "valid ⇔ settings is Some, for {text:?}"
    );
    assert_eq!(
        report.valid,
        report.errors().next().is_none(),
        "valid ⇔ no error, for {text:?}"
    );
    for d in &report.diagnostics {
        assert!(!d.message.trim().is_empty(), "empty message: {d:?}");
        assert_eq!(
            d.line.is_some(),
            d.column.is_some(),
            "line without column: {d:?}"
        );
        if let Some(line) = d.line {
            assert!(line >= 1, "line {line} < 1 in {d:?} for {text:?}");
        }
        if let Some(column) = d.column {
            assert!(column >= 1, "column {column} < 1 in {d:?} for {text:?}");
        }
        assert!(!d.to_string().is_empty());
    }
    serde_json::to_string(&report).expect("a report serialises");
    report
}

/// `settings_bytes`: the bytes as lossy UTF-8, and as they are when they are UTF-8.
pub fn settings_bytes(data: &[u8]) {
    let lossy = String::from_utf8_lossy(data);
    checked(&lossy);
    if let Ok(text) = std::str::from_utf8(data) {
        if text != lossy {
            checked(text);
        }
    }
}

/// When valid, the settings written back as JSON check valid again and read
/// back equal (the model's JSON form uses the admin's key names).
pub fn round_trip(report: &CheckReport) {
    let Some(settings) = &report.settings else {
        return;
    };
    for text in [
        serde_json::to_string(settings).expect("settings serialise"),
        serde_json::to_string_pretty(settings).expect("settings serialise"),
    ] {
        let again = checked(&text);
        assert!(
            again.valid,
            "settings written back are not valid: {text}\n{:#?}",
            again.diagnostics
        );
        assert_eq!(
            again.settings.as_ref(),
            Some(settings),
            "settings written back read differently: {text}"
        );
    }
}

/// `settings_structured`: a settings object biased toward the known keys,
/// written compact or pretty, checked, and round-tripped when valid.
pub fn settings_structured(u: &mut Unstructured) -> Result<()> {
    let value = gen::any_settings(u)?;
    let text = if u.arbitrary()? {
        serde_json::to_string_pretty(&value)
    } else {
        serde_json::to_string(&value)
    }
    .expect("a Value serialises");
    let report = checked(&text);
    round_trip(&report);
    Ok(())
}
