//! What the OTP rules remember per phone number: its recent sends and its
//! open challenges. One record per (org, phone) lets a store update it with a
//! single compare-and-swap.

use serde::{Deserialize, Serialize};

use super::code::StoredCode;
use super::error::OtpError;
use super::keys::check_id;
use super::limits::{CHALLENGE_RETENTION_S, CODE_TTL_S, SEND_WINDOW_S};
use crate::lead::EventCode;
use crate::time::Instant;
use crate::upload::sha256_hex;
use chrono::{Duration, SecondsFormat};

/// Who a challenge verifies a phone for: this user, this lead, this entry
/// (the activity code of the settings entry), as rule 11 requires.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    /// The lead's id.
    pub lead: String,
    /// The activity code of the settings entry.
    pub entry: EventCode,
    /// The user's id.
    pub user: String,
}

impl Subject {
    /// A subject whose ids are safe in storage keys (see [`check_id`]).
    pub fn new(lead: &str, entry: EventCode, user: &str) -> Result<Self, OtpError> {
        check_id("lead", lead)?;
        check_id("user", user)?;
        Ok(Self {
            lead: lead.to_owned(),
            entry,
            user: user.to_owned(),
        })
    }
}

/// One challenge: the codes sent for a subject to one phone, and its counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    /// Who it verifies the phone for.
    pub subject: Subject,
    /// Every code sent, oldest first (never empty).
    pub codes: Vec<StoredCode>,
    /// Resends made after the first send.
    pub resends: u32,
    /// Wrong codes given so far, across resends.
    pub wrong_codes: u32,
}

impl Challenge {
    /// When the latest code was sent.
    pub fn last_sent_at(&self) -> Option<Instant> {
        self.codes.iter().map(|c| c.sent_at).max()
    }

    /// When the latest code expires.
    pub fn expires_at(&self) -> Option<Instant> {
        self.last_sent_at()
            .map(|at| at + Duration::seconds(CODE_TTL_S))
    }

    /// Whether some code is still valid at `now` (less than 10 minutes old).
    pub fn is_live(&self, now: Instant) -> bool {
        self.expires_at().is_some_and(|at| now < at)
    }

    /// The challenge's digest, kept as consent evidence: the lowercase hex
    /// SHA-256 of its subject and of each code's salt, salted hash and send
    /// time, in order. It names this one challenge and reveals nothing of
    /// it: its input holds neither the code nor the phone number, and the
    /// random salts make it impossible to test a guess of either.
    pub fn sha256(&self) -> String {
        let mut text = format!(
            "recrules-otp-challenge-v1\n{}\n{}\n{}\n",
            self.subject.lead, self.subject.entry, self.subject.user
        );
        for code in &self.codes {
            text.push_str(&format!(
                "{}:{}:{}\n",
                code.salt,
                code.hash,
                code.sent_at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
            ));
        }
        sha256_hex(text.as_bytes())
    }
}

/// Everything remembered for one phone number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneRecord {
    /// Sends (first sends and resends) in the last hour, oldest first.
    #[serde(default)]
    pub sends: Vec<Instant>,
    /// The challenges remembered for this phone, at most one per subject.
    #[serde(default)]
    pub challenges: Vec<Challenge>,
}

impl PhoneRecord {
    /// The record as of `now`: sends that left the hour and challenges past
    /// their retention are dropped.
    pub fn pruned(&self, now: Instant) -> Self {
        let window = Duration::seconds(SEND_WINDOW_S);
        let retention = Duration::seconds(CHALLENGE_RETENTION_S);
        let mut sends: Vec<Instant> = self
            .sends
            .iter()
            .copied()
            .filter(|at| now < *at + window)
            .collect();
        sends.sort();
        let challenges = self
            .challenges
            .iter()
            .filter(|c| c.last_sent_at().is_some_and(|at| now < at + retention))
            .cloned()
            .collect();
        Self { sends, challenges }
    }

    /// The challenge of `subject`, if one is remembered.
    pub fn challenge(&self, subject: &Subject) -> Option<&Challenge> {
        self.challenges.iter().find(|c| &c.subject == subject)
    }

    /// Replaces (or adds) the challenge of its subject.
    pub(super) fn put(&mut self, challenge: Challenge) {
        self.remove(&challenge.subject);
        self.challenges.push(challenge);
    }

    /// Forgets the challenge of `subject`.
    pub(super) fn remove(&mut self, subject: &Subject) {
        self.challenges.retain(|c| &c.subject != subject);
    }
}
