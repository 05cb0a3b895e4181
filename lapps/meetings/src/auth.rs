//! Who is calling: the org (`x-org-id`) and its key (`x-api-key`), checked
//! in constant time against a Spin variable holding a JSON object from org
//! id to key: `org_api_keys` (the same as the OTP Lapp's) for every route,
//! `org_admin_keys` for `PUT /settings`.

use std::collections::BTreeMap;

use recrules_sdk::otp::OrgId;
use sha2::{Digest, Sha256};
use spin_sdk::http::Request;
use subtle::ConstantTimeEq;

use crate::config::variable;
use crate::reply::Failure;

/// The header naming the org.
const ORG_HEADER: &str = "x-org-id";
/// The header carrying the org's key.
const KEY_HEADER: &str = "x-api-key";

/// Which key a route needs.
#[derive(Debug, Clone, Copy)]
pub enum Role {
    /// The org's API key (`org_api_keys`).
    User,
    /// The org's admin key (`org_admin_keys`).
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

/// The org of an authenticated request. A missing or unknown org and a
/// missing or wrong key all answer the same 401, in the same time.
pub fn authenticate(req: &Request, role: Role) -> Result<OrgId, Failure> {
    let keys = keys(role.variable())?;
    let header = |name| req.header(name).and_then(|v| v.as_str()).unwrap_or("");
    let org = header(ORG_HEADER);
    let given = header(KEY_HEADER);
    // Compare even when the org is unknown, so timing tells nothing.
    let expected = keys.get(org).map(String::as_str).unwrap_or("");
    let same = Sha256::digest(given.as_bytes()).ct_eq(&Sha256::digest(expected.as_bytes()));
    let known = !expected.is_empty() && !given.is_empty();
    match OrgId::parse(ORG_HEADER, org) {
        Ok(org) if known && bool::from(same) => Ok(org),
        _ => Err(Failure::unauthorized(KEY_HEADER)),
    }
}

/// The keys held by `name`.
fn keys(name: &'static str) -> Result<BTreeMap<String, String>, Failure> {
    let text = variable(name)?;
    if text.trim().is_empty() {
        return Err(Failure::misconfigured(
            name,
            "no org has a key: set it to a JSON object such as {\"org-1\": \"a-long-random-key\"}",
        ));
    }
    serde_json::from_str(&text).map_err(|e| {
        Failure::misconfigured(
            name,
            format!("not a JSON object of org id to key ({e}); e.g. {{\"org-1\": \"a-long-random-key\"}}"),
        )
    })
}
