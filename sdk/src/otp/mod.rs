//! # The OTP challenge (rules 19-23)
//!
//! A challenge verifies a lead's phone number for one user, lead and entry
//! ([`Subject`]). Codes are 6 digits drawn uniformly (rejection sampling over
//! caller-given random bytes, [`Entropy`]), stored only as salted SHA-256 and
//! compared in constant time. A code is valid while less than 10 minutes have
//! passed since it was sent, and used once: `approved` closes the challenge,
//! after which verify and resend answer `unknown_challenge`. A challenge
//! allows 5 wrong codes across resends, then answers `locked`.
//!
//! Resends follow the Lapp configuration ([`LappConfig`]); with none, the
//! system defaults apply. The server caps sends (first sends and resends) at
//! 10 per phone number in any rolling hour, whatever the configuration.
//!
//! Everything remembered for a phone number is one [`PhoneRecord`], so a store
//! updates it with one compare-and-swap: [`send`], [`resend`] and [`verify`]
//! take the record as loaded and give back the record to store, the
//! [`Answer`], the code to deliver and the [`Approval`] to record.
//!
//! The module is pure: the time and the random bytes are arguments.

mod answer;
mod code;
mod config;
mod error;
mod keys;
pub mod limits;
mod machine;
mod phone;
mod state;

#[cfg(test)]
mod machine_tests;

pub use answer::{resend_countdown, Answer, Outcome};
pub use code::{Code, Entropy, StoredCode};
pub use config::LappConfig;
pub use error::OtpError;
pub use keys::{approval_key, check_id, phone_record_key, Approval, OrgId};
pub use limits::OTP_RANDOM_BYTES;
pub use machine::{resend, send, verify, Decision, Request};
pub use phone::Phone;
pub use state::{Challenge, PhoneRecord, Subject};
