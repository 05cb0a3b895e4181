//! The OTP rules' fixed numbers and the system message, defined once (rules 19-21).

/// How many digits a code has.
pub const CODE_DIGITS: usize = 6;

/// How many codes there are: 10^[`CODE_DIGITS`].
pub const CODE_SPACE: u32 = 1_000_000;

/// How long a code stays valid, in seconds: valid while less than this has
/// passed since it was sent; at exactly this it has expired (rule 19).
pub const CODE_TTL_S: i64 = 10 * 60;

/// Wrong codes a challenge allows in total, across resends (rule 20).
pub const MAX_WRONG_CODES: u32 = 5;

/// The server's cap on sends (first sends and resends together) per phone
/// number in any rolling window of [`SEND_WINDOW_S`] (rule 21).
pub const MAX_SENDS_PER_WINDOW: usize = 10;

/// The rolling window of the send cap, in seconds: a send counts while less
/// than this has passed since it was made.
pub const SEND_WINDOW_S: i64 = 60 * 60;

/// How long a challenge is remembered after its last send, in seconds. Past
/// this, verify and resend answer `unknown_challenge` and a send starts anew.
pub const CHALLENGE_RETENTION_S: i64 = 60 * 60;

/// Bytes of salt hashed with each code.
pub const SALT_BYTES: usize = 16;

/// Bytes of each rejection-sampling draw (a big-endian `u32`).
pub const DRAW_BYTES: usize = 4;

/// Draws a [`crate::otp::Entropy`] holds for choosing one code. A draw is
/// rejected with probability 967,296 / 2^32 (about 2.3e-4), so all of them
/// fail with probability about 6.6e-30.
pub const CODE_DRAWS: usize = 8;

/// Random bytes one send needs: the salt, then the code's draws.
pub const OTP_RANDOM_BYTES: usize = SALT_BYTES + CODE_DRAWS * DRAW_BYTES;

/// The message shown with every answer when the Lapp configuration has no
/// `DisplayMessage` (rule 21).
pub const SYSTEM_MESSAGE: &str =
    "Enter the 6-digit code sent by SMS to the lead's phone number to continue.";
