//! What the server posts for a meeting: the Start and End activities as
//! drafts for a store or CRM, and the OTP approval a meeting uses up (rule 11).

use std::collections::BTreeMap;

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::consent::Consent;
use crate::lead::EventCode;
use crate::otp::{Approval, OrgId};
use crate::plan::{EndPlan, RecordingMeta, StartPlan};
use crate::settings::Entry;
use crate::time::Instant;
use crate::upload::sha256_hex;

/// An activity ready to be posted on a lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityDraft {
    /// The lead's id.
    pub lead_id: String,
    /// The activity type's code.
    pub event_code: EventCode,
    /// The sales user who posts it.
    pub user: String,
    /// When it is created: the server's time of the post.
    pub created_on: Instant,
    /// A note for people reading the lead's history.
    pub note: String,
    /// Activity fields by schema name (the End's three recording fields).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// The recordings attached (End only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recordings: Vec<RecordingMeta>,
    /// Dual mode: the Start activity an End closes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_activity_id: Option<String>,
    /// The OTP verification that allowed the meeting, when its entry has
    /// `OTPValidation` ([`ActivityDraft::with_consent`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<Consent>,
}

impl ActivityDraft {
    /// The draft carrying `consent`, its note ending with the consent's line
    /// ([`Consent::note_line`]) for people reading the lead's history (the
    /// CRM keeps only the note). `None` leaves the draft as it is.
    pub fn with_consent(self, consent: Option<Consent>) -> Self {
        let Some(consent) = consent else {
            return self;
        };
        let note = if self.note.is_empty() {
            consent.note_line()
        } else {
            format!("{}. {}", self.note, consent.note_line())
        };
        Self {
            note,
            consent: Some(consent),
            ..self
        }
    }
}

/// An activity as posted: its id and its draft.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostedActivity {
    /// The id the store or CRM gave it.
    pub id: String,
    /// What was posted.
    pub activity: ActivityDraft,
}

/// The Start activity of a Dual-mode meeting, posted at the plan's time (rule 15: no fields).
pub fn start_draft(plan: &StartPlan, lead_id: &str, user: &str) -> ActivityDraft {
    ActivityDraft {
        lead_id: lead_id.to_owned(),
        event_code: plan.event_code,
        user: user.to_owned(),
        created_on: plan.created_on,
        note: format!("Meeting recording started by {user}"),
        fields: BTreeMap::new(),
        recordings: Vec::new(),
        start_activity_id: None,
        consent: None,
    }
}

/// The End activity with its recording fields and recordings (rule 16),
/// created at `now`. `recordings` are the ones the plan lists, in its order.
pub fn end_draft(
    plan: &EndPlan,
    lead_id: &str,
    user: &str,
    recordings: &[RecordingMeta],
    now: Instant,
) -> ActivityDraft {
    let listed = recordings
        .iter()
        .map(|r| format!("{} ({} bytes, SHA-256 {})", r.id, r.size_bytes, r.sha256))
        .collect::<Vec<_>>()
        .join(", ");
    let name = plan.display_name.as_deref().unwrap_or("Meeting");
    ActivityDraft {
        lead_id: lead_id.to_owned(),
        event_code: plan.event_code,
        user: user.to_owned(),
        created_on: now,
        note: format!(
            "{name} recorded by {user}: {} recording(s): {listed}",
            recordings.len()
        ),
        fields: plan.fields.clone(),
        recordings: recordings.to_vec(),
        start_activity_id: plan.start_activity_id.clone(),
        consent: None,
    }
}

/// The entry codes an OTP approval for `entry` may be recorded under, in the
/// order they are looked up: the entry's activity (rule 3), then its Start code.
pub fn approval_entry_codes(entry: &Entry) -> Vec<EventCode> {
    let mut codes = vec![entry.activity_code()];
    if let Some(start) = entry.meeting_start_event_code {
        if !codes.contains(&start) {
            codes.push(start);
        }
    }
    codes
}

/// What an approval key holds: the approval the OTP Lapp wrote, or the
/// record that a meeting used it up (one verified OTP serves one meeting).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ApprovalSlot {
    /// Verified and not used yet.
    Open(Approval),
    /// Used by a meeting.
    Used(UsedApproval),
}

/// An approval a meeting used up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsedApproval {
    /// The approval as it was.
    pub used: Approval,
    /// When the meeting used it.
    pub used_at: Instant,
    /// The request that used it (its idempotency key).
    pub by: String,
}

impl ApprovalSlot {
    /// The approval request `by` (an idempotency key; `None`: no request)
    /// may use: an open one, or one `by` used up itself. A request cut off
    /// after it used the approval and before it posted finds it its own on
    /// retry with the same key, as it finds its holds ([`hold`]).
    pub fn usable_by(&self, by: Option<&str>) -> Option<&Approval> {
        match self {
            Self::Open(approval) => Some(approval),
            Self::Used(used) if Some(used.by.as_str()) == by => Some(&used.used),
            Self::Used(_) => None,
        }
    }

    /// The slot once a meeting (`by`) used the approval at `now`: unchanged
    /// when `by` used it already; `None` when another meeting did.
    pub fn use_up(&self, now: Instant, by: &str) -> Option<ApprovalSlot> {
        match self {
            Self::Open(approval) => Some(ApprovalSlot::Used(UsedApproval {
                used: approval.clone(),
                used_at: now,
                by: by.to_owned(),
            })),
            Self::Used(used) if used.by == by => Some(self.clone()),
            Self::Used(_) => None,
        }
    }

    /// The slot as it was before any meeting used it: what giving the approval back writes.
    pub fn reopened(&self) -> ApprovalSlot {
        match self {
            Self::Open(_) => self.clone(),
            Self::Used(used) => Self::Open(used.used.clone()),
        }
    }
}

/// What marks, in the note of an activity posted to the CRM, the request
/// that posted it: `[request <hex>]`, the hex being the SHA-256 of the org
/// and the request's idempotency key, so the same key in two orgs marks two
/// requests and the key itself is not shown. A retry taking over the claim
/// of a request that died looks for it in the lead's CRM history.
pub fn request_tag(org: &OrgId, idempotency_key: &str) -> String {
    let digest = sha256_hex(format!("{}\n{idempotency_key}", org.as_str()).as_bytes());
    format!("[request {digest}]")
}

/// `note` followed by the request's `tag` ([`request_tag`]).
pub fn tagged_note(note: &str, tag: &str) -> String {
    if note.is_empty() {
        tag.to_owned()
    } else {
        format!("{note} {tag}")
    }
}

/// After this many seconds a lead's [`Hold`] is taken to have died (its
/// request ended midway; the host's deadline is 30 s).
pub const LEAD_HOLD_TTL_S: i64 = 60;

/// A request's hold on a record: on a lead while it checks and posts an
/// activity there (so the checks and the post are one step per lead), or on
/// a recording once an End carries it (so no two Ends carry one recording).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hold {
    /// The request holding it (its idempotency key).
    pub by: String,
    /// Since when.
    pub since: Instant,
}

/// What a request may do with a held record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldVerdict {
    /// It is free (or its hold died): take it with this hold.
    Take(Hold),
    /// The request holds it already (a retry with the same idempotency key).
    Mine,
    /// Another request holds it.
    Taken(Hold),
}

/// Decides whether request `by` may hold a record at `now`, given its
/// `current` hold. A hold older than `ttl_s` seconds is taken over; with no
/// `ttl_s` it lasts until it is given back.
pub fn hold(current: Option<&Hold>, by: &str, now: Instant, ttl_s: Option<i64>) -> HoldVerdict {
    let take = || {
        HoldVerdict::Take(Hold {
            by: by.to_owned(),
            since: now,
        })
    };
    match current {
        None => take(),
        Some(held) if held.by == by => HoldVerdict::Mine,
        Some(held) => match ttl_s {
            Some(ttl) if held.since + Duration::seconds(ttl) <= now => take(),
            _ => HoldVerdict::Taken(held.clone()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otp::{Phone, Subject};
    use crate::settings::check_settings;
    use chrono::{TimeZone, Utc};

    #[test]
    fn approval_codes_try_the_activity_then_the_start() {
        let dual = check_settings(include_str!("../../fixtures/settings/seed-dual.json"))
            .settings
            .unwrap();
        assert_eq!(approval_entry_codes(&dual.data[1]), vec![222, 221]);
        let single = check_settings(include_str!("../../fixtures/settings/seed-single.json"))
            .settings
            .unwrap();
        assert_eq!(approval_entry_codes(&single.data[0]), vec![158]);
    }

    #[test]
    fn an_approval_is_used_once_and_reads_back() {
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
        let approval = Approval {
            subject: Subject::new("L-1", 221, "U-1").unwrap(),
            phone: Phone::parse("phone", "+919800000001").unwrap(),
            verified_at: at,
            challenge_sha256: Some("ab".repeat(32)),
        };
        let written = serde_json::to_string(&approval).unwrap();
        let slot: ApprovalSlot = serde_json::from_str(&written).unwrap();
        assert_eq!(slot.usable_by(None), Some(&approval));
        let used = slot.use_up(at, "key-1").unwrap();
        let text = serde_json::to_string(&used).unwrap();
        let back: ApprovalSlot = serde_json::from_str(&text).unwrap();
        assert_eq!(back.usable_by(None), None);
        assert_eq!(back.use_up(at, "key-2"), None);
        assert_eq!(back.usable_by(Some("key-2")), None);
        // The request that used it finds it its own (its retry), unchanged.
        assert_eq!(back.usable_by(Some("key-1")), Some(&approval));
        assert_eq!(back.use_up(at + Duration::seconds(9), "key-1"), Some(used));
        assert_eq!(back.reopened(), slot);
        assert_eq!(slot.reopened(), slot);
    }

    #[test]
    fn a_draft_notes_its_consent_before_the_request_tag() {
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
        let draft = ActivityDraft {
            lead_id: "L-1".to_owned(),
            event_code: 221,
            user: "U-1".to_owned(),
            created_on: at,
            note: "Meeting recording started by U-1".to_owned(),
            fields: BTreeMap::new(),
            recordings: Vec::new(),
            start_activity_id: None,
            consent: None,
        };
        assert_eq!(draft.clone().with_consent(None), draft);
        let approval = Approval {
            subject: Subject::new("L-1", 221, "U-1").unwrap(),
            phone: Phone::parse("phone", "+919800000001").unwrap(),
            verified_at: at,
            challenge_sha256: Some("ab".repeat(32)),
        };
        let consent = Consent::from(&approval);
        let with = draft.clone().with_consent(Some(consent.clone()));
        assert_eq!(
            with.note,
            format!(
                "Meeting recording started by U-1. OTP verified 2026-11-20T10:00:00Z to +91******0001, challenge sha256:{}",
                "ab".repeat(32)
            )
        );
        assert_eq!(with.consent.as_ref(), Some(&consent));
        let tag = request_tag(&OrgId::parse("org", "org-1").unwrap(), "key-1");
        assert_eq!(
            tagged_note(&with.note, &tag),
            format!("{} {tag}", with.note)
        );
        let json = serde_json::to_string(&with).unwrap();
        assert!(!json.contains("9800000001"), "{json}");
        // A draft kept before consent was: no `consent` key, and it reads back.
        let old = serde_json::to_value(&draft).unwrap();
        assert!(old.get("consent").is_none(), "{old}");
        assert_eq!(serde_json::from_value::<ActivityDraft>(old).unwrap(), draft);
        assert_eq!(serde_json::from_str::<ActivityDraft>(&json).unwrap(), with);
    }

    #[test]
    fn a_request_tag_is_scoped_to_its_org_and_hides_its_key() {
        let org = |id: &str| OrgId::parse("org", id).unwrap();
        let tag = request_tag(&org("org-1"), "key-1");
        assert!(tag.starts_with("[request ") && tag.ends_with(']'), "{tag}");
        assert!(!tag.contains("key-1"), "{tag}");
        assert_eq!(tag, request_tag(&org("org-1"), "key-1"));
        assert_ne!(tag, request_tag(&org("org-2"), "key-1"));
        assert_ne!(tag, request_tag(&org("org-1"), "key-2"));
        assert_eq!(tagged_note("Met", &tag), format!("Met {tag}"));
        assert_eq!(tagged_note("", &tag), tag);
    }

    #[test]
    fn a_hold_is_taken_once_kept_by_its_request_and_taken_over_when_dead() {
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
        let HoldVerdict::Take(first) = hold(None, "k-1", at, Some(LEAD_HOLD_TTL_S)) else {
            panic!("a free record is taken");
        };
        assert_eq!(hold(Some(&first), "k-1", at, None), HoldVerdict::Mine);
        let later = at + Duration::seconds(LEAD_HOLD_TTL_S - 1);
        assert_eq!(
            hold(Some(&first), "k-2", later, Some(LEAD_HOLD_TTL_S)),
            HoldVerdict::Taken(first.clone())
        );
        let dead = at + Duration::seconds(LEAD_HOLD_TTL_S);
        assert!(matches!(
            hold(Some(&first), "k-2", dead, Some(LEAD_HOLD_TTL_S)),
            HoldVerdict::Take(Hold { ref by, .. }) if by == "k-2"
        ));
        // Without a time to live, a hold lasts until it is given back.
        let years = at + Duration::days(3650);
        assert!(matches!(
            hold(Some(&first), "k-2", years, None),
            HoldVerdict::Taken(_)
        ));
    }
}
