//! Who is calling: the org (`x-org-id`) and its key (`x-api-key`), checked
//! in constant time against a Spin variable holding a JSON object from org
//! id to key: `{"org-1": "k3y...", "org-2": "..."}` (mark it
//! `secret = true`).
//!
//! A missing or unknown org and a missing or wrong key all fail the same
//! way ([`AuthError::Unauthorized`]), in the same time.

use std::collections::BTreeMap;

use recrules_sdk::otp::OrgId;
use sha2::{Digest, Sha256};
use spin_sdk::http::Request;
use subtle::ConstantTimeEq;
use thiserror::Error;

/// The header naming the org.
pub const ORG_HEADER: &str = "x-org-id";
/// The header carrying the org's key.
pub const KEY_HEADER: &str = "x-api-key";

/// Why a request is not let in. The Lapps word each case their own way.
#[derive(Debug, Error)]
pub enum AuthError {
    /// The org or its key is missing or wrong.
    #[error("missing or wrong `{ORG_HEADER}` / `{KEY_HEADER}`")]
    Unauthorized,
    /// The keys variable is empty: no org has a key.
    #[error("Spin variable `{variable}`: no org has a key")]
    NoKeys {
        /// The variable read.
        variable: &'static str,
    },
    /// The keys variable is not a JSON object of org id to key.
    #[error("Spin variable `{variable}`: not a JSON object of org id to key ({detail})")]
    Malformed {
        /// The variable read.
        variable: &'static str,
        /// Why it does not parse.
        detail: String,
    },
}

/// The org of an authenticated request. `read` reads the Spin variable
/// `variable` holding the keys (so a Lapp words its own error when the
/// variable cannot be read); the keys are read before the headers are
/// looked at.
pub fn authenticate<E: From<AuthError>>(
    req: &Request,
    variable: &'static str,
    read: impl FnOnce(&'static str) -> Result<String, E>,
) -> Result<OrgId, E> {
    let keys = keys(variable, &read(variable)?)?;
    let header = |name| req.header(name).and_then(|v| v.as_str()).unwrap_or("");
    let org = header(ORG_HEADER);
    let given = header(KEY_HEADER);
    // Compare even when the org is unknown, so timing tells nothing.
    let expected = keys.get(org).map(String::as_str).unwrap_or("");
    let same = Sha256::digest(given.as_bytes()).ct_eq(&Sha256::digest(expected.as_bytes()));
    let known = !expected.is_empty() && !given.is_empty();
    match OrgId::parse(ORG_HEADER, org) {
        Ok(org) if known && bool::from(same) => Ok(org),
        _ => Err(AuthError::Unauthorized.into()),
    }
}

/// The keys in `text`, the value of `variable`.
fn keys(variable: &'static str, text: &str) -> Result<BTreeMap<String, String>, AuthError> {
    if text.trim().is_empty() {
        return Err(AuthError::NoKeys { variable });
    }
    serde_json::from_str(text).map_err(|e| AuthError::Malformed {
        variable,
        detail: e.to_string(),
    })
}
