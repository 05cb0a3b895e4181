//! `POST /validate`: the server's decision whether a recording may begin,
//! with every validation of the entry (rules 8 to 13) and the tenant Lapps.

use recrules_sdk::hook::{with_lapp_outcomes, HookContext};
use recrules_sdk::lead::{Activity, Lead};
use recrules_sdk::otp::OrgId;
use recrules_sdk::settings::Settings;
use recrules_sdk::time::Instant;
use recrules_sdk::validate::{find_entry, precheck, Decision, PrecheckInput};
use spin_sdk::http::Response;

use crate::approval::{self, OpenApproval};
use crate::backend::Backend;
use crate::config::tenant_lapps;
use crate::reply::{json, Failure, Store};
use crate::request::{checked_id, json_body, now, MeetingBody};
use crate::settings::load;
use crate::tenant::ask_all;

/// What a meeting's checks are made on.
pub struct Facts {
    /// The org's settings.
    pub settings: Settings,
    /// The lead.
    pub lead: Lead,
    /// The lead's activities.
    pub history: Vec<Activity>,
    /// The user's OTP approval for the lead and entry that the request may
    /// use, if the entry has `OTPValidation` ([`approval::find`]).
    pub approval: Option<OpenApproval>,
}

/// Loads the facts for `lead`, `user` and `activity_code`, for the request
/// `by` (its idempotency key; `None` for a decision that uses nothing up).
pub async fn facts(
    store: &Store,
    org: &OrgId,
    backend: &Backend<'_>,
    lead: &str,
    user: &str,
    activity_code: u32,
    by: Option<&str>,
) -> Result<Facts, Failure> {
    checked_id("lead", lead)?;
    checked_id("user", user)?;
    let settings = load(store, org)?;
    let lead = backend.lead(lead).await?;
    let history = backend.history(&lead.id).await?;
    let approval = match find_entry(&settings, activity_code) {
        Some((_, entry)) if entry.validations.otp.is_some() => {
            approval::find(store, org, entry, &lead.id, user, by)?
        }
        _ => None,
    };
    Ok(Facts {
        settings,
        lead,
        history,
        approval,
    })
}

impl Facts {
    /// The precheck input for `user` at `user_location`, with the approval's time.
    pub fn input(&self, body: &MeetingBody) -> PrecheckInput {
        PrecheckInput {
            activity_code: body.activity_code,
            user: body.user.clone(),
            user_location: body.user_location,
            otp_verified_at: self.approval.as_ref().map(|a| a.verified_at),
        }
    }

    /// Every validation at `now`, then the entry's tenant Lapps (fail closed).
    pub fn decide(
        &self,
        org: &OrgId,
        input: &PrecheckInput,
        now: Instant,
    ) -> Result<Decision, Failure> {
        let decision = precheck(&self.settings, &self.lead, &self.history, input, now);
        self.with_lapps(decision, org, input, now)
    }

    /// Joins the answers of the entry's tenant Lapps, asked at `now`, to `decision`.
    pub fn with_lapps(
        &self,
        decision: Decision,
        org: &OrgId,
        input: &PrecheckInput,
        now: Instant,
    ) -> Result<Decision, Failure> {
        let lapps = find_entry(&self.settings, input.activity_code)
            .map(|(_, e)| e.validations.lapp_validations.clone())
            .unwrap_or_default();
        if lapps.is_empty() {
            return Ok(decision);
        }
        let context = HookContext {
            org: org.as_str().to_owned(),
            lead: self.lead.clone(),
            history: self.history.clone(),
            activity_code: input.activity_code,
            user: input.user.clone(),
            user_location: input.user_location,
            now,
        };
        let answers = ask_all(&tenant_lapps()?, &lapps, &context);
        Ok(with_lapp_outcomes(decision, answers))
    }
}

/// `POST /validate`: 200 with the decision (allowed or not).
pub async fn validate(body: &[u8], org: &OrgId) -> Result<Response, Failure> {
    let body: MeetingBody = json_body(body)?;
    let store = Store::open()?;
    let backend = Backend::choose(&store, org)?;
    let facts = facts(
        &store,
        org,
        &backend,
        &body.lead,
        &body.user,
        body.activity_code,
        None,
    )
    .await?;
    let decision = facts.decide(org, &facts.input(&body), now()?)?;
    Ok(json(200, &decision))
}
