//! The routes: parse, load state, call the rules, store, answer.

use chrono::DateTime;
use recrules_lapp_support::auth;
use recrules_lapp_support::store::Change;
use recrules_sdk::otp::{
    self, approval_key, phone_record_key, Answer, Entropy, OrgId, PhoneRecord,
    Request as OtpRequest, OTP_RANDOM_BYTES,
};
use recrules_sdk::time::Instant;
use spin_sdk::http::{Method, Request, Response};

use crate::config::{gateway, lapp_config, lapp_env, sms_text, variable, LappEnv};
use crate::delivery::{deliver, logged_message_key, LoggedMessage};
use crate::reply::{json, Failure, Store};
use crate::request::{from_rules, otp_body, query_param, OtpBody};

/// Sends a code, or resends on a live challenge.
const SEND: &str = "/otp/send";
/// Resends on an existing challenge.
const RESEND: &str = "/otp/resend";
/// Verifies a code.
const VERIFY: &str = "/otp/verify";
/// Test only: the last message the `log` gateway kept for `?phone=`.
const LAST_MESSAGE: &str = "/otp/test/last-message";

/// The Spin variable holding the orgs' API keys: a JSON object from org id
/// to API key, `{"org-1": "k3y...", "org-2": "..."}` (mark it `secret = true`).
const KEYS_VARIABLE: &str = "org_api_keys";

/// The org of an authenticated request: `x-org-id` and its API key
/// `x-api-key`, checked in constant time against `org_api_keys`. A missing
/// or unknown org and a missing or wrong key all answer the same 401, in
/// the same time.
pub fn authenticate(req: &Request) -> Result<OrgId, Failure> {
    auth::authenticate(req, KEYS_VARIABLE, variable)
}

/// Answers one request.
pub fn route(req: &Request) -> Response {
    let result = match (req.path(), req.method()) {
        (SEND | RESEND | VERIFY, Method::Post) => {
            authenticate(req).and_then(|org| otp_step(req, &org))
        }
        (LAST_MESSAGE, Method::Get) => authenticate(req).and_then(|org| last_message(req, &org)),
        (SEND | RESEND | VERIFY, _) => Err(Failure::MethodNotAllowed("POST")),
        (LAST_MESSAGE, _) => Err(Failure::MethodNotAllowed("GET")),
        (other, _) => Err(Failure::NotFound(format!(
            "no route `{other}`; the routes are POST {SEND}, {RESEND}, {VERIFY}"
        ))),
    };
    result.unwrap_or_else(|failure| failure.response())
}

/// Send, resend or verify: one update of the phone's record.
fn otp_step(req: &Request, org: &OrgId) -> Result<Response, Failure> {
    let verifying = req.path() == VERIFY;
    let body = otp_body(req.body(), verifying)?;
    let config = lapp_config()?;
    let store = Store::open()?;
    let now = now()?;
    let ask = OtpRequest {
        phone: &body.phone,
        subject: &body.subject,
        config: &config,
        now,
    };
    let key = phone_record_key(org, &body.phone);
    let answer = if verifying {
        verify(&store, org, &key, &ask, &body)?
    } else {
        send(&store, org, &key, &ask, req.path() == SEND)?
    };
    Ok(json(200, &answer))
}

/// Send or resend. The code is delivered before the record is stored, so a
/// gateway failure stores nothing; after a conflicting write the rules are
/// asked again with the same random bytes, so the same code comes out and
/// is not delivered twice.
fn send(
    store: &Store,
    org: &OrgId,
    key: &str,
    ask: &OtpRequest,
    first: bool,
) -> Result<Answer, Failure> {
    let gateway = gateway(lapp_env()?)?;
    let entropy = entropy()?;
    let mut delivered: Option<String> = None;
    store.update(key, |record: PhoneRecord| {
        let decision = if first {
            otp::send(&record, ask, &entropy)
        } else {
            otp::resend(&record, ask, &entropy)
        }
        .map_err(from_rules)?;
        if let Some(code) = &decision.code {
            if delivered.as_deref() != Some(code.as_str()) {
                deliver(&gateway, store, org, ask.phone, &sms_text(code.as_str())?)?;
                delivered = Some(code.as_str().to_owned());
            }
        }
        Ok(change(&record, ask.now, decision.record, decision.answer))
    })
}

/// Verify; an approval is stored once the record says so.
fn verify(
    store: &Store,
    org: &OrgId,
    key: &str,
    ask: &OtpRequest,
    body: &OtpBody,
) -> Result<Answer, Failure> {
    let code = body
        .code
        .as_ref()
        .ok_or_else(|| Failure::bad("code", "`code` is required"))?;
    let mut approval = None;
    let answer = store.update(key, |record: PhoneRecord| {
        let decision = otp::verify(&record, ask, code);
        approval = decision.approval;
        Ok(change(&record, ask.now, decision.record, decision.answer))
    })?;
    if let Some(approval) = approval {
        store.set(&approval_key(org, &approval.subject), &approval)?;
    }
    Ok(answer)
}

/// Writes only when the decision changed more than the pruning of old entries.
fn change(
    loaded: &PhoneRecord,
    now: Instant,
    decided: PhoneRecord,
    answer: Answer,
) -> Change<PhoneRecord, Answer> {
    if loaded.pruned(now) == decided {
        Change::Keep(answer)
    } else {
        Change::Write(decided, answer)
    }
}

/// Test only: the last message the `log` gateway kept for `?phone=`.
fn last_message(req: &Request, org: &OrgId) -> Result<Response, Failure> {
    if lapp_env()? != LappEnv::Test {
        return Err(Failure::NotFound(
            "this route exists only when `lapp_env` is `Test`".to_owned(),
        ));
    }
    let phone =
        query_param(req.query(), "phone").ok_or_else(|| Failure::bad("phone", "give `?phone=`"))?;
    let phone = otp::Phone::parse("phone", &phone).map_err(from_rules)?;
    let message: Option<LoggedMessage> = Store::open()?.get(&logged_message_key(org, &phone))?;
    let message = message
        .ok_or_else(|| Failure::NotFound("no message was kept for this phone".to_owned()))?;
    Ok(json(200, &message))
}

/// The server's time.
fn now() -> Result<Instant, Failure> {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| Failure::Unavailable(format!("the clock is before 1970: {e}")))?;
    let secs = i64::try_from(since.as_secs()).map_err(|e| Failure::Unavailable(e.to_string()))?;
    DateTime::from_timestamp(secs, since.subsec_nanos())
        .ok_or_else(|| Failure::Unavailable("the clock is out of range".to_owned()))
}

/// Fresh random bytes for one send.
fn entropy() -> Result<Entropy, Failure> {
    let mut bytes = [0u8; OTP_RANDOM_BYTES];
    getrandom::fill(&mut bytes)
        .map_err(|e| Failure::Unavailable(format!("no random bytes: {e}")))?;
    Ok(Entropy(bytes))
}
