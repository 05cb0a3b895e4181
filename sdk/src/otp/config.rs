//! The Lapp configuration of `SendOTPViaLapp` (feature text section 4, rule 22).

use serde::{Deserialize, Serialize};

use super::limits::SYSTEM_MESSAGE;

/// The Lapp configuration: `{"RemainingRetryCount": n, "RetryTimeInterval": n,
/// "DisplayMessage": "..."}`. Each parameter is optional and applies on its
/// own; the default (all absent) is the system default of rule 21: the system
/// message, no counter and no timer shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct LappConfig {
    /// Resends allowed after the first send of a challenge; absent: no counter
    /// (only the server's hourly cap limits resends).
    #[serde(default)]
    pub remaining_retry_count: Option<u32>,
    /// Seconds that must pass after a send before the next; absent: no timer.
    #[serde(default)]
    pub retry_time_interval: Option<u32>,
    /// The text shown to the user who triggered the OTP; absent or blank:
    /// [`SYSTEM_MESSAGE`].
    #[serde(default)]
    pub display_message: Option<String>,
}

impl LappConfig {
    /// The message every answer carries.
    pub fn display_message(&self) -> &str {
        self.display_message
            .as_deref()
            .filter(|m| !m.trim().is_empty())
            .unwrap_or(SYSTEM_MESSAGE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_feature_texts_json() {
        let config: LappConfig = serde_json::from_str(
            r#"{"RemainingRetryCount":3,"RetryTimeInterval":30,"DisplayMessage":"Ask the lead"}"#,
        )
        .unwrap();
        assert_eq!(config.remaining_retry_count, Some(3));
        assert_eq!(config.retry_time_interval, Some(30));
        assert_eq!(config.display_message(), "Ask the lead");
    }

    #[test]
    fn blank_message_falls_back_to_the_system_message() {
        let config: LappConfig = serde_json::from_str(r#"{"DisplayMessage":"  "}"#).unwrap();
        assert_eq!(config.display_message(), SYSTEM_MESSAGE);
        assert_eq!(LappConfig::default().display_message(), SYSTEM_MESSAGE);
    }

    #[test]
    fn refuses_unknown_keys() {
        let err = serde_json::from_str::<LappConfig>(r#"{"RetryCount":3}"#).unwrap_err();
        assert!(err.to_string().contains("RetryCount"));
    }
}
