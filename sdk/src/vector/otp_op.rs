//! The `otp` op: a run of sends, resends and verifies on one challenge.
//!
//! Input: optional `lapp_config` (`{RemainingRetryCount, RetryTimeInterval,
//! DisplayMessage}`; absent: system defaults), optional `phone` (default
//! `+919800000001`), and `steps`: `[{at, action: send|resend|verify, code}]`
//! where `code` (verify only, default `latest`) is `latest` (the last code
//! sent), `first` (the first code sent), `wrong` (a code never sent) or six
//! digits. With no code sent yet, `latest` and `first` stand for `000000`.
//!
//! The random bytes of step `i` are SHA-256(`{name}#{i}#0`) followed by
//! SHA-256(`{name}#{i}#1`), cut to [`OTP_RANDOM_BYTES`], so every runner
//! (native, wasm) draws the same codes and produces the same `actual`.
//!
//! Expect: `outcomes` (exact, one per step); optional lists `remaining_retry_count`,
//! `retry_after_s`, `expires_in_s` and `attempts_left`, one entry per step,
//! `null` where the answer has none, each compared exactly.

use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{Context, Mismatches};
use crate::otp::{
    resend, send, verify, Answer, Code, Entropy, LappConfig, Phone, PhoneRecord, Request, Subject,
    OTP_RANDOM_BYTES,
};
use crate::time::Instant;

/// The phone number a vector uses unless it gives one.
const DEFAULT_PHONE: &str = "+919800000001";
/// The code `latest` and `first` stand for before any code was sent.
const NO_CODE_YET: &str = "000000";
/// The per-step answer fields a vector may list.
const STEP_LISTS: [&str; 4] = [
    "remaining_retry_count",
    "retry_after_s",
    "expires_in_s",
    "attempts_left",
];

/// The op's input.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    #[serde(default)]
    lapp_config: Option<LappConfig>,
    #[serde(default)]
    phone: Option<String>,
    steps: Vec<Step>,
}

/// One step of the run.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    at: Instant,
    action: Action,
    #[serde(default)]
    code: Option<String>,
}

/// What a step does.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Action {
    Send,
    Resend,
    Verify,
}

/// Runs an `otp` vector.
pub(super) fn run(ctx: &Context) -> Result<Value, String> {
    let input: Input = ctx.input()?;
    let config = input.lapp_config.unwrap_or_default();
    let phone = Phone::parse(
        "input.phone",
        input.phone.as_deref().unwrap_or(DEFAULT_PHONE),
    )
    .map_err(|e| e.to_string())?;
    let subject = Subject::new("L-1", 221, "U-1").map_err(|e| e.to_string())?;
    let mut record = PhoneRecord::default();
    let mut sent: Vec<Code> = Vec::new();
    let mut answers = Vec::new();
    let mut steps = Vec::new();
    for (i, step) in input.steps.iter().enumerate() {
        let req = Request {
            phone: &phone,
            subject: &subject,
            config: &config,
            now: step.at,
        };
        let entropy = step_entropy(&ctx.vector.name, i);
        let (decision, given) = match step.action {
            Action::Send => (send(&record, &req, &entropy), None),
            Action::Resend => (resend(&record, &req, &entropy), None),
            Action::Verify => {
                let code = pick_code(step.code.as_deref(), &sent)
                    .map_err(|e| format!("steps[{i}].code: {e}"))?;
                (Ok(verify(&record, &req, &code)), Some(code))
            }
        };
        let decision = decision.map_err(|e| format!("steps[{i}]: {e}"))?;
        record = decision.record;
        let mut shown = json!({
            "at": step.at,
            "action": step.action.name(),
            "answer": decision.answer,
        });
        if let Some(code) = &decision.code {
            shown["code_sent"] = json!(code.as_str());
            sent.push(code.clone());
        }
        if let Some(code) = given {
            shown["code_given"] = json!(code.as_str());
        }
        steps.push(shown);
        answers.push(decision.answer);
    }
    let mut actual = json!({
        "outcomes": answers.iter().map(|a| a.outcome.name()).collect::<Vec<_>>(),
    });
    for key in STEP_LISTS {
        actual[key] = answers.iter().map(|a| field(a, key)).collect();
    }
    actual["steps"] = Value::Array(steps);
    Ok(actual)
}

/// Compares an `otp` vector's expectation: `outcomes` always, the per-step
/// lists when given.
pub(super) fn compare(expect: &Value, actual: &Value, m: &mut Mismatches) {
    m.required_equal(expect, actual, "outcomes");
    for key in STEP_LISTS {
        m.optional_equal(expect, actual, key);
    }
}

impl Action {
    /// The action's name in vectors.
    fn name(self) -> &'static str {
        match self {
            Self::Send => "send",
            Self::Resend => "resend",
            Self::Verify => "verify",
        }
    }
}

/// One counter of an answer, as JSON (`null` where it does not apply).
fn field(answer: &Answer, key: &str) -> Value {
    serde_json::to_value(answer)
        .ok()
        .and_then(|v| v.get(key).cloned())
        .unwrap_or(Value::Null)
}

/// The random bytes of step `index` of the vector `name`.
fn step_entropy(name: &str, index: usize) -> Entropy {
    let mut bytes = [0u8; OTP_RANDOM_BYTES];
    for (block, chunk) in bytes.chunks_mut(32).enumerate() {
        let digest = Sha256::digest(format!("{name}#{index}#{block}"));
        chunk.copy_from_slice(&digest[..chunk.len()]);
    }
    Entropy(bytes)
}

/// The code a verify step gives.
fn pick_code(choice: Option<&str>, sent: &[Code]) -> Result<Code, String> {
    let fallback = || Code::parse(NO_CODE_YET).map_err(|e| e.to_string());
    match choice.unwrap_or("latest") {
        "latest" => sent.last().cloned().map_or_else(fallback, Ok),
        "first" => sent.first().cloned().map_or_else(fallback, Ok),
        "wrong" => (0..=sent.len())
            .map(|n| format!("{n:06}"))
            .find(|c| sent.iter().all(|s| s.as_str() != c))
            .map_or_else(fallback, |c| Code::parse(&c).map_err(|e| e.to_string())),
        digits => {
            Code::parse(digits).map_err(|e| format!("{e}; or give `latest`, `first` or `wrong`"))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::Value;

    use crate::vector::run;

    /// The fixtures' `otp` vectors, each with its file name.
    fn fixtures() -> Vec<(String, Value)> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/vectors/otp");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(&path).unwrap();
                let value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                (path.display().to_string(), value)
            })
            .collect()
    }

    #[test]
    fn otp_fixture_vectors_pass() {
        let vectors = fixtures();
        assert!(vectors.len() >= 15, "only {} otp vectors", vectors.len());
        let failures: Vec<String> = vectors
            .iter()
            .map(|(file, vector)| (file, run(vector, None)))
            .filter(|(_, outcome)| !outcome.passed())
            .map(|(file, outcome)| {
                format!(
                    "{file}: {:#?}\nactual: {}",
                    outcome.mismatches,
                    serde_json::to_string_pretty(&outcome.actual).unwrap_or_default()
                )
            })
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    }

    #[test]
    fn otp_runs_are_deterministic() {
        for (file, vector) in fixtures() {
            assert_eq!(
                run(&vector, None).actual,
                run(&vector, None).actual,
                "{file}"
            );
        }
    }

    #[test]
    fn otp_vector_faults_are_reported_with_their_step() {
        let vector = serde_json::json!({
            "name": "bad code choice", "op": "otp",
            "input": { "steps": [ { "at": "2026-11-20T10:00:00Z", "action": "verify", "code": "12" } ] },
            "expect": { "outcomes": ["unknown_challenge"] }
        });
        let outcome = run(&vector, None);
        assert!(!outcome.passed());
        let message = outcome.mismatches[0].actual.to_string();
        assert!(message.contains("steps[0].code"), "{message}");
    }
}
