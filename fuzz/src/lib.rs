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

/// The OTP Lapp's `request.rs`, as it is. It names `crate::reply::Failure`.
#[allow(dead_code, unused_imports)]
#[path = "../../lapps/otp/src/request.rs"]
mod lapp_otp_request;

/// A stand-in for the Lapp's `reply` module: the one constructor `request.rs`
/// uses, `Failure::bad`, a 400 naming its field. The Lapp's own `reply.rs`
/// builds a Spin `Response` and names its support crate, which would tie this
/// crate to spin-sdk (a slow native build) and to the Lapps' layout; if
/// `request.rs` ever returns another kind of failure, this stops compiling,
/// which is the signal to extend it.
pub mod reply {
    /// Why the Lapp refuses a request (here: only a bad request).
    #[derive(Debug)]
    pub enum Failure {
        /// 400: the request is malformed; `field` names what is wrong.
        BadRequest {
            /// The field at fault.
            field: String,
            /// What is wrong and what would be right.
            message: String,
        },
    }

    impl Failure {
        /// A 400 naming `field`.
        pub fn bad(field: impl Into<String>, message: impl Into<String>) -> Self {
            Self::BadRequest {
                field: field.into(),
                message: message.into(),
            }
        }
    }
}
