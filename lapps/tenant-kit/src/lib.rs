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
//! - a call without the shared secret: 401 `{"error": "unauthorized",
//!   "field": "x-lapp-secret", ...}`. The meetings Lapp sends the secret in
//!   the header `x-lapp-secret` ([`SECRET_HEADER`]); the component reads its
//!   own copy from the Spin variable `tenant_lapp_secret` ([`SECRET_VARIABLE`],
//!   declare it with `secret = true`) and compares the two in constant time.
//!   Without that variable the component answers every call 503
//!   `misconfigured`: no tenant Lapp made with the kit answers strangers;
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

pub use adapt::{check_secret, handle, method_not_allowed, Validate};
#[doc(no_inline)]
pub use recrules_sdk::hook::{HookContext, HookOutcome, SECRET_HEADER, SECRET_VARIABLE};

use spin_sdk::http::{Method, Request, Response};

/// Answers one request of the hook with `validate`: the component's whole
/// behaviour, which [`tenant_lapp!`] exports. The shared secret is checked
/// first ([`check_secret`]), then the method.
pub fn serve(req: &Request, validate: Validate) -> Response {
    let given = req.header(SECRET_HEADER).and_then(|v| v.as_str());
    let secret = spin_sdk::variables::get(SECRET_VARIABLE).ok();
    let (status, body) = match check_secret(given, secret.as_deref()) {
        Some(refused) => refused,
        None if *req.method() == Method::Post => handle(req.body(), validate),
        None => method_not_allowed(),
    };
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
