//! Delivering a code by SMS through the configured gateway.

use std::time::Duration;

use base64::Engine;
use recrules_lapp_support::outbound::{post, CallError};
use recrules_sdk::otp::{OrgId, Phone};
use serde::{Deserialize, Serialize};

use crate::config::Gateway;
use crate::reply::{Failure, Store};

/// Each outbound timeout (connect, first byte, between bytes).
const TIMEOUT: Duration = Duration::from_secs(10);

/// The message the `log` gateway keeps (the last one per org and phone).
#[derive(Debug, Serialize, Deserialize)]
pub struct LoggedMessage {
    /// The phone number it went to.
    pub to: String,
    /// The SMS text.
    pub body: String,
}

/// The key of the last message the `log` gateway kept for a phone.
pub fn logged_message_key(org: &OrgId, phone: &Phone) -> String {
    format!("{}/otp/test-sms/{}", org.as_str(), phone.as_str())
}

/// Sends `text` to `phone`. A 2xx is the gateway's acceptance, whatever its
/// body; anything else is a 502 naming the cause (the status, no answer within
/// [`TIMEOUT`], an answer that is not HTTP), and the caller stores nothing.
pub fn deliver(
    gateway: &Gateway,
    store: &Store,
    org: &OrgId,
    phone: &Phone,
    text: &str,
) -> Result<(), Failure> {
    let status = match gateway {
        Gateway::Webhook { url, token } => {
            let body =
                serde_json::json!({ "to": phone.as_str(), "message": text, "org": org.as_str() });
            let headers = [
                ("content-type", "application/json".to_owned()),
                ("authorization", format!("Bearer {token}")),
            ];
            post(url, &headers, body.to_string().as_bytes(), TIMEOUT).map(|a| a.status())
        }
        Gateway::Twilio {
            base_url,
            account_sid,
            auth_token,
            from,
        } => {
            let url = format!("{base_url}/2010-04-01/Accounts/{account_sid}/Messages.json");
            let body = form_urlencoded::Serializer::new(String::new())
                .append_pair("To", phone.as_str())
                .append_pair("From", from)
                .append_pair("Body", text)
                .finish();
            let basic = base64::engine::general_purpose::STANDARD
                .encode(format!("{account_sid}:{auth_token}"));
            let headers = [
                (
                    "content-type",
                    "application/x-www-form-urlencoded".to_owned(),
                ),
                ("authorization", format!("Basic {basic}")),
            ];
            post(&url, &headers, body.as_bytes(), TIMEOUT).map(|a| a.status())
        }
        Gateway::Log => {
            let message = LoggedMessage {
                to: phone.as_str().to_owned(),
                body: text.to_owned(),
            };
            return store.set(&logged_message_key(org, phone), &message);
        }
    };
    match status {
        Ok(code) if (200..300).contains(&code) => Ok(()),
        Ok(code) => Err(Failure::Gateway(format!("it answered HTTP {code}"))),
        Err(CallError::Timeout(code)) => Err(Failure::Gateway(format!(
            "no answer within {} s ({code})",
            TIMEOUT.as_secs()
        ))),
        Err(CallError::Failed(what)) => Err(Failure::Gateway(what)),
    }
}
