//! What can be wrong with an OTP request, named by the field it concerns.

use thiserror::Error;

/// An OTP request the rules cannot act on. Every variant names the field at
/// fault ([`OtpError::field`]) so an HTTP answer can point at it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OtpError {
    /// The phone number is not `+` followed by 8 to 15 digits.
    #[error("`{field}`: `{value}` is not a phone number; give `+`, the country code and the number (8 to 15 digits; spaces, dots, dashes and brackets are ignored)")]
    BadPhone {
        /// The field that held it.
        field: &'static str,
        /// What was given.
        value: String,
    },
    /// A code to verify that is not exactly 6 digits.
    #[error("`code`: a code is exactly 6 digits (0-9)")]
    BadCode,
    /// An id that could not be used safely in a storage key.
    #[error(
        "`{field}`: an id is 1 to 128 characters among A-Z a-z 0-9 . _ - @ and is not `.` or `..`"
    )]
    BadId {
        /// The field that held it.
        field: &'static str,
    },
    /// All the rejection-sampling draws were rejected (probability about
    /// 6.6e-30): the caller draws fresh random bytes and asks again.
    #[error("the random bytes given were all rejected while choosing a code; call again with fresh random bytes")]
    EntropyExhausted,
}

impl OtpError {
    /// The request field the error concerns (`phone`, `code`, `lead`, ...).
    pub fn field(&self) -> &'static str {
        match self {
            Self::BadPhone { field, .. } | Self::BadId { field } => field,
            Self::BadCode => "code",
            Self::EntropyExhausted => "random",
        }
    }
}
