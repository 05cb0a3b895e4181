//! # recrules-tenant-kit: tenant validation Lapps in one function
//!
//! Before a recording may begin, the server's validation hook asks each Lapp
//! listed in the entry's `LappValidations` whether it may, by POSTing a
//! [`HookContext`] (the lead with its fields, its history, the activity, the
//! user, where they are, the time) to `{tenant_lapp_base_url}/{LappId}/validate`,
//! and reads back a [`HookOutcome`] (`{"allowed": bool, "message"?: text}`).
//! A Lapp that fails, answers late or answers nonsense refuses the recording.
//!
//! With this kit a tenant writes the decision only:
//!
//! ```ignore
//! use recrules_sdk::hook::{HookContext, HookOutcome};
//!
//! fn validate(ctx: &HookContext) -> HookOutcome {
//!     HookOutcome { allowed: true, message: None }
//! }
//!
//! recrules_tenant_kit::tenant_lapp!(validate);
//! ```
//!
//! and [`tenant_lapp!`] makes it a Spin HTTP component that answers:
//!
//! - a call not signed by the meetings Lapp: 401 `{"error", "field",
//!   "message"}`. The meetings Lapp signs every call with the secret it
//!   shares with the tenant Lapps, for the Lapp and environment it calls:
//!   `x-lapp-env` (`Live` or `Test`), `x-lapp-timestamp` (its clock, unix
//!   seconds) and `x-lapp-signature: v2=<hex HMAC-SHA256(secret,
//!   "{timestamp}\n{LappId}\n{env}\n{body}")>` ([`ENV_HEADER`],
//!   [`TIMESTAMP_HEADER`], [`SIGNATURE_HEADER`], [`recrules_sdk::hook::sign`]).
//!   The component learns its own `LappId` from the request's path (the
//!   segment before `/validate`, whatever prefix comes before it) and reads
//!   its own copy of the secret from the Spin variable `tenant_lapp_secret`
//!   ([`SECRET_VARIABLE`], declare it with `secret = true`), and answers
//!   `missing_signature`, `bad_signature` (another body, timestamp, secret,
//!   Lapp or environment; compared in constant time), `stale_timestamp`
//!   (more than [`MAX_CLOCK_SKEW_S`] from its clock) or `replayed` (a signed
//!   request it answered before: it keeps the signatures it accepted within
//!   the skew in the state store (Spin's SQLite database `default`), which the component must be
//!   given), each naming the header at fault. Without the variable the
//!   component answers every call 503 `misconfigured`: no tenant Lapp made
//!   with the kit answers strangers; on a path not ending with a `LappId`
//!   and `/validate` it answers 404 `not_found`;
//! - `POST` with a `HookContext` JSON body: 200 with the `HookOutcome` JSON;
//! - a body that is not a `HookContext`: 400 `{"error": "bad_request",
//!   "field": "lead.fields", "message": "..."}`, naming the field;
//! - any other method: 405 `{"error": "method_not_allowed", ...}` with
//!   `allow: POST`.
//!
//! The crate must also depend on `spin-sdk` (`=5.2.0`): the component macro
//! refers to it by name. `validate` must not panic: a panic aborts the
//! component and the hook then refuses the recording.

mod adapt;
mod replay;

pub use adapt::{check_signature, handle, method_not_allowed, refusal, unavailable, Validate};
#[doc(no_inline)]
pub use recrules_sdk::hook::{
    HookContext, HookOutcome, ENV_HEADER, MAX_CLOCK_SKEW_S, SECRET_VARIABLE, SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
};

use spin_sdk::http::{Method, Request, Response};

/// Answers one request of the hook with `validate`: the component's whole
/// behaviour, which [`tenant_lapp!`] exports. The signature is checked
/// first ([`check_signature`], on the component's clock), then that it is
/// not a replay, then the method.
pub fn serve(req: &Request, validate: Validate) -> Response {
    let (status, body) = answer(req, validate).unwrap_or_else(|refused| refused);
    let mut response = Response::builder();
    response
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store");
    if status == 405 {
        response.header("allow", "POST");
    }
    response.body(body).build()
}

/// The status and body answering `req`, or refusing it.
fn answer(req: &Request, validate: Validate) -> Result<(u16, Vec<u8>), (u16, Vec<u8>)> {
    let header = |name: &str| req.header(name).and_then(|v| v.as_str());
    let secret = spin_sdk::variables::get(SECRET_VARIABLE).ok();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|since| i64::try_from(since.as_secs()).ok())
        .ok_or_else(|| unavailable("this Lapp's clock is before 1970".to_owned()))?;
    let signed = check_signature(
        secret.as_deref(),
        req.path(),
        header(ENV_HEADER),
        header(TIMESTAMP_HEADER),
        header(SIGNATURE_HEADER),
        req.body(),
        now,
    )?;
    // Spin names the matched route; the path when a host does not.
    let route = header("spin-component-route").unwrap_or_else(|| req.path());
    replay::admit(route, signed, now)
        .map_err(|e| {
            unavailable(format!(
                "the replay store failed ({e}); the component needs `sqlite_databases = [\"default\"]` (or `state_store = \"postgres\"` with `postgres_url`)"
            ))
        })?
        .map_err(|replayed| refusal(&replayed))?;
    Ok(if *req.method() == Method::Post {
        handle(req.body(), validate)
    } else {
        method_not_allowed()
    })
}

/// Makes `validate` (a `fn(&HookContext) -> HookOutcome`) the crate's Spin
/// HTTP component, speaking the validation hook's protocol (see the crate
/// docs). Use it once, in a `cdylib` crate that depends on `spin-sdk`.
#[macro_export]
macro_rules! tenant_lapp {
    ($validate:path) => {
        /// The component's entry point: the validation hook's protocol around
        #[doc = concat!("`", stringify!($validate), "`.")]
        #[::spin_sdk::http_component]
        fn recrules_tenant_lapp_entry(
            req: ::spin_sdk::http::Request,
        ) -> ::spin_sdk::http::Response {
            $crate::serve(&req, $validate)
        }
    };
}
