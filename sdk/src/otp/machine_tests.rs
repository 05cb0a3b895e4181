//! Tests of the state machine as a whole, brute force included.

use chrono::{DateTime, Duration};
use sha2::{Digest, Sha256};

use super::*;
use crate::time::Instant;

/// A phone, a subject and a record, driven through the machine.
struct Bench {
    record: PhoneRecord,
    phone: Phone,
    subject: Subject,
    config: LappConfig,
    draws: u64,
}

impl Bench {
    fn new(config: LappConfig) -> Self {
        Self {
            record: PhoneRecord::default(),
            phone: Phone::parse("phone", "+919800000001").unwrap(),
            subject: Subject::new("L-1", 221, "U-1").unwrap(),
            config,
            draws: 0,
        }
    }

    fn entropy(&mut self) -> Entropy {
        self.draws += 1;
        let mut bytes = [0u8; OTP_RANDOM_BYTES];
        for (block, chunk) in bytes.chunks_mut(32).enumerate() {
            let digest = Sha256::digest(format!("bench/{}/{block}", self.draws));
            chunk.copy_from_slice(&digest[..chunk.len()]);
        }
        Entropy(bytes)
    }

    fn apply(&mut self, decision: Decision) -> (Answer, Option<Code>) {
        self.record = decision.record;
        (decision.answer, decision.code)
    }

    fn send(&mut self, now: Instant) -> (Answer, Option<Code>) {
        let entropy = self.entropy();
        let req = Request {
            phone: &self.phone,
            subject: &self.subject,
            config: &self.config,
            now,
        };
        let decision = send(&self.record, &req, &entropy).unwrap();
        self.apply(decision)
    }

    fn resend(&mut self, now: Instant) -> (Answer, Option<Code>) {
        let entropy = self.entropy();
        let req = Request {
            phone: &self.phone,
            subject: &self.subject,
            config: &self.config,
            now,
        };
        let decision = resend(&self.record, &req, &entropy).unwrap();
        self.apply(decision)
    }

    fn verify(&mut self, code: &Code, now: Instant) -> Answer {
        let req = Request {
            phone: &self.phone,
            subject: &self.subject,
            config: &self.config,
            now,
        };
        let decision = verify(&self.record, &req, code);
        self.apply(decision).0
    }
}

fn t0() -> Instant {
    DateTime::parse_from_rfc3339("2026-11-20T10:00:00Z")
        .unwrap()
        .to_utc()
}

fn other_than(code: &Code, n: u32) -> Code {
    let real: u32 = code.as_str().parse().unwrap();
    Code::parse(&format!("{:06}", (real + 1 + n) % 1_000_000)).unwrap()
}

#[test]
fn system_defaults_show_no_counter_and_no_timer() {
    let mut b = Bench::new(LappConfig::default());
    let (answer, code) = b.send(t0());
    assert_eq!(answer.outcome, Outcome::Sent);
    assert!(code.is_some());
    assert_eq!(answer.remaining_retry_count, None);
    assert_eq!(answer.retry_after_s, None);
    assert_eq!(answer.expires_in_s, Some(600));
    assert_eq!(answer.attempts_left, Some(5));
    assert_eq!(answer.phone_masked, "+91******0001");
    assert_eq!(answer.display_message, limits::SYSTEM_MESSAGE);
}

#[test]
fn a_send_on_a_live_challenge_keeps_its_wrong_codes() {
    let mut b = Bench::new(LappConfig::default());
    let (_, code) = b.send(t0());
    let code = code.unwrap();
    for n in 0..3 {
        b.verify(&other_than(&code, n), t0());
    }
    let (answer, _) = b.send(t0() + Duration::seconds(5));
    assert_eq!(answer.outcome, Outcome::Sent);
    assert_eq!(answer.attempts_left, Some(2));
}

#[test]
fn a_locked_challenge_refuses_resends_until_its_codes_expire() {
    let mut b = Bench::new(LappConfig::default());
    let code = b.send(t0()).1.unwrap();
    for n in 0..5 {
        assert_eq!(
            b.verify(&other_than(&code, n), t0()).outcome,
            Outcome::WrongCode
        );
    }
    assert_eq!(b.resend(t0()).0.outcome, Outcome::Locked);
    assert_eq!(
        b.send(t0() + Duration::seconds(599)).0.outcome,
        Outcome::Locked
    );
    let (answer, fresh) = b.send(t0() + Duration::seconds(600));
    assert_eq!(answer.outcome, Outcome::Sent);
    assert_eq!(answer.attempts_left, Some(5));
    assert_eq!(
        b.verify(&fresh.unwrap(), t0() + Duration::seconds(601))
            .outcome,
        Outcome::Approved
    );
}

#[test]
fn answers_do_not_tell_whether_the_phone_has_other_challenges() {
    let stranger = Subject::new("L-2", 221, "U-9").unwrap();
    let fresh = Bench::new(LappConfig::default());
    let mut busy = Bench::new(LappConfig::default());
    busy.send(t0());
    let code = Code::parse("123456").unwrap();
    let ask = |b: &Bench| {
        let req = Request {
            phone: &b.phone,
            subject: &stranger,
            config: &b.config,
            now: t0(),
        };
        verify(&b.record, &req, &code).answer
    };
    assert_eq!(ask(&fresh), ask(&busy));
    assert_eq!(ask(&fresh).outcome, Outcome::UnknownChallenge);
}

#[test]
fn an_approval_names_subject_phone_and_instant() {
    let mut b = Bench::new(LappConfig::default());
    let code = b.send(t0()).1.unwrap();
    let req = Request {
        phone: &b.phone,
        subject: &b.subject,
        config: &b.config,
        now: t0() + Duration::seconds(30),
    };
    let challenge = b.record.challenge(&b.subject).unwrap().sha256();
    let decision = verify(&b.record, &req, &code);
    let approval = decision.approval.unwrap();
    assert_eq!(approval.subject, b.subject);
    assert_eq!(approval.phone, b.phone);
    assert_eq!(approval.verified_at, t0() + Duration::seconds(30));
    assert_eq!(
        approval.challenge_sha256.as_deref(),
        Some(challenge.as_str())
    );
    assert!(decision.record.challenges.is_empty());
}

#[test]
fn a_challenge_digest_names_one_challenge_and_reveals_nothing() {
    let mut b = Bench::new(LappConfig::default());
    let code = b.send(t0()).1.unwrap();
    let first = b.record.challenge(&b.subject).unwrap().clone();
    let digest = first.sha256();
    assert_eq!(digest.len(), 64);
    assert!(digest
        .bytes()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_eq!(digest, first.sha256());
    for secret in [code.as_str(), "9800000001", "0001"] {
        assert!(!digest.contains(secret), "{secret}");
    }
    // A resend adds a code: another challenge state, another digest.
    b.resend(t0() + Duration::seconds(60));
    let resent = b.record.challenge(&b.subject).unwrap();
    assert_ne!(resent.sha256(), digest);
    // The same code for another subject is another challenge.
    let mut other = first.clone();
    other.subject = Subject::new("L-2", 221, "U-1").unwrap();
    assert_ne!(other.sha256(), digest);
}

#[test]
fn stored_record_holds_no_clear_code() {
    let mut b = Bench::new(LappConfig::default());
    let code = b.send(t0()).1.unwrap();
    let json = serde_json::to_string(&b.record).unwrap();
    assert!(!json.contains(code.as_str()));
}

#[test]
fn brute_force_on_one_challenge_never_passes_the_cap() {
    let mut b = Bench::new(LappConfig::default());
    let real = b.send(t0()).1.unwrap();
    let mut approvals = 0;
    let mut wrong = 0;
    for guess in 0..100_000u32 {
        // After the 5th guess the real code is tried again and again.
        let code = if guess >= 5 && guess % 1_000 == 0 {
            real.clone()
        } else {
            other_than(&real, guess)
        };
        let now = t0() + Duration::milliseconds(i64::from(guess));
        match b.verify(&code, now).outcome {
            Outcome::Approved => approvals += 1,
            Outcome::WrongCode => wrong += 1,
            Outcome::Locked => {}
            other => panic!("unexpected {other:?} at guess {guess}"),
        }
    }
    assert_eq!(approvals, 0);
    assert_eq!(wrong, 5);
}

#[test]
fn brute_force_with_fresh_challenges_is_bounded_per_hour() {
    // One guess a second for ~28 hours, starting a new challenge whenever the
    // old one is locked and expired: at most 10 sends and 50 guesses an hour.
    let mut b = Bench::new(LappConfig::default());
    let mut evaluated: Vec<Instant> = Vec::new();
    let mut sends: Vec<Instant> = Vec::new();
    let mut real = b.send(t0()).1.unwrap();
    sends.push(t0());
    for guess in 0..100_000u32 {
        let now = t0() + Duration::seconds(i64::from(guess) + 1);
        match b.verify(&other_than(&real, guess), now).outcome {
            Outcome::WrongCode => evaluated.push(now),
            Outcome::Locked | Outcome::Expired => {
                let (answer, code) = b.send(now);
                if let Some(code) = code {
                    assert_eq!(answer.outcome, Outcome::Sent);
                    real = code;
                    sends.push(now);
                }
            }
            other => panic!("unexpected {other:?} at guess {guess}"),
        }
    }
    let per_hour = |list: &[Instant], at: Instant| {
        list.iter()
            .filter(|t| **t >= at && **t < at + Duration::hours(1))
            .count()
    };
    for t in &sends {
        assert!(per_hour(&sends, *t) <= 10);
        assert!(per_hour(&evaluated, *t) <= 50);
    }
    assert!(evaluated.len() <= 5 * sends.len());
}
