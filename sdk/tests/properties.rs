//! Property tests: no input makes the rules panic, windows are monotone, and
//! durations are formatted exactly.

use chrono::{Duration, SubsecRound, TimeZone, Utc};
use proptest::prelude::*;
use recrules_sdk::lead::{Activities, Activity, IndexedHistory, Lead};
use recrules_sdk::plan::{minutes_two_places, plan_end, EndInput};
use recrules_sdk::session::{Event, Platform, Session};
use recrules_sdk::settings::check_settings;
use recrules_sdk::time::{Instant, Stamp};
use recrules_sdk::validate::{
    precheck, precheck_on_device, Asked, Evaluation, PrecheckInput, Window,
};
use recrules_sdk::vector;
use serde_json::{json, Value};

const SEED_DUAL: &str = include_str!("../../fixtures/settings/seed-dual.json");
const SEED_SINGLE: &str = include_str!("../../fixtures/settings/seed-single.json");

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        prop_oneof![
            Just("SingleActivity".to_owned()),
            Just("Dual Activity".to_owned()),
            Just("mx_Custom_1".to_owned()),
            Just("2026-11-20T10:00:00Z".to_owned()),
            ".{0,12}",
        ]
        .prop_map(Value::String),
    ];
    let keys = prop_oneof![
        Just("RecordingEnabled"),
        Just("Mode"),
        Just("Data"),
        Just("Message"),
        Just("MeetingStartEventCode"),
        Just("MeetingEndEventCode"),
        Just("Validations"),
        Just("RecordingStartTimeField"),
        Just("RecordingEndTimeField"),
        Just("RecordingDurationField"),
        Just("OTPValidation"),
        Just("PhoneNumberFieldsSchema"),
        Just("ActivityCreationLimitValidation"),
        Just("ActivityPostedCountValidations"),
        Just("GeofenceValidation"),
        Just("TimeIntervalInDays"),
        Just("ActivityCount"),
        Just("RestrictedActivity"),
        Just("op"),
        Just("input"),
        Just("expect"),
        Just("name"),
        Just("now"),
        Just("history"),
        Just("settings"),
        Just("events"),
        Just("steps"),
        Just("x"),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone(), inner, 0..6).prop_map(|m| {
                Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

fn instant() -> impl Strategy<Value = Instant> {
    (0i64..4_000_000_000).prop_map(|s| Utc.timestamp_opt(s, 0).unwrap())
}

fn activity() -> impl Strategy<Value = Activity> {
    (
        prop_oneof![Just(209u32), Just(210), Just(167), Just(154), 1u32..300],
        instant(),
        prop::option::of("U-[12]"),
    )
        .prop_map(|(code, at, user)| Activity {
            id: format!("A-{code}-{}", at.timestamp()),
            event_code: code,
            created_on: at,
            user,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_checker_never_panics_on_text(text in ".{0,200}") {
        let report = check_settings(&text);
        prop_assert!(!report.valid || report.settings.is_some());
    }

    #[test]
    fn the_checker_never_panics_on_json(value in json_value()) {
        let report = check_settings(&value.to_string());
        prop_assert_eq!(report.valid, report.settings.is_some());
        for d in &report.diagnostics {
            prop_assert!(!d.message.is_empty());
        }
    }

    #[test]
    fn the_checker_never_panics_on_a_mutated_seed(cut in 0usize..2000, insert in ".{0,3}") {
        let mut text = SEED_DUAL.to_owned();
        let at = text.char_indices().map(|(i, _)| i).nth(cut % SEED_DUAL.len()).unwrap_or(0);
        text.insert_str(at, &insert);
        let _ = check_settings(&text);
    }

    #[test]
    fn a_vector_of_any_shape_never_panics(vector in json_value(), settings in prop::option::of(json_value())) {
        let text = settings.map(|s| s.to_string());
        let outcome = vector::run(&vector, text.as_deref());
        prop_assert!(outcome.passed() || !outcome.mismatches.is_empty());
    }

    #[test]
    fn the_decisions_never_panic(
        history in prop::collection::vec(activity(), 0..30),
        code in prop_oneof![Just(209u32), Just(210), Just(221), Just(222), Just(158), Just(205), 0u32..400],
        now in instant(),
        otp in prop::option::of(instant()),
        fields in prop::collection::btree_map("Phone|Mobile|mx_Lat|mx_Lon", json_value(), 0..4),
        lat in -100.0f64..100.0,
        lon in -200.0f64..200.0,
        recordings in prop::collection::vec((instant(), -5.0f64..5000.0, 0u64..20_000_000, any::<bool>()), 0..23),
    ) {
        let lead = Lead { id: "L".into(), fields };
        for seed in [SEED_DUAL, SEED_SINGLE] {
            let settings = check_settings(seed).settings.unwrap();
            let input = PrecheckInput { activity_code: code, user: "U-1".into(), user_location: Some(recrules_sdk::validate::Position { lat, lon }), otp_verified_at: otp };
            let decision = precheck(&settings, &lead, &history, &input, now);
            prop_assert_eq!(decision.allowed, decision.failures.is_empty());
            let end = EndInput {
                activity_code: code,
                user: "U-1".into(),
                otp_verified_at: otp,
                user_location: None,
                recordings: recordings.iter().enumerate().map(|(i, (at, d, size, good))| recrules_sdk::plan::RecordingMeta {
                    id: format!("R{i}"),
                    started_at: *at,
                    ended_at: *at + Duration::seconds(*d as i64),
                    duration_s: *d,
                    size_bytes: *size,
                    sha256: if *good { "a".repeat(64) } else { "xyz".into() },
                }).collect(),
            };
            let _ = plan_end(&settings, &lead, &history, &end, now);
        }
    }

    #[test]
    fn a_session_never_panics(events in prop::collection::vec((0u8..16, 0i64..100_000, "[a-z0-9]{0,3}"), 0..40), ios in any::<bool>()) {
        let platform = if ios { Platform::Ios } else { Platform::Android };
        let mut session = Session::new(platform, "L".into(), 210, Some("T".into()));
        let base = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
        for (kind, offset, id) in events {
            let at = base + Duration::seconds(offset);
            let event = match kind {
                0 => Event::Start { at, id },
                1 => Event::Pause { at },
                2 => Event::Resume { at },
                3 => Event::Stop { at, size_bytes: None },
                4 => Event::PhoneCall { at },
                5 => Event::AppBackgrounded { at },
                6 => Event::AppForegrounded { at },
                7 => Event::AppKilled { at },
                8 => Event::DeviceOff { at },
                9 => Event::Logout { at },
                10 => Event::Offline { at },
                11 => Event::Online { at },
                12 => Event::FormSubmitted { at },
                13 => Event::Posted { at },
                14 => Event::PostFailed { at },
                _ => Event::TaskMarkedIncomplete { at },
            };
            let before = session.clone();
            if session.apply(&event).is_err() {
                prop_assert_eq!(&session, &before);
            }
            prop_assert!(session.files.len() <= recrules_sdk::limits::MAX_RECORDINGS);
        }
    }

    #[test]
    fn adding_an_activity_never_lowers_a_window_count(
        history in prop::collection::vec(activity(), 0..40),
        extra in activity(),
        now in instant(),
        days in 1u32..400,
        code in prop_oneof![Just(209u32), Just(167), 1u32..300],
    ) {
        let before = Window::over(&history[..], code, Stamp::from(now), days).count();
        let mut more = history.clone();
        more.push(extra);
        let after = Window::over(&more[..], code, Stamp::from(now), days).count();
        prop_assert!(after >= before);
        prop_assert!(after <= before + 1);
    }

    /// The device's indexed history answers as the slice of its activities,
    /// which defines the rules: same counts, same n-th earliest, same
    /// decisions, appended in any order. Instants cluster around the windows'
    /// edges (to the nanosecond) so that `>=` at the edge is exercised.
    #[test]
    fn an_indexed_history_decides_as_its_activities(
        base in 1_700_000_000i64..1_800_000_000,
        items in prop::collection::vec((
            prop_oneof![Just(167u32), Just(154), Just(221), 1u32..4],
            prop_oneof![Just(0i64), Just(1), Just(2), Just(3), Just(5), 0i64..8],
            prop_oneof![Just(0i64), Just(-1), Just(1), -86_400i64..86_400],
            prop_oneof![Just(0u32), Just(1), Just(999_999_999), 0u32..1_000_000_000],
        ), 0..60),
        now_nanos in prop_oneof![Just(0u32), Just(1), 0u32..1_000_000_000],
        code in prop_oneof![Just(221u32), Just(222), Just(209), Just(210)],
        otp in prop::option::of(0i64..2000),
        probe in (1u32..4, 0u32..9, 0usize..8),
    ) {
        let now = Utc.timestamp_opt(base, now_nanos).unwrap();
        let history: Vec<Activity> = items.iter().enumerate().map(|(i, (c, days, secs, nanos))| Activity {
            id: format!("A-{i}"),
            event_code: *c,
            created_on: Utc.timestamp_opt(base - days * 86_400 + secs, *nanos).unwrap(),
            user: None,
        }).collect();
        let indexed = IndexedHistory::from_activities(history.clone());
        prop_assert_eq!(indexed.activities(), history.as_slice());
        let (c, days, nth) = probe;
        let start = Stamp::from(now - Duration::days(i64::from(days)));
        prop_assert_eq!(indexed.count_since(c, start), history.as_slice().count_since(c, start));
        prop_assert_eq!(indexed.nth_since(c, start, nth), history.as_slice().nth_since(c, start, nth));
        let lead = Lead { id: "L".into(), fields: [("Phone".to_owned(), json!("+91 98"))].into() };
        let input = PrecheckInput {
            activity_code: code,
            user: "U-1".into(),
            user_location: None,
            otp_verified_at: otp.map(|s| now - Duration::seconds(s)),
        };
        for seed in [SEED_DUAL, SEED_SINGLE] {
            let settings = check_settings(seed).settings.unwrap();
            prop_assert_eq!(
                precheck_on_device(&settings, &lead, &indexed, &input, now),
                precheck_on_device(&settings, &lead, &history, &input, now)
            );
        }
    }

    #[test]
    fn duration_formatting_is_exact(millis in 0u64..10_000_000_000_000) {
        let text = minutes_two_places(millis);
        let (whole, frac) = text.split_once('.').unwrap();
        prop_assert_eq!(frac.len(), 2);
        let hundredths: u128 = whole.parse::<u128>().unwrap() * 100 + frac.parse::<u128>().unwrap();
        // h hundredths of a minute = 600 h ms; half up: 600h - 300 <= millis < 600h + 300.
        let m = u128::from(millis);
        prop_assert!(600 * hundredths <= m + 300, "{} for {} ms", text, millis);
        prop_assert!(m + 300 < 600 * hundredths + 600, "{} for {} ms", text, millis);
    }
}

/// Any instant chrono holds (from about 253,000 years back to as far ahead),
/// to the nanosecond, in a leap second now and then (`23:59:60.x`).
fn any_instant() -> impl Strategy<Value = Instant> {
    (
        prop_oneof![
            -8_000_000_000_000i64..8_000_000_000_000,
            -100_000i64..100_000,
            1_483_228_700i64..1_483_228_900,
        ],
        prop_oneof![
            Just(0u32),
            Just(999_999),
            Just(1_000_000),
            0u32..1_000_000_000
        ],
        prop::bool::weighted(0.1),
    )
        .prop_map(|(secs, nanos, leap)| {
            if leap {
                let second = secs - secs.rem_euclid(60) + 59;
                Utc.timestamp_opt(second, 1_000_000_000 + nanos % 1_000_000_000)
                    .unwrap()
            } else {
                Utc.timestamp_opt(secs, nanos).unwrap()
            }
        })
}

/// A history around `base` (seconds since 1970): activities whole days
/// before it, give or take a few seconds and nanoseconds, so that windows'
/// edges fall on them.
fn history_around(base: i64) -> impl Strategy<Value = Vec<Activity>> {
    prop::collection::vec(
        (
            prop_oneof![Just(167u32), Just(154), Just(221), Just(209), 1u32..4],
            0i64..40,
            prop_oneof![Just(0i64), Just(-1), Just(1), -86_400i64..86_400],
            prop_oneof![Just(0u32), Just(1), Just(999_999), 0u32..1_000_000_000],
        ),
        0..60,
    )
    .prop_map(move |items| {
        items
            .iter()
            .enumerate()
            .map(|(i, (code, days, secs, nanos))| Activity {
                id: format!("A-{i}"),
                event_code: *code,
                created_on: Utc
                    .timestamp_opt(base - days * 86_400 + secs, *nanos)
                    .unwrap(),
                user: None,
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A `Stamp` is its instant: it converts back without loss, orders as
    /// the instant does, and moves by milliseconds as chrono moves it.
    #[test]
    fn a_stamp_is_its_instant(a in any_instant(), b in any_instant(), millis in prop_oneof![
        Just(0i64), -2i64..2, -1_000_000i64..1_000_000, -400 * 86_400_000i64..400 * 86_400_000,
        Just(i64::from(u32::MAX) * 86_400_000), Just(-i64::from(u32::MAX) * 86_400_000),
    ]) {
        let (sa, sb) = (Stamp::from(a), Stamp::from(b));
        prop_assert_eq!(sa.instant(), a);
        prop_assert_eq!(sa.cmp(&sb), a.cmp(&b));
        prop_assert_eq!(sa == sb, a == b);
        prop_assert_eq!(sa.is_leap(), a.timestamp_subsec_nanos() >= 1_000_000_000);
        let moved = a.checked_add_signed(Duration::milliseconds(millis)).map(Stamp::from);
        prop_assert_eq!(sa.checked_add_millis(millis as f64), moved);
        if !sa.is_leap() {
            prop_assert_eq!(Stamp::from_millis(sa.millis()).map(|s| s.instant()), Some(a.trunc_subsecs(3)));
        }
    }

    /// An indexed history answers as the slice of its activities whether
    /// they came oldest first, newest first, in any order or appended one by
    /// one, and the creations it says are around a window's start are the
    /// ones between which the start may move with the same count.
    #[test]
    fn an_indexed_history_in_any_order_answers_as_its_activities(
        history in history_around(1_750_000_000),
        order in 0u8..3,
        probes in prop::collection::vec((prop_oneof![Just(167u32), Just(154), 1u32..4], 0i64..40, -2i64..2, 0u32..1_000_000_000, 0usize..8), 1..6),
    ) {
        let mut history = history;
        match order {
            0 => history.sort_by_key(|a| a.created_on),
            1 => history.sort_by_key(|a| std::cmp::Reverse(a.created_on)),
            _ => {}
        }
        let built = IndexedHistory::from_activities(history.clone());
        let mut pushed = IndexedHistory::new();
        for a in &history {
            pushed.push(a.clone());
        }
        prop_assert_eq!(built.activities(), history.clone());
        prop_assert_eq!(pushed.activities(), history.clone());
        prop_assert_eq!(built.len(), history.len());
        let slice = history.as_slice();
        for (code, days, secs, nanos, nth) in probes {
            let start = Stamp::from(Utc.timestamp_opt(1_750_000_000 - days * 86_400 + secs, nanos).unwrap());
            for index in [&built, &pushed] {
                let since = index.since(code, start);
                prop_assert_eq!(since.count, slice.count_since(code, start));
                prop_assert_eq!(index.nth_since(code, start, nth), slice.nth_since(code, start, nth));
                let around = since.around.expect("an indexed history says what is around a start");
                if let Some(first) = around.first {
                    prop_assert!(first >= start);
                    prop_assert_eq!(slice.count_since(code, first), since.count);
                } else {
                    prop_assert_eq!(since.count, 0);
                }
                if let Some(before) = around.before {
                    prop_assert!(before < start);
                    prop_assert!(slice.count_since(code, before) > since.count);
                } else {
                    prop_assert_eq!(since.count, slice.count_since(code, Stamp::MIN));
                }
            }
        }
    }

    /// A held evaluation moved to another moment (`advance_to`) is the one a
    /// new evaluation makes there, figures and words: it moves only where no
    /// activity entered or left a window and no OTP expired or came to
    /// serve. Its words are the decision's, and its messages the decision's
    /// failures'.
    #[test]
    fn a_held_evaluation_advances_only_where_a_new_one_decides_alike(
        history in history_around(1_750_000_000),
        now_nanos in prop_oneof![Just(0u32), 0u32..1_000_000_000],
        later in prop_oneof![
            Just(0i64), -3i64..3, -90_000i64..90_000, -86_400_000i64..86_400_000, -3 * 86_400_000i64..3 * 86_400_000,
        ],
        otp in prop::option::of(prop_oneof![Just(900i64), Just(901), Just(899), -30i64..2000]),
        code in prop_oneof![Just(221u32), Just(222), Just(209), Just(210), Just(1)],
        phone in any::<bool>(),
        leap in prop::bool::weighted(0.05),
    ) {
        let now = Utc.timestamp_opt(1_750_000_000, now_nanos).unwrap();
        let lead = Lead {
            id: "L".into(),
            fields: if phone { [("Phone".to_owned(), json!("+91 98"))].into() } else { Default::default() },
        };
        let indexed = IndexedHistory::from_activities(history);
        let asked = Asked {
            activity_code: code,
            user_location: None,
            otp_verified_at: otp.map(|s| Stamp::from(now - Duration::seconds(s))),
            now: Stamp::from(now),
        };
        let later_at = if leap {
            Utc.timestamp_opt(1_750_000_199, 1_000_000_000 + now_nanos).unwrap()
        } else {
            now + Duration::milliseconds(later)
        };
        let later_asked = Asked { now: Stamp::from(later_at), ..asked };
        for seed in [SEED_DUAL, SEED_SINGLE] {
            let settings = check_settings(seed).settings.unwrap();
            let held = Evaluation::new(&settings, &lead, &indexed, asked);
            let fresh = Evaluation::new(&settings, &lead, &indexed, later_asked);
            let mut moved = held.clone();
            if moved.advance_to(&later_asked) {
                prop_assert_eq!(&moved, &fresh);
            } else {
                prop_assert_eq!(&moved, &held);
            }
            let input = PrecheckInput {
                activity_code: code,
                user: "U-1".into(),
                user_location: None,
                otp_verified_at: asked.otp_verified_at.map(Stamp::instant),
            };
            let decision = fresh.explain(&settings);
            prop_assert_eq!(&decision, &precheck(&settings, &lead, &indexed.activities(), &input, later_at));
            let messages: Vec<String> = fresh.failures().map(|f| fresh.message(f, &settings).into_owned()).collect();
            let expected: Vec<String> = decision.failures.iter().map(|c| c.message.clone()).collect();
            prop_assert_eq!(messages, expected);
            prop_assert_eq!(fresh.allowed(), decision.allowed);
        }
    }
}
