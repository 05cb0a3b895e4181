//! Structure-aware generators: JSON values biased toward the settings keys,
//! instants, codes and ids, all drawn from the fuzzer's bytes.
//!
//! Every choice maps the byte 0 (what an exhausted input yields) to the
//! well-formed case, so short inputs still reach deep into the rules.

use arbitrary::{Result, Unstructured};
use chrono::{DateTime, Duration, TimeZone, Utc};
use recrules_sdk::settings::keys;
use serde_json::{Map, Number, Value};

/// A moment in UTC, as the rules take it.
pub type Instant = DateTime<Utc>;

/// The two settings seeds of `fixtures/settings`, and the other valid fixtures.
pub const SEEDS: [&str; 5] = [
    include_str!("../../fixtures/settings/seed-dual.json"),
    include_str!("../../fixtures/settings/seed-single.json"),
    include_str!("../../fixtures/settings/dual-geofence.json"),
    include_str!("../../fixtures/settings/dual-otp-via-lapp.json"),
    include_str!("../../fixtures/settings/dual-recording-disabled.json"),
];

/// Activity codes the seeds use, and a few others.
pub const CODES: [u32; 12] = [209, 210, 221, 222, 154, 167, 158, 155, 1, 2, 0, u32::MAX];

/// Every key the settings know, then near misses and strangers.
pub const KEY_POOL: [&str; 40] = [
    keys::RECORDING_ENABLED,
    keys::MESSAGE,
    keys::MODE,
    keys::DATA,
    keys::START_CODE,
    keys::END_CODE,
    keys::DISPLAY_NAME,
    keys::END_FORM_ERROR,
    keys::START_TIME_FIELD,
    keys::END_TIME_FIELD,
    keys::DURATION_FIELD,
    keys::VALIDATIONS,
    keys::OTP,
    keys::CREATION_LIMIT,
    keys::POSTED_COUNTS,
    keys::GEOFENCE,
    keys::LAPP_VALIDATIONS,
    keys::TIME_INTERVAL_IN_DAYS,
    keys::ACTIVITY_COUNT,
    keys::RESTRICTED_ACTIVITY,
    keys::DISPLAY_MESSAGE,
    keys::MINIMUM_ACTIVITY_COUNT,
    keys::ACTIVITY,
    keys::PHONE_FIELDS,
    keys::SEND_VIA_LAPP,
    keys::LAPP_ID,
    keys::LAPP_ENV,
    keys::RADIUS,
    keys::LATITUDE_FIELD,
    keys::LONGITUDE_FIELD,
    "recordingenabled",
    "RECORDINGENABLED",
    "Recording Enabled",
    "mode",
    "Datas",
    "OtpValidation",
    "GeoFenceValidation",
    "",
    " ",
    "x",
];

/// Strings the rules treat specially, and some awkward ones.
pub const STRING_POOL: [&str; 34] = [
    "DualActivity",
    "SingleActivity",
    "Dual Activity",
    "single activity",
    "DUALACTIVITY",
    "Solo",
    "Live",
    "Test",
    "live",
    "mx_Custom_1",
    "mx_Custom_2",
    "mx_Custom_3",
    "Phone",
    "Mobile",
    "mx_Latitude",
    "mx_Longitude",
    "",
    " ",
    "\t\n",
    "Meeting name",
    "da_46224_a63081b7_1",
    "+919800000001",
    "209",
    "12.9716",
    "77.5946",
    "-91",
    "1e400",
    "NaN",
    "inf",
    "true",
    "é",
    "\u{0}",
    "\u{feff}",
    "👍🏽",
];

const MODES: [&str; 7] = [
    "DualActivity",
    "SingleActivity",
    "Dual Activity",
    "single activity",
    "dUaLaCtIvItY",
    "Solo",
    "",
];

/// The moment every generated scenario is built around.
pub fn base() -> Instant {
    Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap()
}

/// A string: mostly from [`STRING_POOL`], else any short string.
pub fn string(u: &mut Unstructured) -> Result<String> {
    if u.ratio(3, 4)? {
        Ok((*u.choose(&STRING_POOL)?).to_owned())
    } else {
        let s: String = u.arbitrary()?;
        Ok(s.chars().take(160).collect())
    }
}

/// A key: mostly from [`KEY_POOL`].
pub fn key(u: &mut Unstructured) -> Result<String> {
    if u.ratio(7, 8)? {
        Ok((*u.choose(&KEY_POOL)?).to_owned())
    } else {
        string(u)
    }
}

/// A JSON number: edges first (0, ±1, the u32 and i64 limits, huge and tiny floats).
pub fn number(u: &mut Unstructured) -> Result<Value> {
    const INTS: [i64; 12] = [
        0,
        1,
        -1,
        2,
        5,
        20,
        21,
        30,
        209,
        4_294_967_295,
        4_294_967_296,
        i64::MIN,
    ];
    const FLOATS: [f64; 14] = [
        0.5,
        1.0,
        -0.0,
        1.5,
        2.0,
        90.0,
        180.0,
        100.0,
        1e16,
        1e19,
        1e308,
        -1e308,
        5e-324,
        f64::MAX,
    ];
    let n = match u.int_in_range(0..=6)? {
        0 => Number::from(*u.choose(&INTS)?),
        1 => Number::from(u.arbitrary::<i8>()?),
        2 => Number::from_f64(*u.choose(&FLOATS)?).unwrap_or_else(|| Number::from(0)),
        3 => Number::from(u.arbitrary::<u32>()?),
        4 => Number::from_f64(u.arbitrary::<f64>()?).unwrap_or_else(|| Number::from(7)),
        5 => Number::from(u.arbitrary::<i64>()?),
        _ => Number::from(u.arbitrary::<u64>()?),
    };
    Ok(Value::Number(n))
}

/// Any JSON value, at most `depth` levels deep, keys biased toward the settings keys.
pub fn value(u: &mut Unstructured, depth: u32) -> Result<Value> {
    let top = if depth == 0 { 3 } else { 5 };
    Ok(match u.int_in_range(0..=top)? {
        0 => Value::String(string(u)?),
        1 => number(u)?,
        2 => Value::Bool(u.arbitrary()?),
        3 => Value::Null,
        4 => {
            let n = u.int_in_range(0..=4)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(value(u, depth - 1)?);
            }
            Value::Array(items)
        }
        _ => {
            let n = u.int_in_range(0..=4)?;
            let mut map = Map::new();
            for _ in 0..n {
                map.insert(key(u)?, value(u, depth - 1)?);
            }
            Value::Object(map)
        }
    })
}

/// Puts `key` in `map`: mostly the well-formed value `good` makes; now and
/// then nothing, `null` or any value.
fn field(
    u: &mut Unstructured,
    map: &mut Map<String, Value>,
    key: &str,
    good: impl FnOnce(&mut Unstructured) -> Result<Value>,
) -> Result<()> {
    let v = match u.int_in_range(0..=15)? {
        0..=11 => good(u)?,
        12 => return Ok(()),
        13 => Value::Null,
        _ => value(u, 2)?,
    };
    map.insert(key.to_owned(), v);
    Ok(())
}

/// An optional field: present (well-formed) half the time.
fn optional(
    u: &mut Unstructured,
    map: &mut Map<String, Value>,
    key: &str,
    good: impl FnOnce(&mut Unstructured) -> Result<Value>,
) -> Result<()> {
    if u.ratio(1, 2)? {
        field(u, map, key, good)
    } else {
        Ok(())
    }
}

/// Now and then an unknown or near-miss key.
fn stray_keys(u: &mut Unstructured, map: &mut Map<String, Value>) -> Result<()> {
    if u.ratio(1, 12)? {
        let n = u.int_in_range(1..=2)?;
        for _ in 0..n {
            map.insert(key(u)?, value(u, 1)?);
        }
    }
    Ok(())
}

/// An activity code, mostly one of [`CODES`].
pub fn code(u: &mut Unstructured) -> Result<u32> {
    if u.ratio(7, 8)? {
        Ok(*u.choose(&CODES)?)
    } else {
        u.arbitrary()
    }
}

fn code_value(u: &mut Unstructured) -> Result<Value> {
    if u.ratio(15, 16)? {
        Ok(Value::from(code(u)?))
    } else {
        number(u)
    }
}

fn text_value(u: &mut Unstructured) -> Result<Value> {
    Ok(Value::String(string(u)?))
}

fn whole_value(u: &mut Unstructured) -> Result<Value> {
    if u.ratio(3, 4)? {
        Ok(Value::from(u.int_in_range(1u32..=40)?))
    } else {
        number(u)
    }
}

fn array_of(
    u: &mut Unstructured,
    max: u32,
    item: impl Fn(&mut Unstructured) -> Result<Value>,
) -> Result<Value> {
    let n = u.int_in_range(0..=max)?;
    let mut items = Vec::new();
    for _ in 0..n {
        items.push(item(u)?);
    }
    Ok(Value::Array(items))
}

fn lapp_ref(u: &mut Unstructured) -> Result<Value> {
    let mut m = Map::new();
    field(u, &mut m, keys::LAPP_ID, text_value)?;
    field(u, &mut m, keys::LAPP_ENV, |u| {
        Ok(Value::from(*u.choose(&["Live", "Test", "live", "Prod"])?))
    })?;
    stray_keys(u, &mut m)?;
    Ok(Value::Object(m))
}

fn validations(u: &mut Unstructured) -> Result<Value> {
    let mut m = Map::new();
    optional(u, &mut m, keys::OTP, |u| {
        let mut o = Map::new();
        field(u, &mut o, keys::PHONE_FIELDS, |u| {
            array_of(u, 3, text_value)
        })?;
        optional(u, &mut o, keys::SEND_VIA_LAPP, lapp_ref)?;
        stray_keys(u, &mut o)?;
        Ok(Value::Object(o))
    })?;
    optional(u, &mut m, keys::CREATION_LIMIT, |u| {
        let mut o = Map::new();
        field(u, &mut o, keys::TIME_INTERVAL_IN_DAYS, whole_value)?;
        field(u, &mut o, keys::ACTIVITY_COUNT, whole_value)?;
        field(u, &mut o, keys::RESTRICTED_ACTIVITY, code_value)?;
        optional(u, &mut o, keys::DISPLAY_MESSAGE, text_value)?;
        stray_keys(u, &mut o)?;
        Ok(Value::Object(o))
    })?;
    optional(u, &mut m, keys::POSTED_COUNTS, |u| {
        array_of(u, 3, |u| {
            let mut o = Map::new();
            field(u, &mut o, keys::TIME_INTERVAL_IN_DAYS, whole_value)?;
            field(u, &mut o, keys::MINIMUM_ACTIVITY_COUNT, whole_value)?;
            field(u, &mut o, keys::ACTIVITY, code_value)?;
            optional(u, &mut o, keys::DISPLAY_MESSAGE, text_value)?;
            stray_keys(u, &mut o)?;
            Ok(Value::Object(o))
        })
    })?;
    optional(u, &mut m, keys::GEOFENCE, |u| {
        let mut o = Map::new();
        field(u, &mut o, keys::RADIUS, |u| {
            if u.ratio(1, 2)? {
                Ok(Value::from(u.int_in_range(1u32..=5000)?))
            } else {
                number(u)
            }
        })?;
        field(u, &mut o, keys::LATITUDE_FIELD, text_value)?;
        field(u, &mut o, keys::LONGITUDE_FIELD, text_value)?;
        optional(u, &mut o, keys::DISPLAY_MESSAGE, text_value)?;
        stray_keys(u, &mut o)?;
        Ok(Value::Object(o))
    })?;
    optional(u, &mut m, keys::LAPP_VALIDATIONS, |u| {
        array_of(u, 2, lapp_ref)
    })?;
    stray_keys(u, &mut m)?;
    Ok(Value::Object(m))
}

fn entry(u: &mut Unstructured) -> Result<Value> {
    let mut m = Map::new();
    optional(u, &mut m, keys::START_CODE, code_value)?;
    field(u, &mut m, keys::END_CODE, code_value)?;
    optional(u, &mut m, keys::DISPLAY_NAME, text_value)?;
    optional(u, &mut m, keys::END_FORM_ERROR, text_value)?;
    for (k, good) in
        keys::RECORDING_FIELDS
            .iter()
            .zip(["mx_Custom_1", "mx_Custom_2", "mx_Custom_3"])
    {
        field(u, &mut m, k, |u| {
            if u.ratio(3, 4)? {
                Ok(Value::from(good))
            } else {
                text_value(u)
            }
        })?;
    }
    optional(u, &mut m, keys::VALIDATIONS, validations)?;
    stray_keys(u, &mut m)?;
    Ok(Value::Object(m))
}

/// A settings object: each known key present or not, mostly with a value of
/// the right shape, now and then anything; plus stray keys.
pub fn settings_value(u: &mut Unstructured) -> Result<Value> {
    let mut m = Map::new();
    field(u, &mut m, keys::RECORDING_ENABLED, |u| {
        Ok(Value::Bool(!u.ratio(1, 8)?))
    })?;
    optional(u, &mut m, keys::MESSAGE, text_value)?;
    field(u, &mut m, keys::MODE, |u| {
        Ok(Value::from(*u.choose(&MODES)?))
    })?;
    field(u, &mut m, keys::DATA, |u| array_of(u, 3, entry))?;
    stray_keys(u, &mut m)?;
    Ok(Value::Object(m))
}

/// One of [`SEEDS`], parsed, then changed in 1 to 4 places.
pub fn mutated_seed(u: &mut Unstructured) -> Result<Value> {
    let mut v: Value = serde_json::from_str(u.choose(&SEEDS)?).expect("the seeds are JSON");
    let n = u.int_in_range(1..=4)?;
    for _ in 0..n {
        mutate(u, &mut v)?;
    }
    Ok(v)
}

/// Changes one place of `v`: walks down at random, then replaces, removes,
/// duplicates or adds.
pub fn mutate(u: &mut Unstructured, v: &mut Value) -> Result<()> {
    let descend = u.ratio(4, 5)?;
    match v {
        Value::Object(map) if !map.is_empty() => {
            let i = u.choose_index(map.len())?;
            let k = map.keys().nth(i).cloned().unwrap_or_default();
            match u.int_in_range(0..=5)? {
                0 | 1 if descend => mutate(u, map.get_mut(&k).expect("the key is there")),
                2 => {
                    map.shift_remove(&k);
                    Ok(())
                }
                3 => {
                    map.insert(key(u)?, value(u, 2)?);
                    Ok(())
                }
                4 => {
                    // The same key, differently spelled.
                    let v = map.shift_remove(&k).unwrap_or(Value::Null);
                    let spelled = if u.arbitrary()? {
                        k.to_lowercase()
                    } else {
                        format!("{k} ")
                    };
                    map.insert(spelled, v);
                    Ok(())
                }
                _ => {
                    map.insert(k, value(u, 2)?);
                    Ok(())
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let i = u.choose_index(items.len())?;
            match u.int_in_range(0..=3)? {
                0 | 1 if descend => mutate(u, &mut items[i]),
                2 => {
                    items.remove(i);
                    Ok(())
                }
                _ => {
                    let copy = items[i].clone();
                    items.push(copy);
                    Ok(())
                }
            }
        }
        Value::Number(_) if u.arbitrary()? => {
            *v = number(u)?;
            Ok(())
        }
        _ => {
            *v = value(u, 2)?;
            Ok(())
        }
    }
}

/// A settings value, built from scratch or from a mutated seed.
pub fn any_settings(u: &mut Unstructured) -> Result<Value> {
    if u.arbitrary()? {
        mutated_seed(u)
    } else {
        settings_value(u)
    }
}

/// An offset in seconds: small, at a rule's boundary, or large.
pub fn offset_s(u: &mut Unstructured) -> Result<i64> {
    const EDGES: [i64; 18] = [
        0, 1, -1, 599, 600, 601, 899, 900, 901, 3_599, 3_600, 3_601, 86_399, 86_400, -86_400,
        172_800, 2_592_000, -2_592_000,
    ];
    Ok(match u.int_in_range(0..=3)? {
        0 => i64::from(u.arbitrary::<i16>()?),
        1 => *u.choose(&EDGES)?,
        2 => i64::from(u.arbitrary::<i32>()?) % 200_000,
        _ => i64::from(u.arbitrary::<i32>()?),
    })
}

/// A moment a server's clock may read: within about 68 years of [`base`].
pub fn server_instant(u: &mut Unstructured) -> Result<Instant> {
    let at = base() + Duration::seconds(offset_s(u)?);
    Ok(if u.ratio(1, 8)? {
        at + Duration::milliseconds(u.int_in_range(1..=999)?)
    } else {
        at
    })
}

/// A moment given in JSON by a device or the CRM: near `near`, or now and
/// then anywhere chrono can hold (RFC 3339 with a signed, longer year reads
/// back, so JSON can carry these).
pub fn data_instant(u: &mut Unstructured, near: Instant) -> Result<Instant> {
    Ok(match u.int_in_range(0..=31)? {
        0 => *u.choose(&[DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC])?,
        1 => {
            let lo = DateTime::<Utc>::MIN_UTC.timestamp();
            let hi = DateTime::<Utc>::MAX_UTC.timestamp();
            DateTime::from_timestamp(u.int_in_range(lo..=hi)?, 0).unwrap_or(near)
        }
        _ => {
            let at = near
                .checked_add_signed(Duration::seconds(offset_s(u)?))
                .unwrap_or(near);
            if u.ratio(1, 8)? {
                at.checked_add_signed(Duration::milliseconds(u.int_in_range(1..=999)?))
                    .unwrap_or(at)
            } else {
                at
            }
        }
    })
}

/// A file or activity id: valid mostly, else empty, too long or with spaces.
pub fn id(u: &mut Unstructured) -> Result<String> {
    const IDS: [&str; 8] = ["r1", "r2", "r3", "A-1", "A-2", "rec.1_x-2", "", "bad id"];
    Ok(match u.int_in_range(0..=9)? {
        0..=7 => (*u.choose(&IDS)?).to_owned(),
        8 => "x".repeat(u.int_in_range(127..=129)?),
        _ => string(u)?,
    })
}

/// A user: one of a few.
pub fn user(u: &mut Unstructured) -> Result<String> {
    Ok((*u.choose(&["U-1", "U-2", "", "u-1"])?).to_owned())
}

/// An `f64` the JSON of a request may carry (finite), or now and then not.
pub fn float(u: &mut Unstructured) -> Result<f64> {
    const F: [f64; 16] = [
        0.0,
        -0.0,
        0.0005,
        0.0015,
        1.0,
        59.999,
        90.0,
        -90.0,
        180.0,
        12.9716,
        77.5946,
        1e16,
        1e19,
        1e308,
        f64::MAX,
        -1.0,
    ];
    Ok(match u.int_in_range(0..=7)? {
        0..=5 => *u.choose(&F)?,
        6 => u.arbitrary()?,
        _ => *u.choose(&[
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
        ])?,
    })
}
