//! One CRM call: authenticated, timed, and retried after 429.

use crate::backoff::{after_429, retry_after_seconds, Next};
use crate::config::CrmConfig;
use crate::error::{CrmError, Operation};
use crate::transport::{exchange, sleep, TransportError};
use crate::wire::{Call, ACCESS_KEY_HEADER, SECRET_KEY_HEADER};

/// The HTTP status of "too many requests".
const TOO_MANY_REQUESTS: u16 = 429;

/// Which of the CRM's hosts a call goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// The API host (`crm_base_url`).
    Api,
    /// The files host (`crm_files_url`).
    Files,
}

/// Whether a 429 is retried here or answered to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On429 {
    /// Retried as [`crate::backoff`] says.
    Retry,
    /// Answered at once as [`CrmError::RateLimited`] (one attempt), for a
    /// caller that keeps state around each attempt.
    Answer,
}

/// Sends `call` for `operation` to the API host and answers the first
/// status and body that is not a 429; 429s are retried as
/// [`crate::backoff`] says.
pub async fn send(
    config: &CrmConfig,
    operation: &Operation,
    call: &Call,
) -> Result<(u16, Vec<u8>), CrmError> {
    send_to(config, Host::Api, On429::Retry, operation, call).await
}

/// Sends `call` for `operation` to `host`; a 429 is handled as `on_429` says.
pub async fn send_to(
    config: &CrmConfig,
    host: Host,
    on_429: On429,
    operation: &Operation,
    call: &Call,
) -> Result<(u16, Vec<u8>), CrmError> {
    let endpoint = match host {
        Host::Api => config.endpoint(operation)?,
        Host::Files => config.files_endpoint(operation)?,
    };
    let headers = [
        (ACCESS_KEY_HEADER, config.access_key.trim()),
        (SECRET_KEY_HEADER, config.secret_key.trim()),
        ("accept", "application/json"),
    ];
    let mut retries = 0;
    loop {
        let reply = exchange(&endpoint, call, &headers, config.timeout_ms)
            .await
            .map_err(|e| from_transport(config, operation, e))?;
        if reply.status != TOO_MANY_REQUESTS {
            return Ok((reply.status, reply.body));
        }
        let retry_after = reply.retry_after.as_deref();
        let next = match on_429 {
            On429::Retry => after_429(retries, config.max_retries, retry_after),
            On429::Answer => Next::GiveUp,
        };
        match next {
            Next::Retry { after_ms } => {
                sleep(after_ms).await;
                retries += 1;
            }
            Next::GiveUp => {
                return Err(CrmError::RateLimited {
                    operation: operation.clone(),
                    attempts: retries + 1,
                    retry_after_s: retry_after.and_then(retry_after_seconds),
                })
            }
        }
    }
}

/// A transport failure as a [`CrmError`].
fn from_transport(config: &CrmConfig, operation: &Operation, error: TransportError) -> CrmError {
    let operation = operation.clone();
    match error {
        TransportError::Timeout => CrmError::Timeout {
            operation,
            timeout_ms: config.timeout_ms,
        },
        TransportError::Denied => CrmError::Misconfigured {
            operation,
            message: format!(
                "the host may not send to `{}` or `{}`: add their origins to the component's `allowed_outbound_hosts` (`crm_origin`, `crm_files_origin`)",
                config.base_url.trim(),
                config.files_url.trim()
            ),
        },
        TransportError::Failed(detail) => CrmError::Unreachable { operation, detail },
    }
}
