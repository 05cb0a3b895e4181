//! # recrules-meetings: the meetings Lapp
//!
//! A Spin HTTP component for Activity Audio Recording on the server: the
//! org's settings, the validation hook, the Start and End activities and the
//! recordings' bytes, on the rules of [`recrules_sdk`]. It only adapts: it
//! parses, loads state, calls the rules, stores and answers.
//!
//! ## Routes
//! Every request carries `x-org-id` and `x-api-key` (the org's API key from
//! `org_api_keys`; for `PUT /settings` its admin key from `org_admin_keys`).
//!
//! | route | answers |
//! |---|---|
//! | `PUT /settings` | 200 stored; 422 `invalid_settings` with `diagnostics` |
//! | `GET /settings` | 200 the settings as stored; 404 none |
//! | `POST /validate` | 200 the decision `{allowed, failures, passed, ...}` |
//! | `POST /meetings/start` | 201 the Start (Dual mode); 409, 422 refusals |
//! | `POST /meetings/end` | 201 the End (with crm: each recording `attached` or `pending`); 409 `missing_start`; 422 refusals |
//! | `POST /meetings/attachments` | crm: 200 attaches pending recordings (the drain) `{pending, unknown, ends}` |
//! | `PUT /recordings/{id}` | 201 stored; 200 already stored; 409, 413, 422 |
//! | `GET /recordings/{id}` | 200 or 206 (`Range`); 416; 404; 410 removed (retention, erasure) |
//! | `POST /leads` | 201 (kv store only) |
//! | `GET /leads/{id}/activities` | 200 the lead's activities (each recording's removal, if its bytes went) |
//! | `POST /leads/{id}/erasure` | admin: 200 erases the lead's recordings `{erasure, crm_copies}`; 404 |
//! | `POST /maintenance/sweep` | admin: 200 one bounded step of the sweep `{..., cursor, remaining, done}` |
//!
//! `POST /meetings/start` and `/meetings/end` need an `Idempotency-Key`
//! ([`once`]). Errors answer `{error, field, message, ...}`: 400 (bad
//! request, `field` names it), 401, 404, 405 (with `allow`), 409, 413, 416, 422, and 503
//! for the server's own faults (a Spin variable, the store). See
//! `openapi/meetings.yaml` for the whole contract.
//!
//! ## State
//! Key-value store "default", shared with the OTP Lapp (whose approvals
//! the hook reads and meetings use up); the keys are in [`keys`].

mod approval;
mod attachments;
mod backend;
mod config;
mod erasure;
mod holds;
mod hook;
mod keys;
mod leads;
mod meetings;
mod once;
mod recordings;
mod recover;
mod refusal;
mod removal;
mod reply;
mod request;
mod settings;
mod sweep;
mod tenant;

use recrules_lapp_support::auth;
use recrules_sdk::otp::OrgId;
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

use crate::config::variable;
use crate::reply::Failure;

/// Which key a route needs.
#[derive(Debug, Clone, Copy)]
enum Role {
    /// The org's API key (`org_api_keys`, the same as the OTP Lapp's).
    User,
    /// The org's admin key (`org_admin_keys`), for `PUT /settings`, erasures and the sweep.
    Admin,
}

impl Role {
    /// The variable holding the keys of this role.
    fn variable(self) -> &'static str {
        match self {
            Role::User => "org_api_keys",
            Role::Admin => "org_admin_keys",
        }
    }
}

/// The org of an authenticated request: `x-org-id` and its key
/// `x-api-key`, checked in constant time against the JSON object from org
/// id to key that the role's variable holds. A missing or unknown org and a
/// missing or wrong key all answer the same 401, in the same time.
fn authenticate(req: &Request, role: Role) -> Result<OrgId, Failure> {
    auth::authenticate(req, role.variable(), variable)
}

/// The component's entry point.
#[http_component]
async fn handle(req: Request) -> Response {
    route(&req)
        .await
        .unwrap_or_else(|failure| failure.response())
}

/// Answers one request.
async fn route(req: &Request) -> Result<Response, Failure> {
    let path = req.path().trim_end_matches('/');
    let parts: Vec<&str> = path.split('/').skip(1).collect();
    let method = req.method();
    let user = || authenticate(req, Role::User);
    match (parts.as_slice(), method) {
        (["settings"], Method::Put) => settings::put(req.body(), &authenticate(req, Role::Admin)?),
        (["settings"], Method::Get) => settings::get(&user()?),
        (["validate"], Method::Post) => hook::validate(req.body(), &user()?).await,
        (["meetings", "start"], Method::Post) => meetings::start(req, &user()?).await,
        (["meetings", "end"], Method::Post) => meetings::end(req, &user()?).await,
        (["meetings", "attachments"], Method::Post) => attachments::post(req, &user()?).await,
        (["recordings", id], Method::Put) => recordings::put(req, &user()?, id),
        (["recordings", id], Method::Get) => recordings::get(req, &user()?, id),
        (["leads"], Method::Post) => leads::create(req.body(), &user()?),
        (["leads", id, "activities"], Method::Get) => leads::activities(&user()?, id).await,
        (["leads", id, "erasure"], Method::Post) => {
            erasure::post(req, &authenticate(req, Role::Admin)?, id).await
        }
        (["maintenance", "sweep"], Method::Post) => {
            sweep::post(req, &authenticate(req, Role::Admin)?).await
        }
        (["settings"] | ["recordings", _], _) => Err(Failure::method_not_allowed(&["GET", "PUT"])),
        (["leads", _, "activities"], _) => Err(Failure::method_not_allowed(&["GET"])),
        (
            ["validate"]
            | ["meetings", "start" | "end" | "attachments"]
            | ["leads"]
            | ["leads", _, "erasure"]
            | ["maintenance", "sweep"],
            _,
        ) => Err(Failure::method_not_allowed(&["POST"])),
        _ => Err(Failure::not_found(
            "path",
            format!("no route `{path}`; see openapi/meetings.yaml"),
        )),
    }
}
