//! One CRM call: authenticated, timed, and retried after 429.

use crate::backoff::{after_429, retry_after_seconds, Next};
use crate::config::CrmConfig;
use crate::error::{CrmError, Operation};
use crate::transport::{exchange, sleep, TransportError};
use crate::wire::{Call, ACCESS_KEY_HEADER, SECRET_KEY_HEADER};

/// The HTTP status of "too many requests".
const TOO_MANY_REQUESTS: u16 = 429;

/// Sends `call` for `operation` and answers the first status and body that
/// is not a 429; 429s are retried as [`crate::backoff`] says.
pub async fn send(
    config: &CrmConfig,
    operation: &Operation,
    call: &Call,
) -> Result<(u16, Vec<u8>), CrmError> {
    let endpoint = config.endpoint(operation)?;
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
        match after_429(retries, config.max_retries, retry_after) {
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
                "the host may not send to `{}`: add its origin to the component's `allowed_outbound_hosts`",
                config.base_url.trim()
            ),
        },
        TransportError::Failed(detail) => CrmError::Unreachable { operation, detail },
    }
}
