//! The native baseline of `bench/load.sh`: the work the OTP Lapp does for one
//! `POST /otp/verify`, without Wasm, HTTP or the state database. Per
//! iteration: parse and check the JSON body (as `lapps/otp/src/request.rs`),
//! decode the stored phone record (its JSON value; the version is a column
//! of its own, `lapps/support/src/store.rs`), run [`otp::verify`], and encode
//! the answer (and the record when it changed).
//!
//! - `unknown_challenge`: no record for the phone (what `bench/load.sh` drives);
//! - `wrong_code`: a record with a live challenge; the wrong code is counted.
//!
//! `cargo bench -p recrules-sdk --bench otp_verify`

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use recrules_sdk::otp::{
    self, phone_record_key, Code, Entropy, LappConfig, OrgId, Phone, PhoneRecord, Subject,
    OTP_RANDOM_BYTES,
};
use recrules_sdk::time::Instant;
use serde_json::Value;
use std::hint::black_box;

/// The verify body of the load test.
const BODY: &[u8] =
    br#"{"phone":"+919800000001","lead":"L-1","entry":221,"user":"U-1","code":"000000"}"#;
/// The keys verify accepts.
const KEYS: [&str; 5] = ["phone", "lead", "entry", "user", "code"];

/// The parsed body.
struct Body {
    phone: Phone,
    subject: Subject,
    code: Code,
}

/// Parses and checks the body as the Lapp does (every field named on error).
fn parse(bytes: &[u8]) -> Body {
    let value: Value = serde_json::from_slice(bytes).expect("JSON");
    let Value::Object(map) = value else {
        panic!("an object")
    };
    assert!(map.keys().all(|k| KEYS.contains(&k.as_str())));
    let text = |key: &str| map.get(key).and_then(Value::as_str).expect("a string");
    let entry = map
        .get("entry")
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n > 0)
        .expect("an entry");
    Body {
        phone: Phone::parse("phone", text("phone")).expect("a phone"),
        subject: Subject::new(text("lead"), entry, text("user")).expect("a subject"),
        code: Code::parse(text("code")).expect("a code"),
    }
}

/// One verify: parse, decode the stored record (if any), decide, encode.
fn verify_once(org: &OrgId, config: &LappConfig, stored: Option<&[u8]>, now: Instant) -> Vec<u8> {
    let body = parse(BODY);
    let key = phone_record_key(org, &body.phone);
    let record: PhoneRecord = match stored {
        Some(bytes) => serde_json::from_slice(bytes).expect("a record"),
        None => PhoneRecord::default(),
    };
    let ask = otp::Request {
        phone: &body.phone,
        subject: &body.subject,
        config,
        now,
    };
    let decision = otp::verify(&record, &ask, &body.code);
    if record.pruned(now) != decision.record {
        let next = serde_json::to_vec(&decision.record).expect("encode the record");
        black_box((&key, next));
    }
    serde_json::to_vec(&decision.answer).expect("encode the answer")
}

fn bench(c: &mut Criterion) {
    let org = OrgId::parse("x-org-id", "org-1").unwrap();
    let config = LappConfig::default();
    let sent_at = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
    let now = sent_at + chrono::Duration::seconds(30);
    // A record with a live challenge for the body's subject (a code other than 000000).
    let phone = Phone::parse("phone", "+919800000001").unwrap();
    let subject = Subject::new("L-1", 221, "U-1").unwrap();
    let mut bytes = [0u8; OTP_RANDOM_BYTES];
    bytes[16..20].copy_from_slice(&123_456u32.to_be_bytes());
    let ask = otp::Request {
        phone: &phone,
        subject: &subject,
        config: &config,
        now: sent_at,
    };
    let sent = otp::send(&PhoneRecord::default(), &ask, &Entropy(bytes)).unwrap();
    assert_eq!(sent.code.as_ref().map(Code::as_str), Some("123456"));
    let stored = serde_json::to_vec(&sent.record).unwrap();

    let answer: Value =
        serde_json::from_slice(&verify_once(&org, &config, Some(&stored), now)).unwrap();
    assert_eq!(answer["outcome"], "wrong_code");
    let answer: Value = serde_json::from_slice(&verify_once(&org, &config, None, now)).unwrap();
    assert_eq!(answer["outcome"], "unknown_challenge");

    let mut group = c.benchmark_group("otp_verify_native");
    group.bench_function("unknown_challenge", |b| {
        b.iter(|| verify_once(&org, &config, black_box(None), now))
    });
    group.bench_function("wrong_code", |b| {
        b.iter(|| verify_once(&org, &config, black_box(Some(&stored)), now))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
