//! The Lapp's configuration, from Spin variables. An empty value means
//! "unset": the default applies. A malformed value answers 503 naming the
//! variable (the server is misconfigured; the client did nothing wrong).
//!
//! | variable | meaning |
//! |---|---|
//! | `org_api_keys` | JSON object org id -> API key (secret), as the OTP Lapp's |
//! | `org_admin_keys` | JSON object org id -> admin key (secret), for `PUT /settings` |
//! | `activity_store` | `kv` (default: leads and activities in the Lapps' own state store) or `crm` |
//! | `tenant_lapp_base_url` | where tenant validation Lapps are: `{base}/{LappId}/validate` |
//! | `tenant_lapp_timeout_ms` | how long a tenant Lapp may take (default 3000) |
//! | `tenant_lapp_secret` | the secret tenant Lapp calls are signed with (`x-lapp-signature`; secret); unset: every tenant Lapp fails closed |
//! | `crm_base_url`, `crm_access_key`, `crm_secret_key`, `crm_timeout_ms`, `crm_max_retries` | for `crm` |
//! | `crm_files_url` | for `crm`: the region's files host (`https://files-in21.leadsquared.com`), where recordings are uploaded |
//! | `crm_attach_budget_ms` | for `crm`: how long after its arrival an End (or a drain) may start attaching recordings (default 20000; the host's deadline is 30 s) |

use recrules_sdk::hook::SECRET_VARIABLE;

use crate::reply::Failure;

/// The tenant Lapp timeout when `tenant_lapp_timeout_ms` is unset.
const DEFAULT_TENANT_TIMEOUT_MS: u64 = 3000;

/// A Spin variable's value.
pub fn variable(name: &'static str) -> Result<String, Failure> {
    spin_sdk::variables::get(name).map_err(|e| {
        Failure::misconfigured(
            name,
            format!(
                "cannot be read ({e}); declare it in the component's [component.meetings.variables]"
            ),
        )
    })
}

/// Where leads and activities live: `activity_store`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// The Lapps' own state store (SQLite or PostgreSQL).
    Kv,
    /// The CRM, through `recrules-crm`.
    Crm,
}

/// `activity_store`: `kv` (also when unset) or `crm`.
pub fn store_kind() -> Result<StoreKind, Failure> {
    match variable("activity_store")?.trim() {
        "" | "kv" => Ok(StoreKind::Kv),
        "crm" => Ok(StoreKind::Crm),
        other => Err(Failure::misconfigured(
            "activity_store",
            format!("`{other}` is neither `kv` nor `crm`"),
        )),
    }
}

/// Where tenant validation Lapps are called, and how long they may take.
#[derive(Debug, Clone)]
pub struct TenantLapps {
    /// `tenant_lapp_base_url` without a trailing `/`; empty when unset.
    pub base_url: String,
    /// `tenant_lapp_timeout_ms`.
    pub timeout_ms: u64,
    /// `tenant_lapp_secret` ([`SECRET_VARIABLE`]), the key of [`recrules_sdk::hook::sign`]; empty when unset.
    pub secret: String,
}

/// The tenant Lapp configuration.
pub fn tenant_lapps() -> Result<TenantLapps, Failure> {
    Ok(TenantLapps {
        base_url: variable("tenant_lapp_base_url")?
            .trim()
            .trim_end_matches('/')
            .to_owned(),
        timeout_ms: number("tenant_lapp_timeout_ms")?.unwrap_or(DEFAULT_TENANT_TIMEOUT_MS),
        secret: variable(SECRET_VARIABLE)?.trim().to_owned(),
    })
}

/// A whole-number variable; empty means unset.
pub fn number(name: &'static str) -> Result<Option<u64>, Failure> {
    let text = variable(name)?;
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| {
        Failure::misconfigured(
            name,
            format!("`{text}` is not a whole number of 0 or more; leave it empty for the default"),
        )
    })
}

/// The CRM's time per attempt when `crm_timeout_ms` is unset.
const DEFAULT_CRM_TIMEOUT_MS: u64 = 10_000;
/// The retries after 429 when `crm_max_retries` is unset.
const DEFAULT_CRM_RETRIES: u64 = 3;

/// How to reach the CRM (`activity_store` = `crm`).
pub fn crm_config() -> Result<recrules_crm::CrmConfig, Failure> {
    let retries = number("crm_max_retries")?.unwrap_or(DEFAULT_CRM_RETRIES);
    Ok(recrules_crm::CrmConfig {
        base_url: variable("crm_base_url")?.trim().to_owned(),
        access_key: variable("crm_access_key")?.trim().to_owned(),
        secret_key: variable("crm_secret_key")?.trim().to_owned(),
        timeout_ms: number("crm_timeout_ms")?.unwrap_or(DEFAULT_CRM_TIMEOUT_MS),
        max_retries: u32::try_from(retries).map_err(|_| {
            Failure::misconfigured("crm_max_retries", format!("`{retries}` is too large"))
        })?,
        files_url: variable("crm_files_url")?.trim().to_owned(),
    })
}

/// How long an End or a drain may attach recordings when `crm_attach_budget_ms` is unset.
const DEFAULT_ATTACH_BUDGET_MS: u64 = 20_000;

/// `crm_attach_budget_ms`: from a request's arrival, how long it may start
/// CRM calls that attach recordings.
pub fn attach_budget_ms() -> Result<u64, Failure> {
    Ok(number("crm_attach_budget_ms")?.unwrap_or(DEFAULT_ATTACH_BUDGET_MS))
}
