//! The recording session on the phone, persisted as JSON between app runs.

use recrules_sdk::session::{Event, Session};
use wasm_bindgen::prelude::*;

use crate::convert::{error, to_js, Arg};

/// A recording session for one lead and entry (rule 18): fed the app's events,
/// it says what to keep, discard and post, and lists the pending recordings.
/// `state()` (also `JSON.stringify(session)`) is the JSON to persist;
/// `RecordingSession.resume(state)` continues it after a restart. It lives
/// in the rules' memory: call `free()` when the meeting's screen goes away
/// (engines without `FinalizationRegistry` never free a forgotten one).
#[wasm_bindgen]
pub struct RecordingSession {
    inner: Session,
}

#[wasm_bindgen]
impl RecordingSession {
    /// A new, idle, online session.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Platform")] platform: JsValue,
        #[wasm_bindgen(js_name = leadId, unchecked_param_type = "string")] lead_id: JsValue,
        #[wasm_bindgen(js_name = activityCode, unchecked_param_type = "EventCode")]
        activity_code: JsValue,
        #[wasm_bindgen(js_name = taskId, unchecked_optional_param_type = "string | null")] task_id: JsValue,
    ) -> Result<RecordingSession, JsValue> {
        const F: &str = "new RecordingSession";
        Ok(RecordingSession {
            inner: Session::new(
                Arg::new(F, "platform").read(&platform)?,
                Arg::new(F, "leadId").text(&lead_id)?,
                Arg::new(F, "activityCode").read(&activity_code)?,
                Arg::new(F, "taskId").optional(&task_id)?,
            ),
        })
    }

    /// Continues a session from its persisted state: the object `state()`
    /// gave, or its JSON text.
    #[wasm_bindgen(unchecked_return_type = "RecordingSession")]
    pub fn resume(
        #[wasm_bindgen(unchecked_param_type = "Session | string")] state: JsValue,
    ) -> Result<RecordingSession, JsValue> {
        let arg = Arg::new("RecordingSession.resume", "state");
        let inner = match state.as_string() {
            Some(text) => arg.parse(&text)?,
            None => arg.read(&state)?,
        };
        Ok(RecordingSession { inner })
    }

    /// Applies one event and gives what the app must do. A refused event
    /// leaves the session as it was and throws an `Error` whose `code` is the
    /// refusal's code (`not_now`, `too_many_recordings`, `bad_id`,
    /// `out_of_order`) and whose `detail` is the refusal as JSON.
    #[wasm_bindgen(unchecked_return_type = "Effect[]")]
    pub fn apply(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Event")] event: JsValue,
    ) -> Result<JsValue, JsValue> {
        let event: Event = Arg::new("RecordingSession.apply", "event").read(&event)?;
        match self.inner.apply(&event) {
            Ok(effects) => to_js(&effects),
            Err(refusal) => {
                let thrown = error(&format!("RecordingSession.apply: {refusal}"));
                let detail = to_js(&refusal)?;
                let code = js_sys::Reflect::get(&detail, &"error".into())?;
                js_sys::Reflect::set(&thrown, &"code".into(), &code)?;
                js_sys::Reflect::set(&thrown, &"detail".into(), &detail)?;
                Err(thrown)
            }
        }
    }

    /// The files kept and not yet posted, with why each is pending.
    #[wasm_bindgen(unchecked_return_type = "PendingRecording[]")]
    pub fn pending(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.pending())
    }

    /// The session's state in one word.
    #[wasm_bindgen(unchecked_return_type = "\"idle\" | \"recording\" | \"paused\" | \"posted\"")]
    pub fn status(&self) -> String {
        self.inner.state().to_owned()
    }

    /// Whether the task stays open: it does until its activity is posted.
    #[wasm_bindgen(js_name = taskOpen)]
    pub fn task_open(&self) -> bool {
        self.inner.task_open()
    }

    /// The whole session as JSON, to persist and `resume` from.
    #[wasm_bindgen(unchecked_return_type = "Session")]
    pub fn state(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner)
    }

    /// The same as `state()`, so `JSON.stringify(session)` gives the state.
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "Session")]
    pub fn to_json(&self) -> Result<JsValue, JsValue> {
        self.state()
    }
}
