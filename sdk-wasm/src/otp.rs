//! The OTP resend countdown the app shows, offline, between server answers.

use recrules_sdk::otp::{self, Answer};
use wasm_bindgen::prelude::*;

use crate::convert::Arg;

/// The seconds left until a resend is allowed: `answer` is the server's last
/// OTP answer, received (by the device's clock) at `receivedAt`; `now` is the
/// device's time. `undefined` when the answer shows no timer. A clock set
/// back never shows more than the answer said.
#[wasm_bindgen(js_name = otpResendCountdown)]
pub fn otp_resend_countdown(
    #[wasm_bindgen(unchecked_param_type = "Answer")] answer: JsValue,
    #[wasm_bindgen(js_name = receivedAt, unchecked_param_type = "Instant | Date | number")]
    received_at: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Instant | Date | number")] now: JsValue,
) -> Result<Option<f64>, JsValue> {
    const F: &str = "otpResendCountdown";
    let answer: Answer = Arg::new(F, "answer").read(&answer)?;
    let received_at = Arg::new(F, "receivedAt").instant(&received_at)?;
    let now = Arg::new(F, "now").instant(&now)?;
    // Seconds fit a JS number exactly (they are below 2^53).
    Ok(otp::resend_countdown(&answer, received_at, now).map(|s| s as f64))
}
