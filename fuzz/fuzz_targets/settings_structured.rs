#![no_main]

use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = recrules_fuzz::settings::settings_structured(&mut Unstructured::new(data));
});
