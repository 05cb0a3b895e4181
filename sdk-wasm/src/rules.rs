//! The settings checker, the precheck before a recording and the End plan.

use recrules_sdk::lead::{Activity, IndexedHistory, Lead};
use recrules_sdk::plan::{self, EndAnswer, EndInput};
use recrules_sdk::settings::{self, Settings};
use recrules_sdk::time::Instant;
use recrules_sdk::validate::{self, Decision, PrecheckInput};
use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use crate::convert::{from_millis, to_js, whole_millis, Arg};

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
/// again, rule 14). A plain object, nothing to free. The history may be
/// given as columns (`ActivityColumns`), much faster than objects on
/// Hermes; the settings text given last is not read again.
/// For many decisions, keep a [`Rules`] and a [`LeadHistory`].
#[wasm_bindgen(unchecked_return_type = "Decision")]
pub fn precheck(
    #[wasm_bindgen(unchecked_param_type = "Settings | string")] settings: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Lead")] lead: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Activity[] | ActivityColumns")] history: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PrecheckInput")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Instant | Date | number")] now: JsValue,
) -> Result<JsValue, JsValue> {
    const F: &str = "precheck";
    let rules = Rules::read(F, &settings)?;
    rules.decide_json(F, &LeadHistory::read(F, &lead, &history)?, &input, &now)
}

/// The End activity to post, or why it is refused, in the stable JSON form
/// (`{"ok": true, ...}` or `{"ok": false, "error": CODE, "message": ...}`).
#[wasm_bindgen(js_name = planEnd, unchecked_return_type = "EndAnswer")]
pub fn plan_end(
    #[wasm_bindgen(unchecked_param_type = "Settings | string")] settings: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Lead")] lead: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Activity[] | ActivityColumns")] history: JsValue,
    #[wasm_bindgen(unchecked_param_type = "EndInput")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Instant | Date | number")] now: JsValue,
) -> Result<JsValue, JsValue> {
    const F: &str = "planEnd";
    let rules = Rules::read(F, &settings)?;
    rules.end(F, &LeadHistory::read(F, &lead, &history)?, &input, &now)
}

/// An account's settings, checked once, for many decisions. It lives in the
/// rules' memory: keep one per account and call `free()` when it is replaced
/// (engines without `FinalizationRegistry` never free a forgotten one).
#[wasm_bindgen]
pub struct Rules {
    settings: Rc<Settings>,
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
        to_js(&*self.settings)
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
        let new = self.decision_for("Rules.precheckInto", lead, input, &now, &otp_verified_at)?;
        let same = |a: &Decision, b: &Decision| {
            a.failures.len() == b.failures.len()
                && a.failures
                    .iter()
                    .zip(&b.failures)
                    .all(|(x, y)| x.rule == y.rule && x.message == y.message)
        };
        let lists = if same(&decision.inner, &new.inner) {
            decision.lists.take()
        } else {
            None
        };
        decision.inner = new.inner;
        *decision.lists.borrow_mut() = lists;
        Ok(())
    }

    /// [`Rules::precheck_for`] as a plain object (`Verdict`: `allowed`,
    /// `failedRules`, `failureMessages`, `message`, `otpPhones`): nothing to
    /// free, so nothing to leak on engines without `FinalizationRegistry`.
    /// For the whole `Decision`, `precheckInto` a held `PrecheckDecision`.
    #[wasm_bindgen(unchecked_return_type = "Verdict")]
    pub fn decide(
        &self,
        lead: &LeadHistory,
        #[wasm_bindgen(js_name = activityCode)] activity_code: u32,
        user: String,
        #[wasm_bindgen(unchecked_param_type = "Instant | Date | number")] now: JsValue,
        #[wasm_bindgen(js_name = otpVerifiedAt, unchecked_optional_param_type = "Instant | Date | number | null")]
        otp_verified_at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let input = PrecheckInput {
            activity_code,
            user,
            user_location: None,
            otp_verified_at: None,
        };
        let decision = self.decision_for("Rules.decide", lead, input, &now, &otp_verified_at)?;
        decision.verdict()
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
    /// Reads and checks the `settings` argument of `func`. A settings text
    /// equal to the one read last is not read again (the one-shot functions
    /// are given the same settings on every call).
    fn read(func: &'static str, value: &JsValue) -> Result<Rules, JsValue> {
        let arg = Arg::new(func, "settings");
        let is_text = value.is_string();
        if is_text {
            let last = LAST_SETTINGS.with(|last| {
                let last = last.borrow();
                match &*last {
                    Some((text, settings)) if js_sys::Object::is(text, value) => {
                        Some(settings.clone())
                    }
                    _ => None,
                }
            });
            if let Some(settings) = last {
                return Ok(Rules { settings });
            }
        }
        let text = match value.as_string() {
            Some(text) => text,
            None => arg.json(value)?,
        };
        let report = settings::check_settings(&text);
        match report.settings {
            Some(settings) => {
                let settings = Rc::new(settings);
                if is_text {
                    LAST_SETTINGS
                        .with(|last| *last.borrow_mut() = Some((value.clone(), settings.clone())));
                }
                Ok(Rules { settings })
            }
            None => {
                let errors: Vec<String> = report.errors().map(ToString::to_string).collect();
                Err(arg.error(format!("holds invalid settings: {}", errors.join("; "))))
            }
        }
    }

    /// [`validate::precheck_on_device`] with the arguments of `func`.
    fn decide_json(
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
            lists: RefCell::new(None),
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
        let result = plan::plan_end(
            &self.settings,
            &lead.lead,
            lead.history.activities(),
            &input,
            now,
        );
        to_js(&EndAnswer::from(result))
    }
}

/// A lead and its activities, read once, for many decisions, kept indexed by
/// activity code (a decision costs O(log n) in the history's length). Add
/// new activities with `append` rather than building it again. It lives in
/// the rules' memory: call `free()` when done with it. Engines without
/// `FinalizationRegistry` (Hermes before its 2026-03 line, so React Native
/// apps on them) never free a forgotten one: keep one per lead and reuse it.
#[wasm_bindgen]
pub struct LeadHistory {
    lead: Lead,
    history: IndexedHistory,
}

#[wasm_bindgen]
impl LeadHistory {
    /// Reads a lead and its activities (Starts and Ends included), as JSON
    /// objects. `LeadHistory.fromColumns` reads the same history faster.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Lead")] lead: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Activity[]")] history: JsValue,
    ) -> Result<LeadHistory, JsValue> {
        Self::read("new LeadHistory", &lead, &history)
    }

    /// A lead and its activities given as columns, the fast way (no JSON, no
    /// date text): each activity's code in `eventCodes`, and its creation in
    /// `createdOn`, as milliseconds since 1970 (`Date.parse(created_on)`),
    /// in the same order. `ids` and `users` (each activity's id and user, or
    /// `null`) are only read by `planEnd`, which pairs Starts with Ends: give
    /// them for it; without them every id is empty and every user unknown.
    #[wasm_bindgen(js_name = fromColumns)]
    pub fn from_columns(
        #[wasm_bindgen(unchecked_param_type = "Lead")] lead: JsValue,
        #[wasm_bindgen(js_name = eventCodes, unchecked_param_type = "Uint32Array | number[]")]
        event_codes: Vec<u32>,
        #[wasm_bindgen(js_name = createdOn, unchecked_param_type = "Float64Array | number[]")]
        created_on: Vec<f64>,
        #[wasm_bindgen(unchecked_optional_param_type = "string[] | null")] ids: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "(string | null)[] | null")] users: JsValue,
    ) -> Result<LeadHistory, JsValue> {
        const F: &str = "LeadHistory.fromColumns";
        let lead: Lead = Arg::new(F, "lead").read(&lead)?;
        let history = columns(F, "", event_codes, created_on, &ids, &users)?;
        Ok(LeadHistory { lead, history })
    }

    /// Adds one activity posted since: its code, its creation (milliseconds
    /// since 1970, a `Date` or an RFC 3339 string), and its id and user where
    /// `planEnd` needs them. Activities may come in any order.
    pub fn append(
        &mut self,
        #[wasm_bindgen(js_name = eventCode)] event_code: u32,
        #[wasm_bindgen(js_name = createdOn, unchecked_param_type = "Instant | Date | number")]
        created_on: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string | null")] id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string | null")] user: JsValue,
    ) -> Result<(), JsValue> {
        const F: &str = "LeadHistory.append";
        let created_on = Arg::new(F, "createdOn").instant(&created_on)?;
        let id = Arg::new(F, "id").optional_text(&id)?.unwrap_or_default();
        let user = Arg::new(F, "user").optional_text(&user)?;
        self.history.push(Activity {
            id,
            event_code,
            created_on,
            user,
        });
        Ok(())
    }

    /// How many activities the history holds.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.history.activities().len()
    }
}

impl LeadHistory {
    /// Reads the `lead` and `history` arguments of `func`: the history as a
    /// list of activities, or as columns (`ActivityColumns`).
    fn read(func: &'static str, lead: &JsValue, history: &JsValue) -> Result<LeadHistory, JsValue> {
        let lead = Arg::new(func, "lead").read(lead)?;
        if history.is_object() && !js_sys::Array::is_array(history) {
            let field = |name: &str| js_sys::Reflect::get(history, &JsValue::from_str(name));
            let codes = field("eventCodes")?;
            let times = field("createdOn")?;
            let history = columns(
                func,
                "history.",
                js_sys::Uint32Array::new(&codes).to_vec(),
                js_sys::Float64Array::new(&times).to_vec(),
                &field("ids")?,
                &field("users")?,
            )?;
            return Ok(LeadHistory { lead, history });
        }
        Ok(LeadHistory {
            lead,
            history: IndexedHistory::from_activities(Arg::new(func, "history").read_list(history)?),
        })
    }
}

/// A history given as columns (`LeadHistory.fromColumns`, `ActivityColumns`);
/// `prefix` goes before the columns' names in errors.
fn columns(
    func: &'static str,
    prefix: &'static str,
    event_codes: Vec<u32>,
    created_on: Vec<f64>,
    ids: &JsValue,
    users: &JsValue,
) -> Result<IndexedHistory, JsValue> {
    let name = |column: &'static str| -> &'static str {
        match (prefix.is_empty(), column) {
            (true, c) => c,
            (false, "createdOn") => "history.createdOn",
            (false, "ids") => "history.ids",
            (false, _) => "history.users",
        }
    };
    let n = event_codes.len();
    if created_on.len() != n {
        return Err(Arg::new(func, name("createdOn")).error(format!(
            "has {} items, `eventCodes` {n}: one of each per activity",
            created_on.len()
        )));
    }
    let ids = texts(Arg::new(func, name("ids")), ids, n, false)?;
    let users = texts(Arg::new(func, name("users")), users, n, true)?;
    let mut activities = Vec::with_capacity(n);
    for (i, (&event_code, &ms)) in event_codes.iter().zip(&created_on).enumerate() {
        let created_on = millis(Arg::new(func, name("createdOn")), i, ms)?;
        activities.push(Activity {
            id: ids.as_ref().and_then(|v| v[i].clone()).unwrap_or_default(),
            event_code,
            created_on,
            user: users.as_ref().and_then(|v| v[i].clone()),
        });
    }
    Ok(IndexedHistory::from_activities(activities))
}

/// The `index`-th instant of a column of milliseconds.
fn millis(arg: Arg, index: usize, ms: f64) -> Result<Instant, JsValue> {
    if !whole_millis(ms) {
        return Err(arg.error(format!(
            "is not valid at `[{index}]`: must be whole milliseconds since 1970"
        )));
    }
    from_millis(ms).ok_or_else(|| arg.error(format!("is out of range at `[{index}]`")))
}

/// An optional column of `n` texts (`null` items allowed when `nullable`).
fn texts(
    arg: Arg,
    value: &JsValue,
    n: usize,
    nullable: bool,
) -> Result<Option<Vec<Option<String>>>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    let Some(list) = value.dyn_ref::<js_sys::Array>() else {
        return Err(arg.error("must be an array"));
    };
    if list.length() as usize != n {
        return Err(arg.error(format!(
            "has {} items, `eventCodes` {n}: one per activity",
            list.length()
        )));
    }
    let mut out = Vec::with_capacity(n);
    for (i, item) in list.iter().enumerate() {
        if nullable && (item.is_null() || item.is_undefined()) {
            out.push(None);
            continue;
        }
        match item.as_string() {
            Some(text) => out.push(Some(text)),
            None => return Err(arg.error(format!("is not valid at `[{i}]`: must be a string"))),
        }
    }
    Ok(Some(out))
}

/// A device's precheck decision, held in wasm memory and read field by field
/// (no JSON unless asked). `toJSON()` gives the whole `Decision`, so
/// `JSON.stringify(decision)` is its stable JSON form. It lives in the rules'
/// memory: call `free()` when done. Engines without `FinalizationRegistry`
/// (Hermes before its 2026-03 line, so React Native apps on them) never free
/// a forgotten one: hold one (`new PrecheckDecision()`) and decide into it
/// again (`Rules.precheckInto`), or take a plain `Verdict` (`Rules.decide`).
#[wasm_bindgen]
pub struct PrecheckDecision {
    inner: Decision,
    /// `failedRules` and `failureMessages` as JS arrays, made on the first
    /// read and kept while a new decision fails the same rules with the same
    /// messages (an app deciding again each second reads the same lists).
    lists: RefCell<Option<[js_sys::Array; 2]>>,
}

#[wasm_bindgen]
impl PrecheckDecision {
    /// A decision not made yet, to decide into with `Rules.precheckInto`:
    /// until then `allowed` is false and it lists no failure.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> PrecheckDecision {
        PrecheckDecision {
            inner: Decision {
                allowed: false,
                provisional: true,
                evaluated_at: Instant::UNIX_EPOCH,
                entry: None,
                message: None,
                otp_phones: None,
                failures: Vec::new(),
                passed: Vec::new(),
            },
            lists: RefCell::new(None),
        }
    }

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
        self.list(0)
    }

    /// What the user is shown for each failure, in the same order.
    #[wasm_bindgen(getter, js_name = failureMessages, unchecked_return_type = "string[]")]
    pub fn failure_messages(&self) -> js_sys::Array {
        self.list(1)
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

    /// A copy of the kept list `which` (0: the failed rules, 1: their
    /// messages), made first if needed.
    fn list(&self, which: usize) -> js_sys::Array {
        let mut lists = self.lists.borrow_mut();
        let lists = lists.get_or_insert_with(|| {
            let failures = &self.inner.failures;
            [
                failures
                    .iter()
                    .map(|c| JsValue::from_str(c.rule.name()))
                    .collect(),
                failures
                    .iter()
                    .map(|c| JsValue::from_str(&c.message))
                    .collect(),
            ]
        });
        lists[which].slice(0, lists[which].length())
    }

    /// The decision as a plain `Verdict` object.
    fn verdict(&self) -> Result<JsValue, JsValue> {
        let out = js_sys::Object::new();
        VERDICT_KEYS.with(|[allowed, rules, messages, message, phones]| {
            js_sys::Reflect::set(&out, allowed, &JsValue::from_bool(self.inner.allowed))?;
            js_sys::Reflect::set(&out, rules, &self.failed_rules())?;
            js_sys::Reflect::set(&out, messages, &self.failure_messages())?;
            if let Some(text) = &self.inner.message {
                js_sys::Reflect::set(&out, message, &JsValue::from_str(text))?;
            }
            if let Some(list) = &self.inner.otp_phones {
                let list: js_sys::Array = list.iter().map(|p| JsValue::from_str(p)).collect();
                js_sys::Reflect::set(&out, phones, &list)?;
            }
            Ok(out.into())
        })
    }

    /// The whole decision in its stable JSON form.
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "Decision")]
    pub fn to_json(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner)
    }
}

thread_local! {
    /// The settings text read last, and its settings.
    static LAST_SETTINGS: RefCell<Option<(JsValue, Rc<Settings>)>> = const { RefCell::new(None) };
    /// The keys of a `Verdict`, made once as JS strings.
    static VERDICT_KEYS: [JsValue; 5] = [
        JsValue::from_str("allowed"),
        JsValue::from_str("failedRules"),
        JsValue::from_str("failureMessages"),
        JsValue::from_str("message"),
        JsValue::from_str("otpPhones"),
    ];
}
