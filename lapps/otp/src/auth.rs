//! Who is calling: the org (`x-org-id`) and its API key (`x-api-key`),
//! checked in constant time against the Spin variable `org_api_keys`.
//!
//! `org_api_keys` is a JSON object from org id to API key:
//! `{"org-1": "k3y...", "org-2": "..."}` (mark it `secret = true`).

use std::collections::BTreeMap;

use recrules_sdk::otp::OrgId;
use sha2::{Digest, Sha256};
use spin_sdk::http::Request;
use subtle::ConstantTimeEq;

use crate::config::variable;
use crate::reply::Failure;

/// The header naming the org.
const ORG_HEADER: &str = "x-org-id";
/// The header carrying the org's API key.
const KEY_HEADER: &str = "x-api-key";
/// The Spin variable holding the orgs' API keys.
const KEYS_VARIABLE: &str = "org_api_keys";

/// The org of an authenticated request. A missing or unknown org and a
/// missing or wrong key all answer the same 401, in the same time.
pub fn authenticate(req: &Request) -> Result<OrgId, Failure> {
    let keys = api_keys()?;
    let header = |name| req.header(name).and_then(|v| v.as_str()).unwrap_or("");
    let org = header(ORG_HEADER);
    let given = header(KEY_HEADER);
    // Compare even when the org is unknown, so timing tells nothing.
    let expected = keys.get(org).map(String::as_str).unwrap_or("");
    let same = Sha256::digest(given.as_bytes()).ct_eq(&Sha256::digest(expected.as_bytes()));
    let known = !expected.is_empty() && !given.is_empty();
    match OrgId::parse(ORG_HEADER, org) {
        Ok(org) if known && bool::from(same) => Ok(org),
        _ => Err(Failure::Unauthorized),
    }
}

/// The org API keys from `org_api_keys`.
fn api_keys() -> Result<BTreeMap<String, String>, Failure> {
    let text = variable(KEYS_VARIABLE)?;
    if text.trim().is_empty() {
        return Err(Failure::misconfigured(
            KEYS_VARIABLE,
            "no org has an API key: set it to a JSON object such as {\"org-1\": \"a-long-random-key\"}",
        ));
    }
    serde_json::from_str(&text).map_err(|e| {
        Failure::misconfigured(
            KEYS_VARIABLE,
            format!("not a JSON object of org id to API key ({e}); e.g. {{\"org-1\": \"a-long-random-key\"}}"),
        )
    })
}
