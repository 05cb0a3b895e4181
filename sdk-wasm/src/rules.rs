//! The settings checker, the precheck before a recording and the End plan.

use recrules_sdk::lead::{Activity, Lead};
use recrules_sdk::plan::{self, EndAnswer, EndInput};
use recrules_sdk::settings::{self, Settings};
use recrules_sdk::time::Instant;
use recrules_sdk::validate::{self, Check, Decision, PrecheckInput};
use wasm_bindgen::prelude::*;

use crate::convert::{to_js, Arg};

/// Checks a settings JSON text (rules 1 to 7): every error and warning with
/// its JSON path, line and column, and the settings when they are valid.
#[wasm_bindgen(js_name = checkSettings, unchecked_return_type = "CheckReport")]
pub fn check_settings(
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
) -> Result<JsValue, JsValue> {
    let text = Arg::new("checkSettings", "text").text(&text)?;
    to_js(&settings::check_settings(&text))
}

/// The device's decision whether a recording may begin: every validation of
/// the entry, evaluated at `now`, flagged `provisional` (the server decides
/// again, rule 14). For many decisions, keep a [`Rules`] and a [`LeadHistory`].
#[wasm_bindgen(unchecked_return_type = "Decision")]
pub fn precheck(
    #[wasm_bindgen(unchecked_param_type = "Settings | string")] settings: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Lead")] lead: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Activity[]")] history: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PrecheckInput")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Instant | Date | number")] now: JsValue,
) -> Result<JsValue, JsValue> {
    const F: &str = "precheck";
    let rules = Rules::read(F, &settings)?;
    rules.decide(F, &LeadHistory::read(F, &lead, &history)?, &input, &now)
}

/// The End activity to post, or why it is refused, in the stable JSON form
/// (`{"ok": true, ...}` or `{"ok": false, "error": CODE, "message": ...}`).
#[wasm_bindgen(js_name = planEnd, unchecked_return_type = "EndAnswer")]
pub fn plan_end(
    #[wasm_bindgen(unchecked_param_type = "Settings | string")] settings: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Lead")] lead: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Activity[]")] history: JsValue,
    #[wasm_bindgen(unchecked_param_type = "EndInput")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Instant | Date | number")] now: JsValue,
) -> Result<JsValue, JsValue> {
    const F: &str = "planEnd";
    let rules = Rules::read(F, &settings)?;
    rules.end(F, &LeadHistory::read(F, &lead, &history)?, &input, &now)
}

/// An account's settings, checked once, for many decisions.
#[wasm_bindgen]
pub struct Rules {
    settings: Settings,
}

#[wasm_bindgen]
impl Rules {
    /// Checks the settings: a settings JSON text, or its object (such as
    /// `checkSettings(text).settings`). Throws when they hold an error.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Settings | string")] settings: JsValue,
    ) -> Result<Rules, JsValue> {
        Self::read("new Rules", &settings)
    }

    /// The settings as checked and normalised.
    #[wasm_bindgen(getter, unchecked_return_type = "Settings")]
    pub fn settings(&self) -> Result<JsValue, JsValue> {
        to_js(&self.settings)
    }

    /// The device's decision for a recording with `lead`, flagged `provisional`,
    /// read lazily: `allowed`, `failedRules`, `failureMessages`... cost no
    /// JSON; `toJSON()` (so `JSON.stringify(decision)`) gives the `Decision`.
    /// `now` may be a number of milliseconds since 1970 (`Date.now()`).
    pub fn precheck(
        &self,
        lead: &LeadHistory,
        #[wasm_bindgen(unchecked_param_type = "PrecheckInput")] input: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Instant | Date | number")] now: JsValue,
    ) -> Result<PrecheckDecision, JsValue> {
        const F: &str = "Rules.precheck";
        let input: PrecheckInput = Arg::new(F, "input").read(&input)?;
        Ok(self.decision(lead, &input, Arg::new(F, "now").instant(&now)?))
    }

    /// [`Rules::precheck`] with the input's fields as arguments (no
    /// `user_location`; with one, use `precheck`), which costs no JSON:
    /// `otpVerifiedAt` is when this user verified an unused OTP, if they did.
    #[wasm_bindgen(js_name = precheckFor)]
    pub fn precheck_for(
        &self,
        lead: &LeadHistory,
        #[wasm_bindgen(js_name = activityCode)] activity_code: u32,
        user: String,
        #[wasm_bindgen(unchecked_param_type = "Instant | Date | number")] now: JsValue,
        #[wasm_bindgen(js_name = otpVerifiedAt, unchecked_optional_param_type = "Instant | Date | number | null")]
        otp_verified_at: JsValue,
    ) -> Result<PrecheckDecision, JsValue> {
        let input = PrecheckInput {
            activity_code,
            user,
            user_location: None,
            otp_verified_at: None,
        };
        self.decision_for("Rules.precheckFor", lead, input, &now, &otp_verified_at)
    }

    /// [`Rules::precheck_for`] into a decision the app already holds, which it
    /// replaces: for an app that decides again and again (each clock tick, each
    /// new activity), no new JS object and no garbage per decision. On an
    /// error `decision` is left as it was.
    #[wasm_bindgen(js_name = precheckInto)]
    pub fn precheck_into(
        &self,
        decision: &mut PrecheckDecision,
        lead: &LeadHistory,
        #[wasm_bindgen(js_name = activityCode)] activity_code: u32,
        user: String,
        #[wasm_bindgen(unchecked_param_type = "Instant | Date | number")] now: JsValue,
        #[wasm_bindgen(js_name = otpVerifiedAt, unchecked_optional_param_type = "Instant | Date | number | null")]
        otp_verified_at: JsValue,
    ) -> Result<(), JsValue> {
        let input = PrecheckInput {
            activity_code,
            user,
            user_location: None,
            otp_verified_at: None,
        };
        *decision = self.decision_for("Rules.precheckInto", lead, input, &now, &otp_verified_at)?;
        Ok(())
    }

    /// The End activity to post for `lead`, or why it is refused.
    #[wasm_bindgen(js_name = planEnd, unchecked_return_type = "EndAnswer")]
    pub fn plan_end(
        &self,
        lead: &LeadHistory,
        #[wasm_bindgen(unchecked_param_type = "EndInput")] input: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Instant | Date | number")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        self.end("Rules.planEnd", lead, &input, &now)
    }
}

impl Rules {
    /// Reads and checks the `settings` argument of `func`.
    fn read(func: &'static str, value: &JsValue) -> Result<Rules, JsValue> {
        let arg = Arg::new(func, "settings");
        let text = match value.as_string() {
            Some(text) => text,
            None => arg.json(value)?,
        };
        let report = settings::check_settings(&text);
        match report.settings {
            Some(settings) => Ok(Rules { settings }),
            None => {
                let errors: Vec<String> = report.errors().map(ToString::to_string).collect();
                Err(arg.error(format!("holds invalid settings: {}", errors.join("; "))))
            }
        }
    }

    /// [`validate::precheck_on_device`] with the arguments of `func`.
    fn decide(
        &self,
        func: &'static str,
        lead: &LeadHistory,
        input: &JsValue,
        now: &JsValue,
    ) -> Result<JsValue, JsValue> {
        let input: PrecheckInput = Arg::new(func, "input").read(input)?;
        let now = Arg::new(func, "now").instant(now)?;
        to_js(&validate::precheck_on_device(
            &self.settings,
            &lead.lead,
            &lead.history,
            &input,
            now,
        ))
    }

    /// The decision of `func` (`precheckFor`, `precheckInto`): `input` without
    /// its `otp_verified_at`, read from `otp_verified_at` with `now`.
    fn decision_for(
        &self,
        func: &'static str,
        lead: &LeadHistory,
        mut input: PrecheckInput,
        now: &JsValue,
        otp_verified_at: &JsValue,
    ) -> Result<PrecheckDecision, JsValue> {
        if !(otp_verified_at.is_undefined() || otp_verified_at.is_null()) {
            input.otp_verified_at = Some(Arg::new(func, "otpVerifiedAt").instant(otp_verified_at)?);
        }
        Ok(self.decision(lead, &input, Arg::new(func, "now").instant(now)?))
    }

    /// [`validate::precheck_on_device`], kept as a Rust value.
    fn decision(
        &self,
        lead: &LeadHistory,
        input: &PrecheckInput,
        now: Instant,
    ) -> PrecheckDecision {
        PrecheckDecision {
            inner: validate::precheck_on_device(
                &self.settings,
                &lead.lead,
                &lead.history,
                input,
                now,
            ),
        }
    }

    /// [`plan::plan_end`] with the arguments of `func`, as an [`EndAnswer`].
    fn end(
        &self,
        func: &'static str,
        lead: &LeadHistory,
        input: &JsValue,
        now: &JsValue,
    ) -> Result<JsValue, JsValue> {
        let input: EndInput = Arg::new(func, "input").read(input)?;
        let now = Arg::new(func, "now").instant(now)?;
        let result = plan::plan_end(&self.settings, &lead.lead, &lead.history, &input, now);
        to_js(&EndAnswer::from(result))
    }
}

/// A lead and its activities, read once, for many decisions.
#[wasm_bindgen]
pub struct LeadHistory {
    lead: Lead,
    history: Vec<Activity>,
}

#[wasm_bindgen]
impl LeadHistory {
    /// Reads a lead and its activities (Starts and Ends included).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Lead")] lead: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Activity[]")] history: JsValue,
    ) -> Result<LeadHistory, JsValue> {
        Self::read("new LeadHistory", &lead, &history)
    }
}

impl LeadHistory {
    /// Reads the `lead` and `history` arguments of `func`.
    fn read(func: &'static str, lead: &JsValue, history: &JsValue) -> Result<LeadHistory, JsValue> {
        Ok(LeadHistory {
            lead: Arg::new(func, "lead").read(lead)?,
            history: Arg::new(func, "history").read_list(history)?,
        })
    }
}

/// A device's precheck decision, held in wasm memory and read field by field
/// (no JSON unless asked). `toJSON()` gives the whole `Decision`, so
/// `JSON.stringify(decision)` is its stable JSON form. Call `free()` when
/// done to release it at once (the garbage collector does it otherwise).
#[wasm_bindgen]
pub struct PrecheckDecision {
    inner: Decision,
}

#[wasm_bindgen]
impl PrecheckDecision {
    /// True when no validation failed.
    #[wasm_bindgen(getter)]
    pub fn allowed(&self) -> bool {
        self.inner.allowed
    }

    /// True: a decision taken on the device; the server decides again (rule 14).
    #[wasm_bindgen(getter)]
    pub fn provisional(&self) -> bool {
        self.inner.provisional
    }

    /// How many validations failed.
    #[wasm_bindgen(getter, js_name = failureCount)]
    pub fn failure_count(&self) -> usize {
        self.inner.failures.len()
    }

    /// The rules that failed, by their settings names, in the order of rule 13.
    #[wasm_bindgen(getter, js_name = failedRules, unchecked_return_type = "Rule[]")]
    pub fn failed_rules(&self) -> js_sys::Array {
        self.inner
            .failures
            .iter()
            .map(|c| JsValue::from(rule_name(c)))
            .collect()
    }

    /// What the user is shown for each failure, in the same order.
    #[wasm_bindgen(getter, js_name = failureMessages, unchecked_return_type = "string[]")]
    pub fn failure_messages(&self) -> js_sys::Array {
        self.inner
            .failures
            .iter()
            .map(|c| JsValue::from_str(&c.message))
            .collect()
    }

    /// The account's message shown before the recording begins.
    #[wasm_bindgen(getter)]
    pub fn message(&self) -> Option<String> {
        self.inner.message.clone()
    }

    /// The lead's phone fields an OTP may be sent to (only with `OTPValidation`).
    #[wasm_bindgen(getter, js_name = otpPhones)]
    pub fn otp_phones(&self) -> Option<Vec<String>> {
        self.inner.otp_phones.clone()
    }

    /// Every failed validation, with what it found (`Decision.failures`).
    #[wasm_bindgen(getter, unchecked_return_type = "Check[]")]
    pub fn failures(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.failures)
    }

    /// The whole decision in its stable JSON form.
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "Decision")]
    pub fn to_json(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner)
    }
}

/// A check's rule by its settings name, as in the JSON form.
fn rule_name(check: &Check) -> String {
    match serde_json::to_value(check.rule) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}
