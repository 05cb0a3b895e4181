//! Codes: drawn uniformly from caller-given random bytes, stored only as a
//! salted SHA-256 hash, compared in constant time (rule 19).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};

use super::error::OtpError;
use super::limits::{
    CODE_DIGITS, CODE_DRAWS, CODE_SPACE, DRAW_BYTES, OTP_RANDOM_BYTES, SALT_BYTES,
};
use crate::time::Instant;

/// The largest multiple of [`CODE_SPACE`] that fits a `u32` draw: draws at or
/// above it are rejected, so `draw % CODE_SPACE` has no modulo bias.
const ACCEPT_BELOW: u64 = ((1u64 << 32) / CODE_SPACE as u64) * CODE_SPACE as u64;

/// The random bytes one send consumes ([`OTP_RANDOM_BYTES`] of them): a salt,
/// then [`CODE_DRAWS`] rejection-sampling draws for the code. The caller takes
/// them from a cryptographic source (the rules never draw randomness).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entropy(pub [u8; OTP_RANDOM_BYTES]);

impl Entropy {
    fn salt(&self) -> &[u8] {
        &self.0[..SALT_BYTES]
    }

    /// Chooses a code uniformly among the 10^6 codes by rejection sampling.
    fn code(&self) -> Result<Code, OtpError> {
        self.0[SALT_BYTES..]
            .chunks_exact(DRAW_BYTES)
            .take(CODE_DRAWS)
            .map(|chunk| u64::from(u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]])))
            .find(|draw| *draw < ACCEPT_BELOW)
            .map(|draw| {
                Code(format!(
                    "{:0width$}",
                    draw % u64::from(CODE_SPACE),
                    width = CODE_DIGITS
                ))
            })
            .ok_or(OtpError::EntropyExhausted)
    }
}

/// A code in clear: exactly 6 ASCII digits. It exists only between the draw
/// and the SMS, and in a verify request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code(String);

impl Code {
    /// Reads a code given by a user: exactly 6 digits, nothing else.
    pub fn parse(text: &str) -> Result<Self, OtpError> {
        if text.len() == CODE_DIGITS && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(text.to_owned()))
        } else {
            Err(OtpError::BadCode)
        }
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A code as stored: its salt, the SHA-256 of salt and code, and when it was
/// sent. The clear code is never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredCode {
    /// The salt, hex.
    pub salt: String,
    /// SHA-256(salt bytes || code digits), hex.
    pub hash: String,
    /// When the code was sent.
    pub sent_at: Instant,
}

impl StoredCode {
    /// Draws a new code from `entropy` and returns it with its stored form.
    pub(super) fn issue(entropy: &Entropy, sent_at: Instant) -> Result<(Code, Self), OtpError> {
        let code = entropy.code()?;
        let stored = Self {
            salt: hex::encode(entropy.salt()),
            hash: hex::encode(digest(entropy.salt(), &code)),
            sent_at,
        };
        Ok((code, stored))
    }

    /// Whether `code` is this code, compared in constant time. A stored form
    /// that is not valid hex matches nothing.
    pub(super) fn matches(&self, code: &Code) -> Choice {
        match (hex::decode(&self.salt), hex::decode(&self.hash)) {
            (Ok(salt), Ok(hash)) => digest(&salt, code).as_slice().ct_eq(hash.as_slice()),
            _ => Choice::from(0),
        }
    }
}

/// SHA-256(salt || code digits).
fn digest(salt: &[u8], code: &Code) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(code.0.as_bytes());
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn entropy_with_draws(draws: &[u32]) -> Entropy {
        let mut bytes = [0u8; OTP_RANDOM_BYTES];
        for (i, draw) in draws.iter().enumerate() {
            let at = SALT_BYTES + i * DRAW_BYTES;
            bytes[at..at + DRAW_BYTES].copy_from_slice(&draw.to_be_bytes());
        }
        Entropy(bytes)
    }

    #[test]
    fn draws_reduce_without_bias() {
        assert_eq!(ACCEPT_BELOW, 4_294_000_000);
        assert_eq!(entropy_with_draws(&[7]).code().unwrap().as_str(), "000007");
        assert_eq!(
            entropy_with_draws(&[4_293_999_999])
                .code()
                .unwrap()
                .as_str(),
            "999999"
        );
    }

    #[test]
    fn rejected_draws_move_to_the_next_one() {
        let e = entropy_with_draws(&[4_294_000_000, u32::MAX, 123_456]);
        assert_eq!(e.code().unwrap().as_str(), "123456");
    }

    #[test]
    fn all_draws_rejected_asks_for_more_bytes() {
        let e = entropy_with_draws(&[u32::MAX; CODE_DRAWS]);
        assert_eq!(e.code(), Err(OtpError::EntropyExhausted));
    }

    #[test]
    fn stored_form_matches_only_its_code() {
        let at = DateTime::parse_from_rfc3339("2026-11-20T10:00:00Z")
            .unwrap()
            .to_utc();
        let (code, stored) = StoredCode::issue(&entropy_with_draws(&[42]), at).unwrap();
        assert_eq!(code.as_str(), "000042");
        assert!(!stored.hash.contains("000042"));
        assert!(bool::from(stored.matches(&code)));
        assert!(!bool::from(stored.matches(&Code::parse("000043").unwrap())));
    }

    #[test]
    fn codes_are_exactly_six_digits() {
        for bad in ["12345", "1234567", "12345a", " 123456", "١٢٣٤٥٦"] {
            assert_eq!(Code::parse(bad), Err(OtpError::BadCode), "{bad}");
        }
        assert!(Code::parse("000000").is_ok());
    }
}
