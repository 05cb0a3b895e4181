//! # recrules-wasm: the rules of Activity Audio Recording for JavaScript
//!
//! Thin `wasm-bindgen` bindings of [`recrules_sdk`] for the npm package
//! `@recrules/rules` (phones through React Native, the web, Node). They hold
//! no rule: each function reads its arguments into the sdk's serde types,
//! calls the sdk and gives back the sdk's JSON answer as a JS value, except
//! `Rules.precheck`/`Rules.precheckFor`/`Rules.precheckInto`, whose
//! `PrecheckDecision` keeps the sdk's `Decision` in wasm memory and gives its
//! fields, or its JSON through `toJSON()`, on demand (issue 6: the JSON
//! boundary cost more than the rules). The
//! TypeScript types of every input and output are derived from the sdk's Rust
//! types (tsify, the sdk's `wasm` feature).
//!
//! `runVector`, the conformance vector runner, is only in the test build
//! (feature `vectors`): the shipped `.wasm` leaves it out.
//!
//! A malformed argument throws a JS `Error` naming the function, the argument
//! and what is wrong with it (for a list, which item).

// One thread only: wasm32 without shared memory (the allocator is not thread-safe).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
mod alloc;
mod convert;
mod otp;
mod rules;
mod session;
#[cfg(feature = "vectors")]
mod vector;

pub use otp::otp_resend_countdown;
pub use rules::{check_settings, plan_end, precheck, LeadHistory, PrecheckDecision, Rules};
pub use session::RecordingSession;
#[cfg(feature = "vectors")]
pub use vector::run_vector;

use wasm_bindgen::prelude::*;

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: alloc::Recycling = alloc::Recycling::new();

/// The TypeScript types the Rust types refer to without deriving them.
#[wasm_bindgen(typescript_custom_section)]
const TS_SHARED_TYPES: &str = r#"
/** A moment in UTC, as an RFC 3339 string (`2026-11-20T10:00:00Z`). Arguments also take a `Date`. */
export type Instant = string;
/** A precheck's outcome as a plain object (`Rules.decide`): nothing to free. */
export interface Verdict {
    /** True when no validation failed. */
    allowed: boolean;
    /** The rules that failed, by their settings names, in the order of rule 13. */
    failedRules: Rule[];
    /** What the user is shown for each failure, in the same order. */
    failureMessages: string[];
    /** The account's message shown before the recording begins. */
    message?: string;
    /** The lead's phone fields an OTP may be sent to (only with `OTPValidation`). */
    otpPhones?: string[];
}
/**
 * A lead's activities as columns, in one order: the fast form of `Activity[]`
 * (no JSON, no date text), as `LeadHistory.fromColumns` takes them.
 */
export interface ActivityColumns {
    /** Each activity's code. */
    eventCodes: Uint32Array | number[];
    /** Each activity's creation, in milliseconds since 1970 (`Date.parse(created_on)`). */
    createdOn: Float64Array | number[];
    /** Each activity's id (only `planEnd` reads them). */
    ids?: string[] | null;
    /** Each activity's user, or null (only `planEnd` reads them). */
    users?: (string | null)[] | null;
}
/** Any JSON value. */
export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };
"#;
