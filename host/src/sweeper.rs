//! `up --sweep-every SECS`: the host runs the meetings Lapp's maintenance
//! sweep itself, on one machine, as a platform's scheduler would: every
//! period, for each org that has an admin key (`org_admin_keys`), it calls
//! `POST /maintenance/sweep` over HTTP on the address it serves, following
//! the answer's `cursor` until the walk is `done`. Each call does bounded
//! work ([`recrules_sdk::lifecycle::sweep`]); a failing call is reported and
//! the org is tried again next period.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::Value;

/// The path the sweep is served at (`spin.toml` routes `/maintenance/...` to the meetings Lapp).
pub const SWEEP_PATH: &str = "/maintenance/sweep";
/// The variable holding each org's admin key.
pub const ADMIN_KEYS_VARIABLE: &str = "org_admin_keys";
/// The most calls one org's walk makes in a period (a bound on a period's work).
const MAX_CALLS: usize = 1000;

/// The orgs and admin keys in the `org_admin_keys` value (a JSON object);
/// none when it is empty or absent.
pub fn orgs(admin_keys: Option<&str>) -> Result<Vec<(String, String)>, String> {
    let text = admin_keys.unwrap_or("").trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let keys: std::collections::BTreeMap<String, String> =
        serde_json::from_str(text).map_err(|e| {
            format!("`{ADMIN_KEYS_VARIABLE}` is not a JSON object of org id to key: {e}")
        })?;
    Ok(keys.into_iter().collect())
}

/// Sweeps every org every `every`, against the server at `addr`, forever.
pub async fn run(addr: SocketAddr, orgs: Vec<(String, String)>, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        for (org, key) in &orgs {
            match sweep_org(addr, org, key).await {
                Ok((calls, examined)) => eprintln!(
                    "recrules-host: swept org `{org}`: {examined} records in {calls} calls"
                ),
                Err(e) => eprintln!("recrules-host: sweeping org `{org}` failed: {e}"),
            }
        }
    }
}

/// Walks one org's state to the end: the calls made and the records examined.
async fn sweep_org(addr: SocketAddr, org: &str, key: &str) -> Result<(usize, u64), String> {
    let mut cursor = Value::Null;
    let mut examined = 0;
    for calls in 1..=MAX_CALLS {
        let body = serde_json::json!({ "cursor": cursor }).to_string();
        let answer = post(addr, org, key, body).await?;
        examined += answer["examined"].as_u64().unwrap_or(0);
        if answer["done"] != Value::Bool(false) {
            return Ok((calls, examined));
        }
        cursor = answer["cursor"].clone();
    }
    Ok((MAX_CALLS, examined))
}

/// One `POST /maintenance/sweep`: its JSON answer, or why it failed.
async fn post(addr: SocketAddr, org: &str, key: &str, body: String) -> Result<Value, String> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(wasmtime_wasi_http::io::TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    let request = http::Request::post(SWEEP_PATH)
        .header(http::header::HOST, addr.to_string())
        .header(http::header::CONTENT_TYPE, "application/json")
        .header("x-org-id", org)
        .header("x-api-key", key)
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    if !status.is_success() {
        return Err(format!("{status}: {}", String::from_utf8_lossy(&bytes)));
    }
    serde_json::from_slice(&bytes).map_err(|e| format!("the answer is not JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::orgs;

    #[test]
    fn the_orgs_come_from_the_admin_keys_variable() {
        assert_eq!(orgs(None).unwrap(), vec![]);
        assert_eq!(orgs(Some("  ")).unwrap(), vec![]);
        assert_eq!(
            orgs(Some(r#"{"org-2": "b", "org-1": "a"}"#)).unwrap(),
            vec![
                ("org-1".to_owned(), "a".to_owned()),
                ("org-2".to_owned(), "b".to_owned())
            ]
        );
        let e = orgs(Some("[1]")).unwrap_err();
        assert!(e.contains("org_admin_keys"), "{e}");
    }
}
