//! The feature's fixed limits, defined once.

/// The most recordings one End activity carries.
pub const MAX_RECORDINGS: usize = 20;

/// The largest recording, in bytes: 10 MB = 10 x 1024 x 1024.
pub const MAX_RECORDING_BYTES: u64 = 10_485_760;

/// How long before the recording began a verified OTP still serves (rule 11), in seconds.
pub const OTP_APPROVAL_VALIDITY_S: i64 = 15 * 60;
