//! # recrules-otp: the OTP Lapp
//!
//! A Spin HTTP component that sends, resends and verifies OTPs on the rules
//! of [`recrules_sdk::otp`]. It only adapts: it parses, loads state, calls the
//! rules, stores and answers.
//!
//! ## Routes
//! Every request carries `x-org-id` and `x-api-key` (see
//! [`handlers::authenticate`]).
//!
//! - `POST /otp/send`, `POST /otp/resend`: body
//!   `{"phone": "+919800000001", "lead": "L-1", "entry": 221, "user": "U-1"}`;
//! - `POST /otp/verify`: the same plus `"code": "123456"`;
//! - `GET /otp/test/last-message?phone=%2B919800000001`: only when `lapp_env`
//!   is `Test` (else 404), the last SMS the `log` gateway kept.
//!
//! Every outcome answers 200 with the rules' [`recrules_sdk::otp::Answer`]:
//! `{outcome, remaining_retry_count, retry_after_s, expires_in_s,
//! attempts_left, phone_masked, display_message}`. Errors answer
//! `{error, field, message}`: 400 (bad body, `field` names it), 401, 404,
//! 405 (with `allow`), 502 (SMS gateway failed; nothing counted), 503 (a Spin variable is
//! malformed, `field` names it; or the store is unavailable).
//!
//! ## State
//! Key-value store "default"; keys start with the org:
//! `{org}/otp/phone/{phone}` (the phone's record, updated by compare-and-swap,
//! see [`recrules_lapp_support::store`]),
//! `{org}/otp/approval/{lead}/{entry}/{user}` (the approval
//! the validation hook consumes, [`recrules_sdk::otp::approval_key`], with the
//! digest of the challenge it closed, which the meeting keeps as consent
//! evidence: [`recrules_sdk::consent::Consent`]) and,
//! in Test, `{org}/otp/test-sms/{phone}`.

mod config;
mod delivery;
mod handlers;
mod reply;
mod request;

use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

/// The component's entry point.
#[http_component]
fn handle(req: Request) -> Response {
    handlers::route(&req)
}
