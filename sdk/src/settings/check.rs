//! The settings checker: rules 1 to 7, every problem at once, each at its JSON path.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::diagnostic::Problem;
use super::keys as k;
use super::model::{
    CreationLimit, Entry, Geofence, LappEnv, LappRef, Mode, OtpValidation, PostedCount, Settings,
    Validations,
};
use super::reader::{describe, Reader};
use super::retention::retention_days;
use super::span::{item_path, member_path};
use crate::lead::EventCode;

/// Walks a parsed settings value. `codes` remembers where each event code was
/// first used, for rule 5.
pub(super) struct Checker {
    pub reader: Reader,
    codes: BTreeMap<EventCode, String>,
}

const MODE_HELP: &str = "use `SingleActivity` or `DualActivity` (`Single Activity` and `Dual Activity` are accepted too, in any letter case)";

impl Checker {
    pub fn new() -> Self {
        Self {
            reader: Reader::default(),
            codes: BTreeMap::new(),
        }
    }

    /// Checks the whole settings value; returns the model when every part could be read.
    pub fn settings(&mut self, value: &Value) -> Option<Settings> {
        let root = self.reader.object(value, "")?;
        self.reader.unknown_keys(root, "", &k::ROOT);
        let enabled = self
            .reader
            .required(
                root,
                "",
                k::RECORDING_ENABLED,
                Some("add `\"RecordingEnabled\": true` to turn recording on".to_owned()),
            )
            .and_then(|v| self.reader.boolean(v, k::RECORDING_ENABLED));
        let message = match root.get(k::MESSAGE) {
            Some(v) => self.reader.string(v, k::MESSAGE).map(Some),
            None => Some(None),
        };
        let mode = self
            .reader
            .required(root, "", k::MODE, Some(MODE_HELP.to_owned()))
            .and_then(|v| self.mode(v));
        let data = self
            .reader
            .required(
                root,
                "",
                k::DATA,
                Some("list one entry per recorded activity type".to_owned()),
            )
            .and_then(|v| self.data(v, mode));
        let retention = match root.get(k::RECORDING_RETENTION_DAYS) {
            Some(v) => retention_days(&mut self.reader, v, k::RECORDING_RETENTION_DAYS).map(Some),
            None => Some(None),
        };
        Some(Settings {
            recording_enabled: enabled?,
            message: message?,
            mode: mode?,
            data: data?,
            recording_retention_days: retention?,
        })
    }

    fn mode(&mut self, value: &Value) -> Option<Mode> {
        let Value::String(text) = value else {
            self.reader.wrong_type(
                k::MODE,
                "a mode name in quotes",
                value,
                Some(MODE_HELP.to_owned()),
            );
            return None;
        };
        let mode = Mode::parse(text);
        if mode.is_none() {
            let problem = Problem::BadMode {
                value: text.clone(),
            };
            self.reader
                .error(k::MODE, problem, Some(MODE_HELP.to_owned()));
        }
        mode
    }

    fn data(&mut self, value: &Value, mode: Option<Mode>) -> Option<Vec<Entry>> {
        let Value::Array(items) = value else {
            self.reader
                .wrong_type(k::DATA, "an array `[ ... ]` of entries", value, None);
            return None;
        };
        if items.is_empty() {
            let problem = Problem::Advice {
                detail: "no entry: no activity can be recorded".to_owned(),
            };
            self.reader.warning(
                k::DATA,
                problem,
                Some("add an entry per recorded activity type".to_owned()),
            );
        }
        let entries: Vec<Option<Entry>> = items
            .iter()
            .enumerate()
            .map(|(i, item)| self.entry(item, &item_path(k::DATA, i), mode))
            .collect();
        entries.into_iter().collect()
    }

    fn entry(&mut self, value: &Value, path: &str, mode: Option<Mode>) -> Option<Entry> {
        let map = self.reader.object(value, path)?;
        self.reader.unknown_keys(map, path, &k::ENTRY);
        let start = self.code(map, path, k::START_CODE);
        let end = self.code(map, path, k::END_CODE);
        let display_name = self.optional_string(map, path, k::DISPLAY_NAME);
        let end_form_error = self.optional_string(map, path, k::END_FORM_ERROR);
        let codes_ok = self.mode_codes(map, path, mode, start, end);
        self.claim_codes(path, start, end);
        let fields = self.recording_fields(map, path);
        let validations = match map.get(k::VALIDATIONS) {
            Some(v) => self.validations(v, &member_path(path, k::VALIDATIONS)),
            None => Some(Validations::default()),
        };
        let [start_field, end_field, duration_field] = fields?;
        codes_ok.then_some(())?;
        Some(Entry {
            meeting_start_event_code: start?,
            meeting_end_event_code: end?,
            display_name: display_name?,
            meeting_end_form_error_message: end_form_error?,
            recording_start_time_field: start_field,
            recording_end_time_field: end_field,
            recording_duration_field: duration_field,
            validations: validations?,
        })
    }

    /// An optional event code: `Some(None)` when absent, `None` when wrong.
    fn code(
        &mut self,
        map: &Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Option<Option<EventCode>> {
        match map.get(key) {
            None => Some(None),
            Some(v) => self.reader.whole(v, &member_path(path, key), 1).map(Some),
        }
    }

    fn optional_string(
        &mut self,
        map: &Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Option<Option<String>> {
        match map.get(key) {
            None => Some(None),
            Some(v) => self.reader.string(v, &member_path(path, key)).map(Some),
        }
    }

    /// The codes each mode needs (rules 3 and 4); false when an error was found.
    fn mode_codes(
        &mut self,
        map: &Map<String, Value>,
        path: &str,
        mode: Option<Mode>,
        start: Option<Option<EventCode>>,
        end: Option<Option<EventCode>>,
    ) -> bool {
        let (Some(start), Some(end)) = (start, end) else {
            return false;
        };
        match mode {
            Some(Mode::Dual) => {
                let mut ok = true;
                for (key, code) in [(k::START_CODE, start), (k::END_CODE, end)] {
                    if code.is_none() {
                        let help =
                            "Dual Activity Mode posts a Start and an End activity: give both codes"
                                .to_owned();
                        self.reader.error(
                            &member_path(path, key),
                            Problem::Missing {
                                key: key.to_owned(),
                            },
                            Some(help),
                        );
                        ok = false;
                    }
                }
                if let (Some(s), Some(e)) = (start, end) {
                    if s == e {
                        let problem = Problem::OutOfRange {
                            detail: format!("the End activity {e} is the Start activity too"),
                        };
                        let help = "give the End activity its own code".to_owned();
                        self.reader
                            .error(&member_path(path, k::END_CODE), problem, Some(help));
                        ok = false;
                    }
                }
                if !map.contains_key(k::DISPLAY_NAME) {
                    let problem = Problem::Advice {
                        detail: "no `DisplayName`: the End activity's own name is shown".to_owned(),
                    };
                    self.reader.warning(
                        &member_path(path, k::DISPLAY_NAME),
                        problem,
                        Some("add `\"DisplayName\": \"...\"`".to_owned()),
                    );
                }
                if !map.contains_key(k::END_FORM_ERROR) {
                    let problem = Problem::Advice {
                        detail: format!("no `MeetingEndFormErrorMessage`: an End without a Start shows the system message \"{}\"", crate::plan::DEFAULT_MISSING_START_MESSAGE),
                    };
                    self.reader
                        .warning(&member_path(path, k::END_FORM_ERROR), problem, None);
                }
                ok
            }
            Some(Mode::Single) => match (start, end) {
                (None, None) => {
                    let help = "Single Activity Mode needs the entry's activity: give `MeetingEndEventCode` or `MeetingStartEventCode`".to_owned();
                    self.reader.error(
                        &member_path(path, k::START_CODE),
                        Problem::Missing {
                            key: k::START_CODE.to_owned(),
                        },
                        Some(help),
                    );
                    false
                }
                (Some(s), Some(e)) if s != e => {
                    let problem = Problem::Advice {
                        detail: format!("Single Activity Mode posts only the End activity {e}; no Start activity {s} is posted"),
                    };
                    self.reader.warning(
                        &member_path(path, k::START_CODE),
                        problem,
                        Some("remove it, or use `\"Mode\": \"DualActivity\"`".to_owned()),
                    );
                    true
                }
                _ => true,
            },
            None => true,
        }
    }

    /// Rule 5: no code serves two entries.
    fn claim_codes(
        &mut self,
        path: &str,
        start: Option<Option<EventCode>>,
        end: Option<Option<EventCode>>,
    ) {
        let mut own = Vec::new();
        for (key, code) in [
            (k::START_CODE, start.flatten()),
            (k::END_CODE, end.flatten()),
        ] {
            let Some(code) = code else { continue };
            let here = member_path(path, key);
            match self.codes.get(&code) {
                Some(first) if !own.contains(&code) => {
                    let problem = Problem::DuplicateCode {
                        code,
                        first: first.clone(),
                    };
                    let help =
                        "each activity code may serve one entry only, as start or end".to_owned();
                    self.reader.error(&here, problem, Some(help));
                }
                Some(_) => {}
                None => {
                    self.codes.insert(code, here);
                }
            }
            own.push(code);
        }
    }

    /// Rule 6: three required, non-blank, different field names.
    fn recording_fields(&mut self, map: &Map<String, Value>, path: &str) -> Option<[String; 3]> {
        let mut names: Vec<(String, &str)> = Vec::new();
        let mut ok = true;
        for key in k::RECORDING_FIELDS {
            let here = member_path(path, key);
            let help = format!("give the schema name of the End activity's field, e.g. `\"{key}\": \"mx_Custom_1\"`");
            let Some(value) = self.reader.required(map, path, key, Some(help)) else {
                ok = false;
                continue;
            };
            let Some(name) = self.reader.non_blank(value, &here) else {
                ok = false;
                continue;
            };
            if let Some((_, first)) = names.iter().find(|(n, _)| *n == name) {
                let problem = Problem::SameField {
                    field: name.clone(),
                    first: member_path(path, first),
                };
                self.reader.error(
                    &here,
                    problem,
                    Some("the three recording fields must be different fields".to_owned()),
                );
                ok = false;
            } else if !is_custom_field(&name) {
                let problem = Problem::Advice {
                    detail: format!("`{name}` is not a custom activity field name"),
                };
                self.reader.warning(
                    &here,
                    problem,
                    Some(
                        "custom activity fields are named `mx_Custom_<n>`, e.g. `mx_Custom_1`"
                            .to_owned(),
                    ),
                );
            }
            names.push((name, key));
        }
        if !ok {
            return None;
        }
        let mut it = names.into_iter().map(|(n, _)| n);
        Some([it.next()?, it.next()?, it.next()?])
    }

    fn validations(&mut self, value: &Value, path: &str) -> Option<Validations> {
        let map = self.reader.object(value, path)?;
        self.reader.unknown_keys(map, path, &k::VALIDATION_KINDS);
        let otp = self.optional(map, path, k::OTP, Self::otp);
        let creation_limit = self.optional(map, path, k::CREATION_LIMIT, Self::creation_limit);
        let posted_counts = match map.get(k::POSTED_COUNTS) {
            None => Some(Vec::new()),
            Some(v) => self.posted_counts(v, &member_path(path, k::POSTED_COUNTS)),
        };
        let geofence = self.optional(map, path, k::GEOFENCE, Self::geofence);
        let lapps = match map.get(k::LAPP_VALIDATIONS) {
            None => Some(Vec::new()),
            Some(v) => self.lapp_validations(v, &member_path(path, k::LAPP_VALIDATIONS)),
        };
        Some(Validations {
            otp: otp?,
            creation_limit: creation_limit?,
            posted_counts: posted_counts?,
            geofence: geofence?,
            lapp_validations: lapps?,
        })
    }

    /// Reads an optional member with `read`: `Some(None)` when absent, `None` when wrong.
    fn optional<T>(
        &mut self,
        map: &Map<String, Value>,
        path: &str,
        key: &str,
        read: fn(&mut Self, &Value, &str) -> Option<T>,
    ) -> Option<Option<T>> {
        match map.get(key) {
            None => Some(None),
            Some(v) => read(self, v, &member_path(path, key)).map(Some),
        }
    }

    /// A required whole number from `min`.
    fn required_whole(
        &mut self,
        map: &Map<String, Value>,
        path: &str,
        key: &str,
        min: u32,
    ) -> Option<u32> {
        let value = self.reader.required(map, path, key, None)?;
        self.reader.whole(value, &member_path(path, key), min)
    }

    /// A required non-blank string.
    fn required_text(&mut self, map: &Map<String, Value>, path: &str, key: &str) -> Option<String> {
        let value = self.reader.required(map, path, key, None)?;
        self.reader.non_blank(value, &member_path(path, key))
    }

    /// `DisplayMessage`: optional, but its absence is worth a warning.
    fn display_message(&mut self, map: &Map<String, Value>, path: &str) -> Option<Option<String>> {
        match map.get(k::DISPLAY_MESSAGE) {
            Some(v) => self
                .reader
                .string(v, &member_path(path, k::DISPLAY_MESSAGE))
                .map(Some),
            None => {
                let problem = Problem::Advice {
                    detail: "no `DisplayMessage`: a failure shows the system message".to_owned(),
                };
                self.reader.warning(
                    &member_path(path, k::DISPLAY_MESSAGE),
                    problem,
                    Some("add the text users should see when this validation fails".to_owned()),
                );
                Some(None)
            }
        }
    }

    fn creation_limit(&mut self, value: &Value, path: &str) -> Option<CreationLimit> {
        let map = self.reader.object(value, path)?;
        self.reader.unknown_keys(map, path, &k::CREATION_LIMIT_KEYS);
        let days = self.required_whole(map, path, k::TIME_INTERVAL_IN_DAYS, 1);
        let count = self.required_whole(map, path, k::ACTIVITY_COUNT, 1);
        let code = self.required_whole(map, path, k::RESTRICTED_ACTIVITY, 1);
        let message = self.display_message(map, path);
        Some(CreationLimit {
            time_interval_in_days: days?,
            activity_count: count?,
            restricted_activity: code?,
            display_message: message?,
        })
    }

    fn posted_counts(&mut self, value: &Value, path: &str) -> Option<Vec<PostedCount>> {
        let Value::Array(items) = value else {
            let help = matches!(value, Value::Object(_))
                .then(|| "wrap the object in `[ ]`: this key takes a list".to_owned());
            self.reader
                .wrong_type(path, "an array `[ ... ]`", value, help);
            return None;
        };
        let read: Vec<Option<PostedCount>> = items
            .iter()
            .enumerate()
            .map(|(i, item)| self.posted_count(item, &item_path(path, i)))
            .collect();
        read.into_iter().collect()
    }

    fn posted_count(&mut self, value: &Value, path: &str) -> Option<PostedCount> {
        let map = self.reader.object(value, path)?;
        self.reader.unknown_keys(map, path, &k::POSTED_COUNT_KEYS);
        let days = self.required_whole(map, path, k::TIME_INTERVAL_IN_DAYS, 1);
        let minimum = self.required_whole(map, path, k::MINIMUM_ACTIVITY_COUNT, 0);
        if minimum == Some(0) {
            let problem = Problem::Advice {
                detail: "a minimum of 0 is always met".to_owned(),
            };
            self.reader.warning(
                &member_path(path, k::MINIMUM_ACTIVITY_COUNT),
                problem,
                Some("use 1 or more, or remove this item".to_owned()),
            );
        }
        let code = self.required_whole(map, path, k::ACTIVITY, 1);
        let message = self.display_message(map, path);
        Some(PostedCount {
            time_interval_in_days: days?,
            minimum_activity_count: minimum?,
            activity: code?,
            display_message: message?,
        })
    }

    fn otp(&mut self, value: &Value, path: &str) -> Option<OtpValidation> {
        let map = self.reader.object(value, path)?;
        self.reader.unknown_keys(map, path, &k::OTP_KEYS);
        let fields_path = member_path(path, k::PHONE_FIELDS);
        let help = "list the lead's phone fields, e.g. `[\"Phone\", \"Mobile\"]`".to_owned();
        let fields = self
            .reader
            .required(map, path, k::PHONE_FIELDS, Some(help.clone()))
            .and_then(|v| self.phone_fields(v, &fields_path, help));
        let lapp = self.optional(map, path, k::SEND_VIA_LAPP, Self::lapp_ref);
        Some(OtpValidation {
            phone_number_fields_schema: fields?,
            send_otp_via_lapp: lapp?,
        })
    }

    fn phone_fields(&mut self, value: &Value, path: &str, help: String) -> Option<Vec<String>> {
        let Value::Array(items) = value else {
            self.reader
                .wrong_type(path, "an array of field names", value, Some(help));
            return None;
        };
        if items.is_empty() {
            let problem = Problem::OutOfRange {
                detail: "no phone field: the OTP could not be sent".to_owned(),
            };
            self.reader.error(path, problem, Some(help));
            return None;
        }
        let names: Vec<Option<String>> = items
            .iter()
            .enumerate()
            .map(|(i, item)| self.reader.non_blank(item, &item_path(path, i)))
            .collect();
        let names: Vec<String> = names.into_iter().collect::<Option<_>>()?;
        for (i, name) in names.iter().enumerate() {
            if names[..i].contains(name) {
                let problem = Problem::Advice {
                    detail: format!("`{name}` is listed twice"),
                };
                self.reader.warning(
                    &item_path(path, i),
                    problem,
                    Some("list each field once".to_owned()),
                );
            }
        }
        Some(names)
    }

    fn lapp_validations(&mut self, value: &Value, path: &str) -> Option<Vec<LappRef>> {
        let Value::Array(items) = value else {
            let help =
                "list the Lapps, e.g. `[{\"LappId\": \"...\", \"LappEnv\": \"Live\"}]`".to_owned();
            self.reader
                .wrong_type(path, "an array `[ ... ]` of Lapps", value, Some(help));
            return None;
        };
        let read: Vec<Option<LappRef>> = items
            .iter()
            .enumerate()
            .map(|(i, item)| self.lapp_ref(item, &item_path(path, i)))
            .collect();
        let lapps: Vec<LappRef> = read.into_iter().collect::<Option<_>>()?;
        for (i, lapp) in lapps.iter().enumerate() {
            if lapps[..i].iter().any(|l| l == lapp) {
                let problem = Problem::Advice {
                    detail: format!(
                        "Lapp `{}` ({:?}) is listed twice",
                        lapp.lapp_id, lapp.lapp_env
                    ),
                };
                self.reader.warning(
                    &item_path(path, i),
                    problem,
                    Some("list each Lapp once".to_owned()),
                );
            }
        }
        Some(lapps)
    }

    fn lapp_ref(&mut self, value: &Value, path: &str) -> Option<LappRef> {
        let map = self.reader.object(value, path)?;
        self.reader.unknown_keys(map, path, &k::LAPP_KEYS);
        let id = self.required_text(map, path, k::LAPP_ID);
        let env_help = "use `Live` or `Test`".to_owned();
        let env_path = member_path(path, k::LAPP_ENV);
        let env = self
            .reader
            .required(map, path, k::LAPP_ENV, Some(env_help.clone()))
            .and_then(|v| match v.as_str() {
                Some("Live") => Some(LappEnv::Live),
                Some("Test") => Some(LappEnv::Test),
                _ => {
                    let problem = Problem::OutOfRange {
                        detail: format!("{} is not a Lapp environment", describe(v)),
                    };
                    self.reader.error(&env_path, problem, Some(env_help));
                    None
                }
            });
        Some(LappRef {
            lapp_id: id?,
            lapp_env: env?,
        })
    }

    fn geofence(&mut self, value: &Value, path: &str) -> Option<Geofence> {
        let map = self.reader.object(value, path)?;
        self.reader.unknown_keys(map, path, &k::GEOFENCE_KEYS);
        let radius = self
            .reader
            .required(
                map,
                path,
                k::RADIUS,
                Some("give the largest distance allowed, in meters".to_owned()),
            )
            .and_then(|v| {
                self.reader
                    .positive_number(v, &member_path(path, k::RADIUS))
            });
        let lat = self.required_text(map, path, k::LATITUDE_FIELD);
        let lon = self.required_text(map, path, k::LONGITUDE_FIELD);
        let message = self.display_message(map, path);
        Some(Geofence {
            radius_in_meters: radius?,
            latitude_field: lat?,
            longitude_field: lon?,
            display_message: message?,
        })
    }
}

/// Whether `name` has the form `mx_Custom_<n>`.
fn is_custom_field(name: &str) -> bool {
    name.strip_prefix("mx_Custom_")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}
