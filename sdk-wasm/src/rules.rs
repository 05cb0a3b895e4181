//! The settings checker, the precheck before a recording and the End plan.

use recrules_sdk::lead::{Activity, EventCode, IndexedHistory, Lead};
use recrules_sdk::plan::{self, EndAnswer, EndInput};
use recrules_sdk::settings::{self, Settings};
use recrules_sdk::time::{Instant, Stamp};
use recrules_sdk::validate::{Asked, Decision, Evaluation, PrecheckInput};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use crate::convert::{to_js, whole_millis, whole_number, Arg};

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
        #[wasm_bindgen(unchecked_param_type = "PrecheckInput")] input: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "Instant | Date | number")] now: &JsValue,
    ) -> Result<PrecheckDecision, JsValue> {
        const F: &str = "Rules.precheck";
        let input: PrecheckInput = Arg::new(F, "input").read(input)?;
        let now = Arg::new(F, "now").stamp(now)?;
        Ok(self.decision(lead, Asked::new(&input, now)))
    }

    /// [`Rules::precheck`] with the input's fields as arguments (no
    /// `user_location`; with one, use `precheck`), which costs no JSON:
    /// `otpVerifiedAt` is when this user verified an unused OTP, if they did.
    /// `user` must be a string; no validation reads it, so it is not copied.
    #[wasm_bindgen(js_name = precheckFor)]
    pub fn precheck_for(
        &self,
        lead: &LeadHistory,
        #[wasm_bindgen(js_name = activityCode)] activity_code: u32,
        #[wasm_bindgen(unchecked_param_type = "string")] user: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "Instant | Date | number")] now: &JsValue,
        #[wasm_bindgen(js_name = otpVerifiedAt, unchecked_optional_param_type = "Instant | Date | number | null")]
        otp_verified_at: &JsValue,
    ) -> Result<PrecheckDecision, JsValue> {
        let asked = asked(
            "Rules.precheckFor",
            activity_code,
            user,
            now,
            otp_verified_at,
        )?;
        Ok(self.decision(lead, asked))
    }

    /// [`Rules::precheck_for`] into a decision the app already holds, which it
    /// replaces: for an app that decides again and again (each clock tick, each
    /// new activity), no new JS object, no garbage and no allocation per
    /// decision, and no text made until one is read. On an error `decision` is
    /// left as it was.
    #[wasm_bindgen(js_name = precheckInto)]
    pub fn precheck_into(
        &self,
        decision: &mut PrecheckDecision,
        lead: &LeadHistory,
        #[wasm_bindgen(js_name = activityCode)] activity_code: u32,
        #[wasm_bindgen(unchecked_param_type = "string")] user: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "Instant | Date | number")] now: &JsValue,
        #[wasm_bindgen(js_name = otpVerifiedAt, unchecked_optional_param_type = "Instant | Date | number | null")]
        otp_verified_at: &JsValue,
    ) -> Result<(), JsValue> {
        const F: &str = "Rules.precheckInto";
        // The common case read here rather than through `asked`, whose
        // `Result` would cost a copy more on a phone without WebAssembly.
        let asked = match asked_plainly(activity_code, user, now, otp_verified_at) {
            Some(asked) => asked,
            None => asked_otherwise(F, activity_code, user, now, otp_verified_at)?,
        };
        let same_settings = decision
            .settings
            .as_ref()
            .is_some_and(|s| Rc::ptr_eq(s, &self.settings));
        // The same settings and history, and a moment the figures still hold at.
        let current = decision.current;
        if same_settings
            && decision.version == lead.version
            && decision.evaluations[current].advance_to(&asked)
        {
            return Ok(());
        }
        // Evaluated into the memory of the evaluation before, in place.
        let [first, second] = &mut decision.evaluations;
        let (last, next) = if current == 0 {
            (&*first, second)
        } else {
            (&*second, first)
        };
        next.evaluate(&self.settings, &lead.lead, &lead.history, asked);
        if !(same_settings && next.fails_alike(last)) {
            *decision.lists.get_mut() = None;
        }
        if !same_settings {
            decision.settings = Some(self.settings.clone());
        }
        decision.current ^= 1;
        decision.version = lead.version;
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
        #[wasm_bindgen(unchecked_param_type = "string")] user: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "Instant | Date | number")] now: &JsValue,
        #[wasm_bindgen(js_name = otpVerifiedAt, unchecked_optional_param_type = "Instant | Date | number | null")]
        otp_verified_at: &JsValue,
    ) -> Result<JsValue, JsValue> {
        let asked = asked("Rules.decide", activity_code, user, now, otp_verified_at)?;
        self.decision(lead, asked).verdict()
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

    /// The device's decision in its JSON form (`validate::precheck_on_device`)
    /// with the arguments of `func`.
    fn decide_json(
        &self,
        func: &'static str,
        lead: &LeadHistory,
        input: &JsValue,
        now: &JsValue,
    ) -> Result<JsValue, JsValue> {
        let input: PrecheckInput = Arg::new(func, "input").read(input)?;
        let now = Arg::new(func, "now").stamp(now)?;
        self.decision(lead, Asked::new(&input, now)).to_json()
    }

    /// The device's decision on what was `asked`, kept as figures.
    fn decision(&self, lead: &LeadHistory, asked: Asked) -> PrecheckDecision {
        PrecheckDecision {
            settings: Some(self.settings.clone()),
            evaluations: [
                Evaluation::new(&self.settings, &lead.lead, &lead.history, asked),
                Evaluation::default(),
            ],
            current: 0,
            version: lead.version,
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
            &lead.history.activities(),
            &input,
            now,
        );
        to_js(&EndAnswer::from(result))
    }
}

/// What `func` (`precheckFor`, `precheckInto`, `decide`) is asked, from its
/// arguments: `user` only checked to be a string (no validation reads it),
/// the instants read as [`Stamp`]s (a number costs no date arithmetic).
fn asked(
    func: &'static str,
    activity_code: EventCode,
    user: &JsValue,
    now: &JsValue,
    otp_verified_at: &JsValue,
) -> Result<Asked, JsValue> {
    match asked_plainly(activity_code, user, now, otp_verified_at) {
        Some(asked) => Ok(asked),
        None => asked_otherwise(func, activity_code, user, now, otp_verified_at),
    }
}

/// [`asked`] in any case, with the error that says what is wrong.
fn asked_otherwise(
    func: &'static str,
    activity_code: EventCode,
    user: &JsValue,
    now: &JsValue,
    otp_verified_at: &JsValue,
) -> Result<Asked, JsValue> {
    Arg::new(func, "user").is_text(user)?;
    let otp_verified_at = Arg::new(func, "otpVerifiedAt").optional_stamp(otp_verified_at)?;
    Ok(Asked {
        activity_code,
        user_location: None,
        otp_verified_at,
        now: Arg::new(func, "now").stamp(now)?,
    })
}

/// [`asked`] in the common case, an app deciding each second: a string
/// `user`, and instants as whole numbers of milliseconds (`Date.now()`) or
/// no `otpVerifiedAt`; `None` otherwise. No error is made ready on this way,
/// which on an engine without WebAssembly costs more than the rest.
#[inline(always)]
fn asked_plainly(
    activity_code: EventCode,
    user: &JsValue,
    now: &JsValue,
    otp_verified_at: &JsValue,
) -> Option<Asked> {
    if !user.is_string() {
        return None;
    }
    let now = whole_number(now);
    let otp = whole_number(otp_verified_at);
    if otp.is_nan() && !otp_verified_at.is_null_or_undefined() {
        return None;
    }
    Some(Asked {
        activity_code,
        user_location: None,
        otp_verified_at: if otp.is_nan() {
            None
        } else {
            Some(Stamp::from_millis(otp)?)
        },
        now: Stamp::from_millis(now)?,
    })
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
    /// Which lead and activities these are: another number for every
    /// history made and every activity appended, so that a held decision
    /// knows it was made from these ([`Rules::precheck_into`]).
    version: u64,
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
        created_on: &[f64],
        #[wasm_bindgen(unchecked_optional_param_type = "string[] | null")] ids: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "(string | null)[] | null")] users: JsValue,
    ) -> Result<LeadHistory, JsValue> {
        const F: &str = "LeadHistory.fromColumns";
        let lead: Lead = Arg::new(F, "lead").read(&lead)?;
        let history = columns(F, "", event_codes, created_on, &ids, &users)?;
        Ok(LeadHistory::of(lead, history))
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
        self.version = next_version();
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
        self.history.len()
    }
}

impl LeadHistory {
    /// `lead` and `history`, with a new version.
    fn of(lead: Lead, history: IndexedHistory) -> LeadHistory {
        LeadHistory {
            lead,
            history,
            version: next_version(),
        }
    }

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
                &js_sys::Float64Array::new(&times).to_vec(),
                &field("ids")?,
                &field("users")?,
            )?;
            return Ok(LeadHistory::of(lead, history));
        }
        let history =
            IndexedHistory::from_activities(Arg::new(func, "history").read_list(history)?);
        Ok(LeadHistory::of(lead, history))
    }
}

/// A history given as columns (`LeadHistory.fromColumns`, `ActivityColumns`);
/// `prefix` goes before the columns' names in errors. No value is made per
/// activity but its code and [`Stamp`] (and its id and user, where given).
fn columns(
    func: &'static str,
    prefix: &'static str,
    event_codes: Vec<u32>,
    created_on: &[f64],
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
    let mut created = Vec::with_capacity(n);
    for (i, &ms) in created_on.iter().enumerate() {
        match Stamp::from_millis(ms) {
            Some(at) => created.push(at),
            None => return Err(millis_error(Arg::new(func, name("createdOn")), i, ms)),
        }
    }
    Ok(IndexedHistory::from_columns(
        event_codes,
        created,
        ids.into_iter().map(Option::unwrap_or_default).collect(),
        users,
    ))
}

/// What is wrong with `ms`, the `index`-th instant of a column of milliseconds.
fn millis_error(arg: Arg, index: usize, ms: f64) -> JsValue {
    if whole_millis(ms) {
        arg.error(format!("is out of range at `[{index}]`"))
    } else {
        arg.error(format!(
            "is not valid at `[{index}]`: must be whole milliseconds since 1970"
        ))
    }
}

/// An optional column of `n` texts (`null` items allowed when `nullable`):
/// empty when not given.
fn texts(
    arg: Arg,
    value: &JsValue,
    n: usize,
    nullable: bool,
) -> Result<Vec<Option<String>>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
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
    Ok(out)
}

/// A device's precheck decision, held in wasm memory and read field by field
/// (no JSON unless asked). `toJSON()` gives the whole `Decision`, so
/// `JSON.stringify(decision)` is its stable JSON form. It lives in the rules'
/// memory: call `free()` when done. Engines without `FinalizationRegistry`
/// (Hermes before its 2026-03 line, so React Native apps on them) never free
/// a forgotten one: hold one (`new PrecheckDecision()`) and decide into it
/// again (`Rules.precheckInto`), or take a plain `Verdict` (`Rules.decide`).
///
/// It keeps the decision's figures (the sdk's `Evaluation`): `allowed` and
/// `failureCount` read them; the texts are made from them and the settings
/// when read (`failedRules`, `failureMessages`: kept while the same rules
/// fail with the same messages; `failures`, `toJSON()`: made on each read).
#[wasm_bindgen]
pub struct PrecheckDecision {
    /// The settings it was decided with; `None` until decided.
    settings: Option<Rc<Settings>>,
    /// The decision's evaluation (`evaluations[current]`), and the one
    /// before, whose memory `precheckInto` evaluates into.
    evaluations: [Evaluation; 2],
    current: usize,
    /// The `LeadHistory::version` the evaluation was made from.
    version: u64,
    /// `failedRules` and `failureMessages` as JS arrays, and their length,
    /// made on the first read and kept while a new decision fails the same
    /// rules with the same messages (an app deciding again each second reads
    /// the same lists).
    lists: RefCell<Option<([js_sys::Array; 2], u32)>>,
}

#[wasm_bindgen]
impl PrecheckDecision {
    /// A decision not made yet, to decide into with `Rules.precheckInto`:
    /// until then `allowed` is false and it lists no failure.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> PrecheckDecision {
        PrecheckDecision {
            settings: None,
            evaluations: Default::default(),
            current: 0,
            version: u64::MAX,
            lists: RefCell::new(None),
        }
    }

    /// True when no validation failed.
    #[wasm_bindgen(getter)]
    pub fn allowed(&self) -> bool {
        self.settings.is_some() && self.evaluation().allowed()
    }

    /// True: a decision taken on the device; the server decides again (rule 14).
    #[wasm_bindgen(getter)]
    pub fn provisional(&self) -> bool {
        true
    }

    /// How many validations failed.
    #[wasm_bindgen(getter, js_name = failureCount)]
    pub fn failure_count(&self) -> usize {
        self.evaluation().failures().count()
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
        self.settings.as_ref()?.message.clone()
    }

    /// The lead's phone fields an OTP may be sent to (only with `OTPValidation`).
    #[wasm_bindgen(getter, js_name = otpPhones, unchecked_return_type = "string[] | undefined")]
    pub fn otp_phones(&self) -> JsValue {
        self.phones().map_or(JsValue::UNDEFINED, JsValue::from)
    }

    /// Every failed validation, with what it found (`Decision.failures`).
    #[wasm_bindgen(getter, unchecked_return_type = "Check[]")]
    pub fn failures(&self) -> Result<JsValue, JsValue> {
        to_js(&self.decision().failures)
    }

    /// The whole decision in its stable JSON form.
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "Decision")]
    pub fn to_json(&self) -> Result<JsValue, JsValue> {
        to_js(&self.decision())
    }
}

impl PrecheckDecision {
    /// The decision's evaluation.
    fn evaluation(&self) -> &Evaluation {
        &self.evaluations[self.current]
    }

    /// The decision in words (the sdk's `precheck_on_device`).
    fn decision(&self) -> Decision {
        match &self.settings {
            Some(settings) => Decision {
                provisional: true,
                ..self.evaluation().explain(settings)
            },
            None => Decision {
                allowed: false,
                provisional: true,
                evaluated_at: Instant::UNIX_EPOCH,
                entry: None,
                message: None,
                otp_phones: None,
                failures: Vec::new(),
                passed: Vec::new(),
            },
        }
    }

    /// The phones an OTP may be sent to, as a JS array (only with `OTPValidation`).
    fn phones(&self) -> Option<js_sys::Array> {
        let phones = self.evaluation().otp_phones(self.settings.as_ref()?)?;
        Some(phones.map(JsValue::from_str).collect())
    }

    /// A copy of the kept list `which` (0: the failed rules, 1: their
    /// messages), made first if needed.
    fn list(&self, which: usize) -> js_sys::Array {
        let mut lists = self.lists.borrow_mut();
        let (lists, length) = lists.get_or_insert_with(|| {
            let (rules, messages) = (js_sys::Array::new(), js_sys::Array::new());
            let mut length = 0;
            if let Some(settings) = &self.settings {
                let evaluation = self.evaluation();
                for failure in evaluation.failures() {
                    rules.push(&JsValue::from_str(failure.figures.rule().name()));
                    messages.push(&JsValue::from_str(&evaluation.message(failure, settings)));
                    length += 1;
                }
            }
            ([rules, messages], length)
        });
        lists[which].slice(0, *length)
    }

    /// The decision as a plain `Verdict` object.
    fn verdict(&self) -> Result<JsValue, JsValue> {
        let out = js_sys::Object::new();
        VERDICT_KEYS.with(|[allowed, rules, messages, message, phones]| {
            js_sys::Reflect::set(&out, allowed, &JsValue::from_bool(self.allowed()))?;
            js_sys::Reflect::set(&out, rules, &self.failed_rules())?;
            js_sys::Reflect::set(&out, messages, &self.failure_messages())?;
            if let Some(text) = self.settings.as_ref().and_then(|s| s.message.as_deref()) {
                js_sys::Reflect::set(&out, message, &JsValue::from_str(text))?;
            }
            if let Some(list) = self.phones() {
                js_sys::Reflect::set(&out, phones, &list)?;
            }
            Ok(out.into())
        })
    }
}

/// A number no history had before (see `LeadHistory::version`).
fn next_version() -> u64 {
    VERSIONS.with(|next| {
        let version = next.get();
        next.set(version + 1);
        version
    })
}

thread_local! {
    /// The next `LeadHistory::version`.
    static VERSIONS: Cell<u64> = const { Cell::new(0) };
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
