//! Phone numbers: their normal form and how they are shown masked.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::OtpError;

/// Digits of a phone number kept visible after the `+` when masked.
const MASK_KEEP_LEADING: usize = 2;
/// Digits kept visible at the end when masked.
const MASK_KEEP_TRAILING: usize = 4;
/// The fewest digits of a phone number (after the `+`).
const MIN_DIGITS: usize = 8;
/// The most digits of a phone number (E.164).
const MAX_DIGITS: usize = 15;

/// A phone number in E.164 form: `+` then 8 to 15 digits (`+919800000001`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Reads a phone number given in field `field`. Spaces, dots, dashes and
    /// brackets are ignored (`+91 98000-00001` reads as `+919800000001`).
    pub fn parse(field: &'static str, text: &str) -> Result<Self, OtpError> {
        let bad = || OtpError::BadPhone {
            field,
            value: text.to_owned(),
        };
        let compact: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
            .collect();
        let digits = compact.strip_prefix('+').ok_or_else(bad)?;
        let well_formed = digits.chars().all(|c| c.is_ascii_digit())
            && (MIN_DIGITS..=MAX_DIGITS).contains(&digits.len());
        if well_formed {
            Ok(Self(compact))
        } else {
            Err(bad())
        }
    }

    /// The number in E.164 form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number as shown to users: the `+`, the first 2 digits and the
    /// last 4, every other digit as `*` (`+919800000001` -> `+91******0001`).
    pub fn masked(&self) -> String {
        let digits = &self.0[1..];
        let hidden = digits.len() - MASK_KEEP_LEADING - MASK_KEEP_TRAILING;
        format!(
            "+{}{}{}",
            &digits[..MASK_KEEP_LEADING],
            "*".repeat(hidden),
            &digits[digits.len() - MASK_KEEP_TRAILING..]
        )
    }
}

impl TryFrom<String> for Phone {
    type Error = OtpError;

    fn try_from(text: String) -> Result<Self, OtpError> {
        Self::parse("phone", &text)
    }
}

impl From<Phone> for String {
    fn from(phone: Phone) -> String {
        phone.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_all_but_country_prefix_and_last_four() {
        let phone = Phone::parse("phone", "+919800000001").unwrap();
        assert_eq!(phone.masked(), "+91******0001");
        let short = Phone::parse("phone", "+12345678").unwrap();
        assert_eq!(short.masked(), "+12**5678");
    }

    #[test]
    fn ignores_separators() {
        let phone = Phone::parse("phone", "+91 (98000) 000-01").unwrap();
        assert_eq!(phone.as_str(), "+919800000001");
    }

    #[test]
    fn refuses_what_is_not_e164() {
        for bad in [
            "919800000001",
            "+91980000000a",
            "+1234567",
            "+1234567890123456",
            "",
            "+",
        ] {
            let err = Phone::parse("phone", bad).unwrap_err();
            assert_eq!(err.field(), "phone", "{bad}");
        }
    }

    #[test]
    fn json_form_is_the_e164_string() {
        let phone: Phone = serde_json::from_str("\"+919800000001\"").unwrap();
        assert_eq!(serde_json::to_string(&phone).unwrap(), "\"+919800000001\"");
        assert!(serde_json::from_str::<Phone>("\"12\"").is_err());
    }
}
