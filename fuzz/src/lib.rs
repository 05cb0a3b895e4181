//! Fuzz targets for `recrules-sdk` and the OTP Lapp's body parser.
//!
//! Each target of `fuzz_targets/` calls one function here, so a crash found
//! by libFuzzer can be replayed by a plain test (`tests/regressions.rs`).
//! See `fuzz/README.md` for the targets and their invariants.

pub mod decisions;
pub mod gen;
pub mod otp;
pub mod otp_body;
pub mod settings;
pub mod vectors;

/// The OTP Lapp's `reply.rs`, as it is (its `Failure` is what the parser returns).
#[allow(dead_code, unused_imports)]
#[path = "../../lapps/otp/src/reply.rs"]
mod lapp_otp_reply;

/// The OTP Lapp's `request.rs`, as it is. It names `crate::reply`.
#[allow(dead_code, unused_imports)]
#[path = "../../lapps/otp/src/request.rs"]
mod lapp_otp_request;

/// The Lapp's `crate::reply`, for the included `request.rs`.
use lapp_otp_reply as reply;
