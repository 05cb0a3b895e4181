//! Tenant validation Lapps: each Lapp of the entry's `LappValidations` is
//! POSTed a [`HookContext`] at `{tenant_lapp_base_url}/{LappId}/validate`
//! ([`validate_url`]) with `x-lapp-env: Live|Test` ([`ENV_HEADER`]), signed
//! for that Lapp and environment with the shared secret (the Spin variable
//! `tenant_lapp_secret`) on this Lapp's clock: `x-lapp-timestamp` and
//! `x-lapp-signature` ([`TIMESTAMP_HEADER`], [`SIGNATURE_HEADER`],
//! [`sign`]), in order, and must answer a [`HookOutcome`] in time. A Lapp
//! listed twice alike (same `LappId` and `LappEnv`) is asked once: the same
//! question has the same answer, and a second identical signed call in the
//! same second would be refused as a replay; listed once per environment,
//! it is asked once in each (the two calls are signed apart). What it
//! answers, or why it could not, is joined to the decision by
//! [`recrules_sdk::hook::with_lapp_outcomes`], which fails closed.

use std::time::Duration;

use recrules_lapp_support::outbound::{post, CallError};
use recrules_sdk::hook::{
    sign, validate_url, HookContext, HookOutcome, LappCallError, ENV_HEADER, SECRET_VARIABLE,
    SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
use recrules_sdk::plan::is_valid_id;
use recrules_sdk::settings::LappRef;

use crate::config::TenantLapps;

/// The most bytes of an answer read (a tenant Lapp answers a small JSON).
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Asks every Lapp of `lapps`; answers each with its outcome or its failure.
pub fn ask_all(
    config: &TenantLapps,
    lapps: &[LappRef],
    context: &HookContext,
) -> Vec<(LappRef, Result<HookOutcome, LappCallError>)> {
    let body = serde_json::to_vec(context).unwrap_or_default();
    let mut answers: Vec<(LappRef, Result<HookOutcome, LappCallError>)> = Vec::new();
    for lapp in lapps {
        let answer = match answers.iter().find(|(asked, _)| asked == lapp) {
            Some((_, answer)) => answer.clone(),
            None => ask(config, lapp, &body),
        };
        answers.push((lapp.clone(), answer));
    }
    answers
}

/// Asks one Lapp.
fn ask(config: &TenantLapps, lapp: &LappRef, body: &[u8]) -> Result<HookOutcome, LappCallError> {
    if config.base_url.is_empty() {
        return Err(LappCallError::Unavailable {
            detail: "the Spin variable `tenant_lapp_base_url` is not set".to_owned(),
        });
    }
    if config.secret.is_empty() {
        return Err(LappCallError::Unavailable {
            detail: format!("the Spin variable `{SECRET_VARIABLE}` is not set"),
        });
    }
    if !is_valid_id(&lapp.lapp_id) {
        return Err(LappCallError::Unavailable {
            detail: "its `LappId` is not 1 to 128 letters, digits, `-`, `_` or `.`".to_owned(),
        });
    }
    let url = validate_url(&config.base_url, &lapp.lapp_id);
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|since| i64::try_from(since.as_secs()).ok())
        .ok_or_else(|| LappCallError::Unavailable {
            detail: "this server's clock is before 1970: the call cannot be signed".to_owned(),
        })?;
    let headers = [
        ("content-type", "application/json".to_owned()),
        (ENV_HEADER, lapp.lapp_env.name().to_owned()),
        (TIMESTAMP_HEADER, timestamp.to_string()),
        (
            SIGNATURE_HEADER,
            sign(
                &config.secret,
                &lapp.lapp_id,
                lapp.lapp_env,
                timestamp,
                body,
            ),
        ),
    ];
    let timeout = Duration::from_millis(config.timeout_ms);
    let call_error = |e| match e {
        CallError::Timeout(_) => LappCallError::Timeout {
            timeout_ms: config.timeout_ms,
        },
        CallError::Failed(detail) => LappCallError::Unavailable { detail },
    };
    let answer = post(&url, &headers, body, timeout).map_err(call_error)?;
    let status = answer.status();
    let answer = answer.body(MAX_ANSWER_BYTES).map_err(call_error)?;
    if status == 401 {
        let code = serde_json::from_slice::<serde_json::Value>(&answer)
            .ok()
            .and_then(|refused| refused["error"].as_str().map(str::to_owned))
            .unwrap_or_default();
        return Err(LappCallError::Unavailable {
            detail: format!(
                "it answered HTTP 401 `{code}`: it refused this server's signature (another `{SECRET_VARIABLE}`, or clocks apart)"
            ),
        });
    }
    if !(200..300).contains(&status) {
        return Err(LappCallError::Unavailable {
            detail: format!("it answered HTTP {status}"),
        });
    }
    serde_json::from_slice(&answer).map_err(|e| LappCallError::BadAnswer {
        detail: e.to_string(),
    })
}
