//! Storage keys of the OTP state and of approval records, and the ids they
//! are built from. Every key starts with the org, and ids can never contain
//! the `/` that separates key parts, so one org's request cannot reach
//! another's keys. The validation hook reads approvals through
//! [`approval_key`] too.

use serde::{Deserialize, Serialize};

use super::error::OtpError;
use super::phone::Phone;
use super::state::Subject;
use crate::time::Instant;

/// The longest id accepted.
const MAX_ID_LEN: usize = 128;

/// Checks that `value`, given in `field`, is usable in a storage key: 1 to
/// 128 characters among `A-Z a-z 0-9 . _ - @`, and not `.` or `..`.
pub fn check_id(field: &'static str, value: &str) -> Result<(), OtpError> {
    let safe = (1..=MAX_ID_LEN).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'))
        && value != "."
        && value != "..";
    if safe {
        Ok(())
    } else {
        Err(OtpError::BadId { field })
    }
}

/// An org's id, checked with [`check_id`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrgId(String);

impl OrgId {
    /// Reads an org id given in `field`.
    pub fn parse(field: &'static str, value: &str) -> Result<Self, OtpError> {
        check_id(field, value)?;
        Ok(Self(value.to_owned()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The key of an org's record for one phone number ([`super::PhoneRecord`]):
/// `{org}/otp/phone/{phone}`.
pub fn phone_record_key(org: &OrgId, phone: &Phone) -> String {
    format!("{}/otp/phone/{}", org.0, phone.as_str())
}

/// The key of the approval for a subject: `{org}/otp/approval/{lead}/{entry}/{user}`.
pub fn approval_key(org: &OrgId, subject: &Subject) -> String {
    format!(
        "{}/otp/approval/{}/{}/{}",
        org.0, subject.lead, subject.entry, subject.user
    )
}

/// What an `approved` verify leaves for the validation hook and the activity
/// posting (rule 11): who verified which phone, for which lead and entry, and
/// when. The consumer deletes it when a meeting uses it (one OTP, one meeting).
/// A meeting keeps what it needs of it as consent evidence
/// ([`crate::consent::Consent`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// The user, lead and entry it serves.
    pub subject: Subject,
    /// The phone number the code went to.
    pub phone: Phone,
    /// When the code was verified.
    pub verified_at: Instant,
    /// The digest of the challenge the code closed ([`super::Challenge::sha256`]);
    /// absent from approvals stored before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge_sha256: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_cannot_reach_other_keys() {
        for bad in ["", ".", "..", "a/b", "a b", "x\n", "ü", &"a".repeat(129)] {
            assert!(check_id("lead", bad).is_err(), "{bad:?}");
        }
        for good in ["L-1", "user@example.com", "da_46224_a63081b7_1", "..."] {
            assert!(check_id("lead", good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn keys_start_with_the_org() {
        let org = OrgId::parse("x-org-id", "org-1").unwrap();
        let phone = Phone::parse("phone", "+919800000001").unwrap();
        let subject = Subject::new("L-1", 221, "U-1").unwrap();
        assert_eq!(
            phone_record_key(&org, &phone),
            "org-1/otp/phone/+919800000001"
        );
        assert_eq!(
            approval_key(&org, &subject),
            "org-1/otp/approval/L-1/221/U-1"
        );
    }
}
