//! Replays every input of `fuzz/regressions/<target>/` through its target:
//! each is a crash the fuzzer once found (see fuzz/README.md).
//! `cargo test --manifest-path fuzz/Cargo.toml` (stable or nightly);
//! `scripts/fuzz.sh` also replays them with the fuzz binaries.

use std::path::Path;

use arbitrary::Unstructured;

fn replay(target: &str, run: impl Fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("regressions")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return 0;
    };
    let mut n = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        eprintln!("replaying {}", path.display());
        run(&data);
        n += 1;
    }
    n
}

#[test]
fn every_regression_input_passes() {
    let mut n = 0;
    n += replay("settings_bytes", recrules_fuzz::settings::settings_bytes);
    n += replay("settings_structured", |d| {
        let _ = recrules_fuzz::settings::settings_structured(&mut Unstructured::new(d));
    });
    n += replay("decisions", |d| {
        let _ = recrules_fuzz::decisions::decisions(&mut Unstructured::new(d));
    });
    n += replay("otp", |d| {
        let _ = recrules_fuzz::otp::otp(&mut Unstructured::new(d));
    });
    n += replay("vectors", recrules_fuzz::vectors::vectors);
    n += replay("otp_body", recrules_fuzz::otp_body::otp_body);
    assert!(n > 0, "no regression input found");
}
