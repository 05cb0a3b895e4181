#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| recrules_fuzz::otp_body::otp_body(data));
