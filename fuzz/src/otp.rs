//! Target `otp`: sequences of send, resend and verify on one phone's record,
//! checked against a shadow of what was issued.

use arbitrary::{Result, Unstructured};
use chrono::Duration;
use recrules_sdk::otp::limits::{CODE_TTL_S, MAX_SENDS_PER_WINDOW, MAX_WRONG_CODES};
use recrules_sdk::otp::{
    resend, send, verify, Code, Entropy, LappConfig, Outcome, Phone, PhoneRecord, Request, Subject,
    OTP_RANDOM_BYTES,
};

use crate::gen::{self, Instant};

/// What the shadow knows of a subject's open challenge.
#[derive(Debug, Default)]
struct Shadow {
    /// Every code delivered for it, with when.
    issued: Vec<(String, Instant)>,
    /// Wrong codes answered `wrong_code`.
    wrong: u32,
}

fn config(u: &mut Unstructured) -> Result<LappConfig> {
    if u.arbitrary()? {
        return Ok(LappConfig::default());
    }
    let small = |u: &mut Unstructured| -> Result<Option<u32>> {
        Ok(match u.int_in_range(0..=4)? {
            0 => None,
            1..=3 => Some(u.int_in_range(0..=120)?),
            _ => Some(u.arbitrary()?),
        })
    };
    Ok(LappConfig {
        remaining_retry_count: small(u)?,
        retry_time_interval: small(u)?,
        display_message: if u.arbitrary()? {
            Some(gen::string(u)?)
        } else {
            None
        },
    })
}

fn entropy(u: &mut Unstructured) -> Result<Entropy> {
    let mut bytes = [0u8; OTP_RANDOM_BYTES];
    u.fill_buffer(&mut bytes)?;
    Ok(Entropy(bytes))
}

/// The next moment of the server's clock: mostly forward, at the rules'
/// boundaries now and then, and a little backward (clock skew) rarely.
fn advance(u: &mut Unstructured, now: Instant) -> Result<Instant> {
    const STEPS: [i64; 10] = [0, 1, 30, 59, 60, 599, 600, 601, 3_599, 3_600];
    Ok(match u.int_in_range(0..=9)? {
        0..=4 => now + Duration::seconds(*u.choose(&STEPS)?),
        5..=7 => now + Duration::seconds(u.int_in_range(0..=4_000)?),
        8 => now + Duration::milliseconds(u.int_in_range(1..=1_999)?),
        _ => now - Duration::seconds(u.int_in_range(1..=120)?),
    })
}

/// `otp`: no panic; at most one approval per challenge, and only for a code
/// issued for it and still live; at most 5 wrong codes counted; no send
/// beyond the hourly cap; the record's JSON reads back.
pub fn otp(u: &mut Unstructured) -> Result<()> {
    let phone = Phone::parse("phone", "+91 98000-00001").expect("a phone");
    let subjects = [
        Subject::new("L-1", 221, "U-1").expect("a subject"),
        Subject::new("L-1", 221, "U-2").expect("a subject"),
    ];
    let config = config(u)?;
    let mut record = PhoneRecord::default();
    let mut shadows: [Option<Shadow>; 2] = [None, None];
    let mut now = gen::server_instant(u)?;
    let steps = u.int_in_range(1..=48)?;
    for _ in 0..steps {
        now = advance(u, now)?;
        let si = usize::from(u.ratio(1, 4)?);
        let subject = &subjects[si];
        let req = Request {
            phone: &phone,
            subject,
            config: &config,
            now,
        };
        let before = record.pruned(now);
        if before.challenge(subject).is_some() {
            assert!(
                shadows[si].is_some(),
                "a challenge the shadow never saw open"
            );
        }
        let op = u.int_in_range(0..=2)?;
        let decision =
            match op {
                0 | 1 => {
                    let e = entropy(u)?;
                    let result = if op == 0 {
                        send(&record, &req, &e)
                    } else {
                        resend(&record, &req, &e)
                    };
                    let Ok(d) = result else {
                        continue; // all draws rejected: nothing changes
                    };
                    assert!(d.approval.is_none(), "a send approved");
                    if let Some(code) = &d.code {
                        assert_eq!(d.answer.outcome, Outcome::Sent);
                        assert!(
                            before.sends.len() < MAX_SENDS_PER_WINDOW,
                            "a send beyond the hourly cap: {} sends in the window",
                            before.sends.len()
                        );
                        // A send on a live challenge is a resend; else it opens a new one.
                        let opened = before
                            .challenge(subject)
                            .filter(|c| op == 1 || c.is_live(now))
                            .is_none();
                        if opened {
                            assert_eq!(op, 0, "a resend opened a challenge");
                            shadows[si] = Some(Shadow::default());
                        }
                        let shadow = shadows[si].as_mut().expect("an open challenge");
                        shadow.issued.push((code.as_str().to_owned(), now));
                    } else {
                        assert_ne!(d.answer.outcome, Outcome::Sent, "sent without a code");
                    }
                    d
                }
                _ => {
                    let issued: Vec<String> = shadows[si]
                        .iter()
                        .flat_map(|s| s.issued.iter().map(|(c, _)| c.clone()))
                        .collect();
                    let text = if !issued.is_empty() && u.ratio(2, 3)? {
                        u.choose(&issued)?.clone()
                    } else {
                        format!("{:06}", u.arbitrary::<u32>()? % 1_000_000)
                    };
                    let code = Code::parse(&text).expect("six digits");
                    let d = verify(&record, &req, &code);
                    assert!(d.code.is_none(), "verify delivered a code");
                    match &d.approval {
                        Some(approval) => {
                            assert_eq!(d.answer.outcome, Outcome::Approved);
                            let shadow = shadows[si]
                                .take()
                                .expect("an approval without an open challenge");
                            assert!(
                                shadow.issued.iter().any(|(c, at)| *c == text
                                    && now < *at + Duration::seconds(CODE_TTL_S)),
                                "approved {text}, not a live code issued for this challenge: {:?}",
                                shadow.issued
                            );
                            assert!(
                                shadow.wrong < MAX_WRONG_CODES,
                                "a locked challenge approved"
                            );
                            assert!(
                                d.record.challenge(subject).is_none(),
                                "approved but still open"
                            );
                            assert_eq!(&approval.subject, subject);
                            assert_eq!(approval.verified_at, now);
                        }
                        None => assert_ne!(d.answer.outcome, Outcome::Approved),
                    }
                    if d.answer.outcome == Outcome::WrongCode {
                        let shadow = shadows[si]
                            .as_mut()
                            .expect("a wrong code without a challenge");
                        shadow.wrong += 1;
                        assert!(shadow.wrong <= MAX_WRONG_CODES, "a 6th wrong code counted");
                        assert!(
                            !shadow
                                .issued
                                .iter()
                                .any(|(c, at)| *c == text
                                    && now < *at + Duration::seconds(CODE_TTL_S)),
                            "a live issued code was called wrong"
                        );
                    }
                    d
                }
            };
        record = decision.record;
        for (shadow, subject) in shadows.iter_mut().zip(&subjects) {
            if record.challenge(subject).is_none() {
                // Approved, or forgotten after an hour: the shadow ends too.
                *shadow = None;
            }
        }
        for c in &record.challenges {
            assert!(
                c.wrong_codes <= MAX_WRONG_CODES,
                "{} wrong codes",
                c.wrong_codes
            );
        }
        if let (Some(shadow), Some(c)) = (&shadows[si], record.challenge(subject)) {
            assert_eq!(shadow.wrong, c.wrong_codes, "wrong codes counted apart");
            assert_eq!(shadow.issued.len(), c.codes.len(), "codes counted apart");
        }
        let answer = &decision.answer;
        if let Some(left) = answer.attempts_left {
            assert!(left <= MAX_WRONG_CODES);
        }
        serde_json::to_string(answer).expect("an answer serialises");
        let text = serde_json::to_string(&record).expect("a record serialises");
        let back: PhoneRecord = serde_json::from_str(&text).expect("a record reads back");
        assert_eq!(back, record, "a record's JSON reads back different");
    }
    Ok(())
}
