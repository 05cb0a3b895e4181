//! `RecordingRetentionDays`: a whole number of days from
//! [`Settings::RETENTION_DAYS_MIN`] to [`Settings::RETENTION_DAYS_MAX`].
//! Each way of getting it wrong has its own diagnostic, saying what would be
//! right.

use serde_json::{Number, Value};

use super::diagnostic::Problem;
use super::keys::RECORDING_RETENTION_DAYS;
use super::model::Settings;
use super::reader::Reader;

/// What the key takes, in every diagnostic about it.
fn expected() -> String {
    format!(
        "a whole number of days from {} to {}",
        Settings::RETENTION_DAYS_MIN,
        Settings::RETENTION_DAYS_MAX
    )
}

/// The help for a value that gives no hint of the number meant.
fn general_help() -> String {
    format!(
        "give how many days recordings are kept, e.g. `365`; leave `{RECORDING_RETENTION_DAYS}` out to keep them for ever"
    )
}

/// Reads `RecordingRetentionDays` at `path`; `None` (with a diagnostic) when it is not usable.
pub(super) fn retention_days(reader: &mut Reader, value: &Value, path: &str) -> Option<u32> {
    match value {
        Value::Number(n) => number(reader, n, value, path),
        Value::String(s) => {
            let help = match s.trim().parse::<u32>() {
                Ok(days) if in_range(f64::from(days)) => {
                    format!("write it without quotes: {days}")
                }
                _ => general_help(),
            };
            reader.wrong_type(path, &expected(), value, Some(help));
            None
        }
        Value::Null => {
            let help = format!(
                "leave `{RECORDING_RETENTION_DAYS}` out to keep recordings for ever, or give a number of days, e.g. `365`"
            );
            reader.wrong_type(path, &expected(), value, Some(help));
            None
        }
        other => {
            reader.wrong_type(path, &expected(), other, Some(general_help()));
            None
        }
    }
}

/// A JSON number: negative, zero, too large, fractional, or written with a
/// decimal point, else the days.
fn number(reader: &mut Reader, n: &Number, value: &Value, path: &str) -> Option<u32> {
    let x = n.as_f64().unwrap_or(f64::NAN);
    let out_of_range = |reader: &mut Reader, detail: String, help: String| {
        reader.error(path, Problem::OutOfRange { detail }, Some(help));
        None
    };
    if x < 0.0 {
        return out_of_range(
            reader,
            format!(
                "{n} is out of range: a retention cannot be negative; expected {}",
                expected()
            ),
            general_help(),
        );
    }
    if x == 0.0 {
        return out_of_range(
            reader,
            format!("{n} is out of range: a retention of 0 days would remove every recording as soon as it is stored; expected {}", expected()),
            general_help(),
        );
    }
    if x.fract() != 0.0 {
        let help = if x < 1.0 {
            "retention is counted in whole days: write `1`".to_owned()
        } else {
            format!(
                "retention is counted in whole days: write `{}` or `{}`",
                x.floor(),
                x.ceil()
            )
        };
        reader.wrong_type(path, &expected(), value, Some(help));
        return None;
    }
    if !in_range(x) {
        return out_of_range(
            reader,
            format!(
                "{n} is out of range: a retention is at most {} days (100 years); expected {}",
                Settings::RETENTION_DAYS_MAX,
                expected()
            ),
            format!(
                "give at most {}; leave `{RECORDING_RETENTION_DAYS}` out to keep recordings for ever",
                Settings::RETENTION_DAYS_MAX
            ),
        );
    }
    match n.as_u64().and_then(|days| u32::try_from(days).ok()) {
        Some(days) => Some(days),
        // In range, whole, but written with a decimal point or an exponent (`30.0`, `3e1`).
        None => {
            let help = format!("write it without a decimal point: {x}");
            reader.wrong_type(path, &expected(), value, Some(help));
            None
        }
    }
}

/// Whether `days` is within the bounds.
fn in_range(days: f64) -> bool {
    (f64::from(Settings::RETENTION_DAYS_MIN)..=f64::from(Settings::RETENTION_DAYS_MAX))
        .contains(&days)
}

#[cfg(test)]
mod tests {
    use crate::settings::{check_settings, CheckReport, Problem, Settings};

    /// Settings whose fourth line is `"RecordingRetentionDays": <value>`.
    fn with(value: &str) -> CheckReport {
        check_settings(&format!(
            "{{\n  \"RecordingEnabled\": true,\n  \"Mode\": \"SingleActivity\",\n  \"RecordingRetentionDays\": {value},\n  \"Data\": []\n}}"
        ))
    }

    /// The one error of `value`: its message and help, after checking where it is.
    fn error(value: &str) -> (String, String, Problem) {
        let report = with(value);
        assert!(!report.valid, "{value}");
        let errors: Vec<_> = report.errors().collect();
        assert_eq!(errors.len(), 1, "{value}: {errors:?}");
        let d = errors[0];
        assert_eq!(
            (d.path.as_str(), d.line, d.column),
            ("RecordingRetentionDays", Some(4), Some(3)),
            "{value}"
        );
        (
            d.message.clone(),
            d.help.clone().unwrap_or_default(),
            d.problem.clone(),
        )
    }

    #[test]
    fn whole_days_from_1_to_36500_are_kept_and_absent_is_for_ever() {
        for days in [1, 30, 365, Settings::RETENTION_DAYS_MAX] {
            let report = with(&days.to_string());
            assert!(report.valid, "{days}: {:?}", report.diagnostics);
            let settings = report.settings.unwrap();
            assert_eq!(settings.recording_retention_days, Some(days));
            let back = serde_json::to_value(&settings).unwrap();
            assert_eq!(back["RecordingRetentionDays"], days);
        }
        let report =
            check_settings(r#"{"RecordingEnabled": true, "Mode": "SingleActivity", "Data": []}"#);
        let settings = report.settings.unwrap();
        assert_eq!(settings.recording_retention_days, None);
        let back = serde_json::to_value(&settings).unwrap();
        assert!(back.get("RecordingRetentionDays").is_none(), "{back}");
    }

    #[test]
    fn negative_zero_and_too_many_days_are_out_of_range() {
        let (message, help, problem) = error("-30");
        assert!(matches!(problem, Problem::OutOfRange { .. }));
        assert_eq!(message, "-30 is out of range: a retention cannot be negative; expected a whole number of days from 1 to 36500");
        assert_eq!(help, "give how many days recordings are kept, e.g. `365`; leave `RecordingRetentionDays` out to keep them for ever");
        let (message, _, problem) = error("0");
        assert!(matches!(problem, Problem::OutOfRange { .. }));
        assert!(
            message.starts_with(
                "0 is out of range: a retention of 0 days would remove every recording"
            ),
            "{message}"
        );
        let (message, help, _) = error("36501");
        assert_eq!(message, "36501 is out of range: a retention is at most 36500 days (100 years); expected a whole number of days from 1 to 36500");
        assert_eq!(
            help,
            "give at most 36500; leave `RecordingRetentionDays` out to keep recordings for ever"
        );
        // Beyond every integer type too.
        let (message, _, _) = error("1e30");
        assert!(message.starts_with("1e+30 is out of range"), "{message}");
        let (message, _, _) = error("-1.5");
        assert!(message.contains("cannot be negative"), "{message}");
    }

    #[test]
    fn fractions_and_decimal_points_are_not_whole_days() {
        let (message, help, problem) = error("1.5");
        assert!(matches!(problem, Problem::WrongType { .. }));
        assert_eq!(
            message,
            "expected a whole number of days from 1 to 36500, found number `1.5`"
        );
        assert_eq!(help, "retention is counted in whole days: write `1` or `2`");
        assert_eq!(
            error("0.5").1,
            "retention is counted in whole days: write `1`"
        );
        let (message, help, _) = error("30.0");
        assert!(message.ends_with("found number `30.0`"), "{message}");
        assert_eq!(help, "write it without a decimal point: 30");
    }

    #[test]
    fn other_types_say_what_the_key_takes() {
        let (message, help, _) = error("\"30\"");
        assert_eq!(
            message,
            "expected a whole number of days from 1 to 36500, found string \"30\""
        );
        assert_eq!(help, "write it without quotes: 30");
        let (_, help, _) = error("\"forever\"");
        assert!(
            help.contains("leave `RecordingRetentionDays` out"),
            "{help}"
        );
        let (message, help, _) = error("null");
        assert!(message.ends_with("found null"), "{message}");
        assert_eq!(help, "leave `RecordingRetentionDays` out to keep recordings for ever, or give a number of days, e.g. `365`");
        for other in ["true", "[30]", "{\"Days\": 30}"] {
            let (message, _, problem) = error(other);
            assert!(matches!(problem, Problem::WrongType { .. }), "{other}");
            assert!(
                message.starts_with("expected a whole number of days"),
                "{message}"
            );
        }
    }

    #[test]
    fn a_misspelt_key_is_a_warning_naming_it() {
        let report = check_settings(
            r#"{"RecordingEnabled": true, "Mode": "SingleActivity", "Data": [], "RecordingRetentionDay": 30}"#,
        );
        assert!(report.valid);
        let warning = report
            .warnings()
            .find(|d| d.path == "RecordingRetentionDay")
            .unwrap();
        assert_eq!(
            warning.help.as_deref(),
            Some("did you mean `RecordingRetentionDays`?")
        );
        assert_eq!(report.settings.unwrap().recording_retention_days, None);
    }
}
