//! The Lapp's configuration, from Spin variables. An empty value means
//! "unset": the system default applies. A malformed value answers 503 naming
//! the variable (the server is misconfigured; the client did nothing wrong).
//!
//! | variable | meaning |
//! |---|---|
//! | `remaining_retry_count` | Lapp `RemainingRetryCount` (resends after the first send) |
//! | `retry_time_interval` | Lapp `RetryTimeInterval` (seconds after a send before the next) |
//! | `display_message` | Lapp `DisplayMessage` |
//! | `lapp_env` | `Live` (default) or `Test` |
//! | `sms_gateway` | `webhook`, `twilio` or `log` (`log` only with `lapp_env` = `Test`) |
//! | `sms_template` | the SMS text, with `{code}` and `{minutes}` |
//! | `sms_webhook_url`, `sms_webhook_token` | for `webhook` |
//! | `twilio_base_url`, `twilio_account_sid`, `twilio_auth_token`, `twilio_from` | for `twilio` |
//! | `org_api_keys` | see [`crate::auth`] |

use recrules_sdk::otp::limits::CODE_TTL_S;
use recrules_sdk::otp::LappConfig;

use crate::reply::Failure;

/// The SMS text when `sms_template` is unset.
const DEFAULT_TEMPLATE: &str = "Your verification code is {code}. It expires in {minutes} minutes.";
/// The placeholder of the code in `sms_template`.
const CODE_PLACEHOLDER: &str = "{code}";
/// The placeholder of the validity in minutes in `sms_template`.
const MINUTES_PLACEHOLDER: &str = "{minutes}";
/// The Twilio API origin when `twilio_base_url` is unset.
const DEFAULT_TWILIO_BASE: &str = "https://api.twilio.com";

/// A Spin variable's value.
pub fn variable(name: &'static str) -> Result<String, Failure> {
    spin_sdk::variables::get(name).map_err(|e| {
        Failure::misconfigured(
            name,
            format!(
                "cannot be read ({e}); declare it in the component's [component.otp.variables]"
            ),
        )
    })
}

/// Where the Lapp runs: `lapp_env`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LappEnv {
    /// Production.
    Live,
    /// Testing: the `log` gateway and the last-message endpoint are allowed.
    Test,
}

/// The SMS gateway: `sms_gateway`.
#[derive(Debug, Clone)]
pub enum Gateway {
    /// A JSON POST `{"to", "message", "org"}` to `url` with a bearer token.
    Webhook {
        /// `sms_webhook_url`.
        url: String,
        /// `sms_webhook_token`.
        token: String,
    },
    /// A Twilio Messages-compatible form POST.
    Twilio {
        /// `twilio_base_url` (default `https://api.twilio.com`).
        base_url: String,
        /// `twilio_account_sid`.
        account_sid: String,
        /// `twilio_auth_token`.
        auth_token: String,
        /// `twilio_from`: the sender number.
        from: String,
    },
    /// Test only: the message is kept in the state store.
    Log,
}

/// The Lapp configuration of `SendOTPViaLapp`.
pub fn lapp_config() -> Result<LappConfig, Failure> {
    let message = variable("display_message")?;
    Ok(LappConfig {
        remaining_retry_count: count("remaining_retry_count")?,
        retry_time_interval: count("retry_time_interval")?,
        display_message: (!message.trim().is_empty()).then_some(message),
    })
}

/// `lapp_env`: `Live` (also when unset) or `Test`.
pub fn lapp_env() -> Result<LappEnv, Failure> {
    match variable("lapp_env")?.trim() {
        "" | "Live" => Ok(LappEnv::Live),
        "Test" => Ok(LappEnv::Test),
        other => Err(Failure::misconfigured(
            "lapp_env",
            format!("`{other}` is neither `Live` nor `Test`"),
        )),
    }
}

/// The gateway chosen by `sms_gateway`, with its variables.
pub fn gateway(env: LappEnv) -> Result<Gateway, Failure> {
    match variable("sms_gateway")?.trim() {
        "webhook" => Ok(Gateway::Webhook {
            url: required("sms_webhook_url")?,
            token: required("sms_webhook_token")?,
        }),
        "twilio" => {
            let base = variable("twilio_base_url")?;
            let base = if base.trim().is_empty() {
                DEFAULT_TWILIO_BASE.to_owned()
            } else {
                base
            };
            Ok(Gateway::Twilio {
                base_url: base.trim().trim_end_matches('/').to_owned(),
                account_sid: required("twilio_account_sid")?,
                auth_token: required("twilio_auth_token")?,
                from: required("twilio_from")?,
            })
        }
        "log" if env == LappEnv::Test => Ok(Gateway::Log),
        "log" => Err(Failure::misconfigured(
            "sms_gateway",
            "`log` delivers no SMS and is allowed only when `lapp_env` is `Test`",
        )),
        other => Err(Failure::misconfigured(
            "sms_gateway",
            format!("`{other}` is not a gateway; use `webhook`, `twilio` or `log` (Test only)"),
        )),
    }
}

/// The SMS text for `code`, from `sms_template`.
pub fn sms_text(code: &str) -> Result<String, Failure> {
    let template = variable("sms_template")?;
    let template = if template.trim().is_empty() {
        DEFAULT_TEMPLATE.to_owned()
    } else {
        template
    };
    if !template.contains(CODE_PLACEHOLDER) {
        return Err(Failure::misconfigured(
            "sms_template",
            format!("the template must contain `{CODE_PLACEHOLDER}` (and may contain `{MINUTES_PLACEHOLDER}`)"),
        ));
    }
    Ok(template
        .replace(MINUTES_PLACEHOLDER, &(CODE_TTL_S / 60).to_string())
        .replace(CODE_PLACEHOLDER, code))
}

/// A non-negative count variable; empty means unset.
fn count(name: &'static str) -> Result<Option<u32>, Failure> {
    let text = variable(name)?;
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| {
        Failure::misconfigured(name, format!("`{text}` is not a whole number of 0 or more; leave it empty for the system default"))
    })
}

/// A variable that must not be empty.
fn required(name: &'static str) -> Result<String, Failure> {
    let value = variable(name)?;
    if value.trim().is_empty() {
        Err(Failure::misconfigured(
            name,
            "is required by the chosen `sms_gateway`",
        ))
    } else {
        Ok(value.trim().to_owned())
    }
}
