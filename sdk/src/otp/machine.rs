//! The OTP state machine: send, resend and verify on one phone's record
//! (rules 19-23). Pure: the record, the time and the random bytes come in;
//! the new record, the answer, the code to deliver and the approval go out.

use chrono::Duration;
use subtle::Choice;

use super::answer::{Answer, Outcome};
use super::code::{Code, Entropy, StoredCode};
use super::config::LappConfig;
use super::error::OtpError;
use super::keys::Approval;
use super::limits::{CODE_TTL_S, MAX_SENDS_PER_WINDOW, MAX_WRONG_CODES, SEND_WINDOW_S};
use super::phone::Phone;
use super::state::{Challenge, PhoneRecord, Subject};
use crate::time::Instant;

/// One request on the OTP rules: which phone, for whom, under which Lapp
/// configuration, and when.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The phone number the code goes to.
    pub phone: &'a Phone,
    /// The user, lead and entry the phone is verified for.
    pub subject: &'a Subject,
    /// The Lapp configuration (the default: system defaults).
    pub config: &'a LappConfig,
    /// The moment of the request (the server's clock).
    pub now: Instant,
}

/// What the rules decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The answer to give.
    pub answer: Answer,
    /// The phone's record to store (pruned as of the request even when
    /// nothing else changed).
    pub record: PhoneRecord,
    /// With `sent`: the code to deliver by SMS. It is stored only hashed, so
    /// if delivery fails the caller drops `record` and nothing is counted.
    pub code: Option<Code>,
    /// With `approved`: the approval to store for the validation hook.
    pub approval: Option<Approval>,
}

/// Starts a challenge for the request's subject, or, while the subject has a
/// challenge with an unexpired code, resends on it (a send must not reset the
/// wrong-code count or the resend counter). A first send is limited only by
/// the hourly cap of [`MAX_SENDS_PER_WINDOW`] sends per phone.
pub fn send(record: &PhoneRecord, req: &Request, entropy: &Entropy) -> Result<Decision, OtpError> {
    let mut record = record.pruned(req.now);
    if let Some(challenge) = record.challenge(req.subject).filter(|c| c.is_live(req.now)) {
        let challenge = challenge.clone();
        return resend_on(record, challenge, req, entropy);
    }
    if let Some(wait) = cap_wait(&record, req.now) {
        let mut answer = answer(Outcome::ResendTooSoon, None, &record, req);
        answer.retry_after_s = Some(wait);
        return Ok(decision(answer, record));
    }
    let (code, stored) = StoredCode::issue(entropy, req.now)?;
    let challenge = Challenge {
        subject: req.subject.clone(),
        codes: vec![stored],
        resends: 0,
        wrong_codes: 0,
    };
    record.sends.push(req.now);
    let answer = answer(Outcome::Sent, Some(&challenge), &record, req);
    record.put(challenge);
    Ok(Decision {
        code: Some(code),
        ..decision(answer, record)
    })
}

/// Sends a new code on the subject's challenge; earlier unexpired codes stay
/// valid. Checked in this order: no challenge -> `unknown_challenge`; five
/// wrong codes -> `locked`; `RemainingRetryCount` used up ->
/// `no_resends_left`; `RetryTimeInterval` or the hourly cap not yet passed ->
/// `resend_too_soon` with the exact wait.
pub fn resend(
    record: &PhoneRecord,
    req: &Request,
    entropy: &Entropy,
) -> Result<Decision, OtpError> {
    let record = record.pruned(req.now);
    match record.challenge(req.subject).cloned() {
        Some(challenge) => resend_on(record, challenge, req, entropy),
        None => Ok(decision(
            answer(Outcome::UnknownChallenge, None, &record, req),
            record,
        )),
    }
}

/// Checks a code against every code of the subject's challenge, in constant
/// time. Checked in this order: no challenge -> `unknown_challenge`; five
/// wrong codes -> `locked`; an unexpired code matches -> `approved` (the
/// challenge closes); an expired code matches, or every code has expired ->
/// `expired` (not counted as wrong); otherwise `wrong_code`, counted.
pub fn verify(record: &PhoneRecord, req: &Request, code: &Code) -> Decision {
    let mut record = record.pruned(req.now);
    let Some(mut challenge) = record.challenge(req.subject).cloned() else {
        let answer = answer(Outcome::UnknownChallenge, None, &record, req);
        return decision(answer, record);
    };
    if challenge.wrong_codes >= MAX_WRONG_CODES {
        let answer = answer(Outcome::Locked, Some(&challenge), &record, req);
        return decision(answer, record);
    }
    let mut live_match = Choice::from(0);
    let mut any_match = Choice::from(0);
    for stored in &challenge.codes {
        let matches = stored.matches(code);
        let live = Choice::from(u8::from(req.now < stored.sent_at + ttl()));
        live_match |= matches & live;
        any_match |= matches;
    }
    if bool::from(live_match) {
        record.remove(req.subject);
        let approval = Approval {
            subject: req.subject.clone(),
            phone: req.phone.clone(),
            verified_at: req.now,
            challenge_sha256: Some(challenge.sha256()),
        };
        let answer = answer(Outcome::Approved, None, &record, req);
        return Decision {
            approval: Some(approval),
            ..decision(answer, record)
        };
    }
    if bool::from(any_match) || !challenge.is_live(req.now) {
        let answer = answer(Outcome::Expired, Some(&challenge), &record, req);
        return decision(answer, record);
    }
    challenge.wrong_codes += 1;
    let answer = answer(Outcome::WrongCode, Some(&challenge), &record, req);
    record.put(challenge);
    decision(answer, record)
}

/// A resend on an existing challenge (see [`resend`]).
fn resend_on(
    mut record: PhoneRecord,
    mut challenge: Challenge,
    req: &Request,
    entropy: &Entropy,
) -> Result<Decision, OtpError> {
    if challenge.wrong_codes >= MAX_WRONG_CODES {
        let answer = answer(Outcome::Locked, Some(&challenge), &record, req);
        return Ok(decision(answer, record));
    }
    if resends_left(&challenge, req.config) == Some(0) {
        let answer = answer(Outcome::NoResendsLeft, Some(&challenge), &record, req);
        return Ok(decision(answer, record));
    }
    let wait = resend_wait(&challenge, &record, req);
    if wait > 0 {
        let mut answer = answer(Outcome::ResendTooSoon, Some(&challenge), &record, req);
        answer.retry_after_s = Some(wait);
        return Ok(decision(answer, record));
    }
    let (code, stored) = StoredCode::issue(entropy, req.now)?;
    challenge.codes.push(stored);
    challenge.resends += 1;
    record.sends.push(req.now);
    let answer = answer(Outcome::Sent, Some(&challenge), &record, req);
    record.put(challenge);
    Ok(Decision {
        code: Some(code),
        ..decision(answer, record)
    })
}

/// A decision with no code to deliver and no approval.
fn decision(answer: Answer, record: PhoneRecord) -> Decision {
    Decision {
        answer,
        record,
        code: None,
        approval: None,
    }
}

/// The answer for `outcome`, its counters set as [`Answer`] documents.
/// `challenge` is the subject's challenge as it stands after the request
/// (`None` when there is none or it closed).
fn answer(
    outcome: Outcome,
    challenge: Option<&Challenge>,
    record: &PhoneRecord,
    req: &Request,
) -> Answer {
    let mut answer = Answer {
        outcome,
        remaining_retry_count: None,
        retry_after_s: None,
        expires_in_s: None,
        attempts_left: None,
        phone_masked: req.phone.masked(),
        display_message: req.config.display_message().to_owned(),
    };
    let Some(challenge) = challenge else {
        return answer;
    };
    answer.attempts_left = Some(MAX_WRONG_CODES.saturating_sub(challenge.wrong_codes));
    if challenge.wrong_codes >= MAX_WRONG_CODES {
        return answer;
    }
    answer.expires_in_s = challenge.expires_at().map(|at| seconds_until(at, req.now));
    answer.remaining_retry_count = resends_left(challenge, req.config);
    if req.config.retry_time_interval.is_some() && answer.remaining_retry_count != Some(0) {
        answer.retry_after_s = Some(resend_wait(challenge, record, req));
    }
    answer
}

/// Resends left under `RemainingRetryCount`; `None` when it is not configured.
fn resends_left(challenge: &Challenge, config: &LappConfig) -> Option<u32> {
    config
        .remaining_retry_count
        .map(|allowed| allowed.saturating_sub(challenge.resends))
}

/// Exact seconds until a resend is allowed by `RetryTimeInterval` and by the
/// hourly cap (0: now).
fn resend_wait(challenge: &Challenge, record: &PhoneRecord, req: &Request) -> u64 {
    let interval = match (req.config.retry_time_interval, challenge.last_sent_at()) {
        (Some(interval), Some(last)) => {
            seconds_until(last + Duration::seconds(i64::from(interval)), req.now)
        }
        _ => 0,
    };
    interval.max(cap_wait(record, req.now).unwrap_or(0))
}

/// With the hourly cap reached (`record` pruned as of `now`), the exact
/// seconds until enough sends leave the hour for one more.
fn cap_wait(record: &PhoneRecord, now: Instant) -> Option<u64> {
    let sends = &record.sends;
    let excess = sends.len().checked_sub(MAX_SENDS_PER_WINDOW)?;
    let leaves_at = sends[excess] + Duration::seconds(SEND_WINDOW_S);
    Some(seconds_until(leaves_at, now).max(1))
}

/// The lifetime of a code.
fn ttl() -> Duration {
    Duration::seconds(CODE_TTL_S)
}

/// Whole seconds from `now` until `deadline`, rounded up; 0 once it passed.
fn seconds_until(deadline: Instant, now: Instant) -> u64 {
    let left = deadline - now;
    if left <= Duration::zero() {
        return 0;
    }
    let whole = left.num_seconds();
    let rounded = if left > Duration::seconds(whole) {
        whole + 1
    } else {
        whole
    };
    u64::try_from(rounded).unwrap_or(u64::MAX)
}
