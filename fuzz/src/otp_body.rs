//! Target `otp_body`: the OTP Lapp's own body and query parsers
//! (`lapps/otp/src/request.rs`), compiled in here by path.
//!
//! The Lapp is a `cdylib` whose `request` module is private, so the fuzz
//! crate includes that file as a module of its own (see `lib.rs`): the parser
//! fuzzed is the Lapp's, byte for byte, built natively; only the error type
//! it returns is a stand-in (`crate::reply::Failure`).

use recrules_sdk::otp::{check_id, Phone};

use crate::lapp_otp_request::{otp_body as parse, query_param};
use crate::reply::Failure;

/// `otp_body`: the bytes as the body of send/resend and of verify, and as a
/// query string. An accepted body holds a phone in normal form, ids usable in
/// storage keys, a positive entry and (for verify only) a 6-digit code; a
/// refusal is a 400 naming its field.
pub fn otp_body(data: &[u8]) {
    for with_code in [false, true] {
        match parse(data, with_code) {
            Ok(body) => {
                let again =
                    Phone::parse("phone", body.phone.as_str()).expect("normal form reads back");
                assert_eq!(again, body.phone);
                assert!(body.phone.masked().starts_with('+'));
                check_id("lead", &body.subject.lead).expect("a usable lead id");
                check_id("user", &body.subject.user).expect("a usable user id");
                assert!(body.subject.entry > 0);
                match &body.code {
                    Some(code) => {
                        assert!(with_code, "a code outside verify");
                        assert_eq!(code.as_str().len(), 6);
                        assert!(code.as_str().bytes().all(|b| b.is_ascii_digit()));
                    }
                    None => assert!(!with_code, "verify without a code"),
                }
            }
            Err(Failure::BadRequest { field, message }) => {
                // Every refusal is a 400 (the stand-in has no other kind).
                // The field may be the empty key itself (`{"": 1}`).
                assert!(
                    !field.is_empty() || message.starts_with("unknown field ``"),
                    "a 400 names no field: {message}"
                );
                assert!(!message.is_empty(), "a 400 says nothing (field {field})");
            }
        }
    }
    let query = String::from_utf8_lossy(data);
    for name in ["phone", ""] {
        if let Some(v) = query_param(&query, name) {
            assert!(v.len() <= query.len() * 3, "decoding grew the value");
        }
    }
}
