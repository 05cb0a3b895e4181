//! Differential test: the native `recrules-sdk` and its wasm build (the npm
//! package, run by Node) must give the same outcome for every generated case.
//!
//! `proptest` generates vectors of every op (settings, precheck, end, otp,
//! session) from settings, lead fields, histories, positions, recordings and
//! events; each vector's text goes to the package through
//! `packages/recrules/test/serve-vectors.mjs` (one Node process for the whole
//! run, one line per vector), and its outcome (`actual` and `mismatches`) is
//! compared with [`recrules_sdk::vector::run`]'s on the same text. Any
//! difference is a bug in one face of the rules.
//!
//! It needs the built package (`scripts/build-wasm.sh`) and Node, so it is
//! ignored by a plain `cargo test` and run by `scripts/test-wasm.sh`.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use proptest::prelude::*;
use recrules_sdk::session::EVENT_TYPES;
use recrules_sdk::vector;
use serde_json::{json, Map, Value};

/// The package's runner, started once and fed one vector per line.
struct Node {
    _child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Node {
    fn start() -> Node {
        let pkg = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../packages/recrules");
        let mut child = Command::new("node")
            .arg("test/serve-vectors.mjs")
            .current_dir(&pkg)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start node in {}: {e}", pkg.display()));
        let stdin = child.stdin.take().expect("node stdin");
        let stdout = BufReader::new(child.stdout.take().expect("node stdout"));
        Node {
            _child: child,
            stdin,
            stdout,
        }
    }

    /// The package's outcome for one vector's text.
    fn run(&mut self, text: &str) -> Value {
        writeln!(self.stdin, "{text}").expect("write to node");
        self.stdin.flush().expect("flush to node");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read from node");
        assert!(
            !line.is_empty(),
            "node closed its output (is the package built? scripts/build-wasm.sh)"
        );
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("node answered `{line}`: {e}"))
    }
}

fn node() -> &'static Mutex<Node> {
    static NODE: OnceLock<Mutex<Node>> = OnceLock::new();
    NODE.get_or_init(|| Mutex::new(Node::start()))
}

/// Numbers compared by value, as JSON does (`1.0` and `1` are the same number
/// once they have crossed into JavaScript).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Runs `vector` through both faces and fails the case on any difference.
fn both_agree(vector: &Value) -> Result<(), TestCaseError> {
    let text = vector.to_string();
    // serde_json's float parsing is not correctly rounded (without its
    // `float_roundtrip` feature, `-31.533967299254606` reads one ulp off), so
    // each side goes through text alike. Input: both faces read the same text,
    // as every real caller's input arrives (an HTTP body; `JSON.stringify` in
    // the bindings), not the generated value. Output: the native outcome is
    // written and read back as the package's answer line is, so the same
    // number written alike reads alike.
    let read: Value = serde_json::from_str(&text).expect("a vector's own text");
    let outcome = serde_json::to_string(&vector::run(&read, None)).expect("outcome to JSON");
    let native: Value = serde_json::from_str(&outcome).expect("outcome read back");
    let wasm = node().lock().unwrap_or_else(|e| e.into_inner()).run(&text);
    prop_assert!(
        same(&native, &wasm),
        "native and wasm differ on\n{text}\nnative: {native}\nwasm:   {wasm}"
    );
    Ok(())
}

const NOW_S: i64 = 1_795_000_000;

fn at(offset_s: i64) -> String {
    chrono::DateTime::from_timestamp(NOW_S + offset_s, 0)
        .expect("in range")
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn code() -> impl Strategy<Value = u32> {
    prop_oneof![
        4 => prop_oneof![Just(209u32), Just(210), Just(221), Just(222), Just(167), Just(154)],
        1 => 0u32..400,
    ]
}

/// A mostly valid settings document: every key the checker knows, with the
/// odd wrong type, spelling or value.
fn settings() -> impl Strategy<Value = Value> {
    let mode = prop_oneof![
        4 => Just(json!("SingleActivity")),
        2 => Just(json!("Single Activity")),
        4 => Just(json!("DualActivity")),
        2 => Just(json!("dual activity")),
        1 => Just(json!("Triple")),
        1 => Just(json!(2)),
    ];
    let creation = (prop_oneof![9 => 1i64..40, 1 => Just(0)], prop_oneof![9 => 1i64..6, 1 => Just(0)], code(), any::<bool>()).prop_map(|(days, count, code, msg)| {
        let mut v = json!({"TimeIntervalInDays": days, "ActivityCount": count, "RestrictedActivity": code});
        if msg {
            v["DisplayMessage"] = json!("Limit reached");
        }
        v
    });
    let posted = prop::collection::vec((prop_oneof![9 => 1i64..10, 1 => Just(0)], 0i64..4, code()), 0..3).prop_map(|v| {
        Value::Array(
            v.into_iter()
                .map(|(d, n, c)| json!({"TimeIntervalInDays": d, "MinimumActivityCount": n, "Activity": c, "DisplayMessage": "Needs a CFS"}))
                .collect(),
        )
    });
    let otp = prop::collection::vec(
        prop_oneof![Just("Phone"), Just("Mobile"), Just("mx_Alt")],
        0..3,
    )
    .prop_map(|f| json!({"PhoneNumberFieldsSchema": f}));
    let geofence = prop_oneof![
        8 => (1.0f64..20_000.0).prop_map(|r| json!(r)),
        1 => Just(json!(0)),
        1 => Just(json!("far")),
    ]
    .prop_map(
        |r| json!({"RadiusInMeters": r, "LatitudeField": "mx_Lat", "LongitudeField": "mx_Lon"}),
    );
    let validations = (
        prop::option::of(creation),
        prop::option::of(posted),
        prop::option::of(otp),
        prop::option::of(geofence),
    )
        .prop_map(|(c, p, o, g)| {
            let mut v = Map::new();
            for (key, value) in [
                ("ActivityCreationLimitValidation", c),
                ("ActivityPostedCountValidations", p),
                ("OTPValidation", o),
                ("GeofenceValidation", g),
            ] {
                if let Some(value) = value {
                    v.insert(key.to_owned(), value);
                }
            }
            Value::Object(v)
        });
    // Each entry takes a distinct pair of codes from a pool; now and then a
    // random pair, which may clash with another entry's, or no Start code.
    let codes = (
        Just(vec![(209u32, 210u32), (221, 222), (301, 302), (311, 312)]).prop_shuffle(),
        prop::collection::vec(prop::option::weighted(0.05, (code(), code())), 3),
    )
        .prop_map(|(pool, random)| {
            pool.into_iter()
                .zip(random)
                .map(|(pair, random)| random.unwrap_or(pair))
                .collect::<Vec<_>>()
        });
    let entries = prop::collection::vec(
        (
            validations,
            prop::bool::weighted(0.05),
            prop::bool::weighted(0.05),
        ),
        1..4,
    );
    let data = (entries, codes).prop_map(|(entries, codes)| {
        let entries = entries.into_iter().zip(codes);
        Value::Array(
            entries
                .map(|((validations, typo, no_start), (start, end))| {
                    let mut e = json!({
                        "MeetingEndEventCode": end,
                        "DisplayName": "Meeting",
                        "MeetingEndFormErrorMessage": "Add the Start first",
                        "RecordingStartTimeField": "mx_Custom_1",
                        "RecordingEndTimeField": "mx_Custom_2",
                        "RecordingDurationField": if typo { "mx_Custom_2" } else { "mx_Custom_3" },
                        "Validations": validations,
                    });
                    if !no_start {
                        e["MeetingStartEventCode"] = json!(start);
                    }
                    e
                })
                .collect(),
        )
    });
    (
        prop_oneof![12 => Just(json!(true)), 2 => Just(json!(false)), 1 => Just(json!("yes"))],
        mode,
        data,
        prop::option::weighted(0.1, Just("RecordingEnable")),
    )
        .prop_map(|(enabled, mode, data, unknown)| {
            let mut s = json!({"RecordingEnabled": enabled, "Message": "Keep the phone close", "Mode": mode, "Data": data});
            if let Some(key) = unknown {
                s[key] = json!(true);
            }
            s
        })
}

/// A lead with phones and a position, some missing or malformed.
fn lead() -> impl Strategy<Value = Value> {
    let phone = prop_oneof![
        Just(json!("+919800000001")),
        Just(json!("")),
        Just(json!("98 000 00002")),
        Just(json!(9800000003u64)),
    ];
    let coordinate = prop_oneof![
        (-90.0f64..90.0).prop_map(|x| json!(x)),
        Just(json!("12.97")),
        Just(json!(null)),
    ];
    (
        prop::option::of(phone.clone()),
        prop::option::of(phone),
        prop::option::of((coordinate.clone(), coordinate)),
    )
        .prop_map(|(phone, mobile, position)| {
            let mut fields = Map::new();
            if let Some(p) = phone {
                fields.insert("Phone".into(), p);
            }
            if let Some(m) = mobile {
                fields.insert("Mobile".into(), m);
            }
            if let Some((lat, lon)) = position {
                fields.insert("mx_Lat".into(), lat);
                fields.insert("mx_Lon".into(), lon);
            }
            json!({"id": "L-1", "fields": fields})
        })
}

fn history() -> impl Strategy<Value = Value> {
    prop::collection::vec(
        (code(), -3_000_000i64..3600, prop::option::of(prop_oneof![Just("U-1"), Just("U-2")])),
        0..40,
    )
    .prop_map(|items| {
        Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, (code, offset, user))| {
                    let mut a = json!({"id": format!("A-{i}"), "event_code": code, "created_on": at(offset)});
                    if let Some(user) = user {
                        a["user"] = json!(user);
                    }
                    a
                })
                .collect(),
        )
    })
}

fn position() -> impl Strategy<Value = Option<Value>> {
    prop::option::of(
        (-95.0f64..95.0, -185.0f64..185.0).prop_map(|(lat, lon)| json!({"lat": lat, "lon": lon})),
    )
}

fn recordings() -> impl Strategy<Value = Value> {
    prop::collection::vec(
        (
            -7200i64..0,
            -5.0f64..4000.0,
            0u64..11_000_000,
            any::<bool>(),
        ),
        0..22,
    )
    .prop_map(|items| {
        Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, (start, duration, size, good_hash))| {
                    json!({
                        "id": format!("R-{i}"),
                        "started_at": at(start),
                        "ended_at": at(start + duration as i64),
                        "duration_s": duration,
                        "size_bytes": size,
                        "sha256": if good_hash { "ab".repeat(32) } else { "xyz".to_owned() },
                    })
                })
                .collect(),
        )
    })
}

fn events() -> impl Strategy<Value = Value> {
    let kinds = EVENT_TYPES;
    prop::collection::vec(
        (
            0..kinds.len(),
            0i64..5000,
            prop::option::of(0u64..12_000_000),
        ),
        0..30,
    )
    .prop_map(move |items| {
        Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, (kind, offset, size))| {
                    let mut e = json!({"type": kinds[kind], "at": at(offset)});
                    match kinds[kind] {
                        "start" => e["id"] = json!(format!("F-{i}")),
                        "stop" => {
                            if let Some(size) = size {
                                e["size_bytes"] = json!(size);
                            }
                        }
                        _ => {}
                    }
                    e
                })
                .collect(),
        )
    })
}

fn otp_steps() -> impl Strategy<Value = Value> {
    let action = prop_oneof![Just("send"), Just("resend"), Just("verify"), Just("verify")];
    let first = prop_oneof![4 => Just("send"), 1 => Just("verify")];
    let code = prop_oneof![Just("latest"), Just("first"), Just("wrong"), Just("123456")];
    (
        first,
        prop::collection::vec((action, code, 0i64..120), 0..16),
    )
        .prop_map(|(first, steps)| {
            let mut t = 0;
            Value::Array(
                std::iter::once((first, "latest", 0))
                    .chain(steps)
                    .map(|(action, code, gap)| {
                        t += gap;
                        let mut s = json!({"at": at(t), "action": action});
                        if action == "verify" {
                            s["code"] = json!(code);
                        }
                        s
                    })
                    .collect(),
            )
        })
}

fn vector(op: &str, settings: Value, lead: Value, history: Value, input: Value) -> Value {
    json!({
        "name": format!("differential {op}"),
        "settings": settings,
        "now": at(0),
        "lead": lead,
        "history": history,
        "op": op,
        "input": input,
        "expect": {},
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 500,
        // A failure prints the vector's text, which is the regression case to keep.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    #[ignore = "needs Node and the built package: run by scripts/test-wasm.sh"]
    fn settings_reports_agree(settings in settings()) {
        both_agree(&vector("settings", settings, json!({"id": "L-1", "fields": {}}), json!([]), json!({})))?;
    }

    #[test]
    #[ignore = "needs Node and the built package: run by scripts/test-wasm.sh"]
    fn precheck_decisions_agree(
        settings in settings(),
        lead in lead(),
        history in history(),
        code in code(),
        user in prop_oneof![Just("U-1"), Just("U-2")],
        location in position(),
        otp_ago in prop::option::of(0i64..3600),
    ) {
        let mut input = json!({"activity_code": code, "user": user});
        if let Some(location) = location {
            input["user_location"] = location;
        }
        if let Some(ago) = otp_ago {
            input["otp_verified_at"] = json!(at(-ago));
        }
        both_agree(&vector("precheck", settings, lead, history, input))?;
    }

    #[test]
    #[ignore = "needs Node and the built package: run by scripts/test-wasm.sh"]
    fn end_plans_agree(
        settings in settings(),
        lead in lead(),
        history in history(),
        code in code(),
        location in position(),
        recordings in recordings(),
    ) {
        let mut input = json!({"activity_code": code, "user": "U-1", "recordings": recordings});
        if let Some(location) = location {
            input["user_location"] = location;
        }
        both_agree(&vector("end", settings, lead, history, input))?;
    }

    #[test]
    #[ignore = "needs Node and the built package: run by scripts/test-wasm.sh"]
    fn otp_runs_agree(
        steps in otp_steps(),
        count in prop::option::of(0u32..4),
        interval in prop::option::of(0u32..120),
    ) {
        let mut input = json!({"steps": steps});
        if count.is_some() || interval.is_some() {
            input["lapp_config"] = json!({"RemainingRetryCount": count, "RetryTimeInterval": interval, "DisplayMessage": "Try again later"});
        }
        both_agree(&vector("otp", json!(null), json!({"id": "L-1", "fields": {}}), json!([]), input))?;
    }

    #[test]
    #[ignore = "needs Node and the built package: run by scripts/test-wasm.sh"]
    fn sessions_agree(events in events(), ios in any::<bool>(), task in any::<bool>()) {
        let mut input = json!({"platform": if ios { "ios" } else { "android" }, "activity_code": 210, "events": events});
        if task {
            input["task_id"] = json!("T-1");
        }
        both_agree(&vector("session", json!(null), json!({"id": "L-1", "fields": {}}), json!([]), input))?;
    }
}
