//! Consent evidence: the OTP verification that allowed a meeting, kept on
//! its activities.
//!
//! When the entry has `OTPValidation`, the meeting's activities keep the
//! verification that allowed it: the phone number masked as users see it
//! (`+91******0001`), when the code was verified, and the digest of the
//! challenge ([`crate::otp::Challenge::sha256`]). It never holds the code nor
//! the full number. A Single-mode End takes it from the approval it uses up;
//! in Dual mode the Start does, and its End carries the Start's.

use chrono::SecondsFormat;
use serde::{Deserialize, Serialize};

use crate::otp::Approval;
use crate::time::Instant;

/// The OTP verification a meeting was allowed by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// The phone number the code went to, masked ([`crate::otp::Phone::masked`]).
    pub phone_masked: String,
    /// When the code was verified.
    pub verified_at: Instant,
    /// The lowercase hex SHA-256 of the challenge the code closed; absent
    /// when the approval was stored before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge_sha256: Option<String>,
}

impl From<&Approval> for Consent {
    fn from(approval: &Approval) -> Self {
        Self {
            phone_masked: approval.phone.masked(),
            verified_at: approval.verified_at,
            challenge_sha256: approval.challenge_sha256.clone(),
        }
    }
}

/// How every consent line of a note begins ([`Consent::note_line`]).
const NOTE_LINE_START: &str = "OTP verified ";

impl Consent {
    /// The line an activity's note carries for people reading the lead's
    /// history: `OTP verified 2026-11-20T10:00:00Z to +91******0001,
    /// challenge sha256:<hex>` (the time in UTC, to the second).
    pub fn note_line(&self) -> String {
        let at = self.verified_at.to_rfc3339_opts(SecondsFormat::Secs, true);
        let mut line = format!("{NOTE_LINE_START}{at} to {}", self.phone_masked);
        if let Some(digest) = &self.challenge_sha256 {
            line.push_str(&format!(", challenge sha256:{digest}"));
        }
        line
    }

    /// Whether `note` has a consent line ([`Consent::note_line`]).
    pub fn is_noted_in(note: &str) -> bool {
        note.contains(NOTE_LINE_START)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otp::{Phone, Subject};
    use chrono::{Duration, TimeZone, Utc};

    const FULL: &str = "+919800000001";
    const DIGEST: &str = "5d1f0d0a4c1e2b3a69788796a5b4c3d2e1f00112233445566778899aabbccddee";

    fn approval(digest: Option<&str>) -> Approval {
        Approval {
            subject: Subject::new("L-1", 221, "U-1").unwrap(),
            phone: Phone::parse("phone", FULL).unwrap(),
            verified_at: Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap()
                + Duration::milliseconds(250),
            challenge_sha256: digest.map(str::to_owned),
        }
    }

    #[test]
    fn consent_keeps_the_masked_number_the_time_and_the_digest_only() {
        let consent = Consent::from(&approval(Some(DIGEST)));
        assert_eq!(consent.phone_masked, "+91******0001");
        assert_eq!(consent.verified_at, approval(None).verified_at);
        assert_eq!(consent.challenge_sha256.as_deref(), Some(DIGEST));
        let json = serde_json::to_string(&consent).unwrap();
        assert!(!json.contains("9800000001"), "{json}");
        assert!(!json.contains("subject") && !json.contains("U-1"), "{json}");
        let back: Consent = serde_json::from_str(&json).unwrap();
        assert_eq!(back, consent);
    }

    #[test]
    fn the_note_line_says_when_to_which_masked_number_and_the_digest() {
        let consent = Consent::from(&approval(Some(DIGEST)));
        let line = consent.note_line();
        assert_eq!(
            line,
            format!(
                "OTP verified 2026-11-20T10:00:00Z to +91******0001, challenge sha256:{DIGEST}"
            )
        );
        assert!(!line.contains("9800000001"), "{line}");
        assert!(Consent::is_noted_in(&format!("Met. {line} [request 00]")));
        assert!(!Consent::is_noted_in("Meeting recording started by U-1"));
        // An approval stored before the digest was kept.
        let old = Consent::from(&approval(None));
        assert_eq!(
            old.note_line(),
            "OTP verified 2026-11-20T10:00:00Z to +91******0001"
        );
        let json = serde_json::to_value(&old).unwrap();
        assert!(json.get("challenge_sha256").is_none(), "{json}");
    }

    #[test]
    fn an_approval_stored_before_the_digest_reads_back() {
        let text = r#"{"subject": {"lead": "L-1", "entry": 221, "user": "U-1"},
            "phone": "+919800000001", "verified_at": "2026-11-20T10:00:00Z"}"#;
        let approval: Approval = serde_json::from_str(text).unwrap();
        assert_eq!(approval.challenge_sha256, None);
        assert_eq!(Consent::from(&approval).phone_masked, "+91******0001");
    }
}
