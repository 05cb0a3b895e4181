//! The recording lifecycle's ops ([`crate::lifecycle`]), an extension of the
//! format (keys of `vectors.md`, new ops):
//!
//! - `retention`: `input.recording` (a recording's stored metadata); the
//!   settings' `RecordingRetentionDays` (absent settings: kept forever).
//!   `expect`: `kept` (bool), optional `removal` (`{at, reason, ...}`).
//! - `erasure`: `input.recordings` (the recordings the lead's activities
//!   carry, in order), `input.stored` (id to stored metadata or `null`),
//!   `input.requested_by`, `input.id`. `expect`: `covered` (ids),
//!   `recordings_removed`, `bytes_removed`, `already_removed`; or `error`
//!   (the field refused).
//! - `sweep`: `input.record` (`{kind, ...}`: a [`Record`]), `input.owner`
//!   (the idempotency record of the request owning held state, or `null`);
//!   the settings' retention. `expect`: `action` (`keep`, `release`,
//!   `remove`, `resolve`, `expire`), optional `removal` for `expire`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};

use super::{Context, Mismatches};
use crate::idempotency::KeyRecord;
use crate::lifecycle::erasure::{check_requested_by, covered, erase, ErasureRecord};
use crate::lifecycle::removal::{bytes_at, Bytes};
use crate::lifecycle::sweep::{decide, Record};
use crate::plan::RecordingMeta;
use crate::upload::StoredUpload;

/// The ops of this module.
pub(super) const OPS: [&str; 3] = ["retention", "erasure", "sweep"];

/// The org's retention in the vector's settings, if it gives settings.
fn retention_days(ctx: &Context) -> Result<Option<u32>, String> {
    match &ctx.report {
        None => Ok(None),
        Some(_) => Ok(ctx.settings()?.recording_retention_days),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RetentionInput {
    recording: StoredUpload,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ErasureInput {
    recordings: Vec<RecordingMeta>,
    #[serde(default)]
    stored: BTreeMap<String, Option<StoredUpload>>,
    requested_by: String,
    #[serde(default = "default_erasure_id")]
    id: String,
}

fn default_erasure_id() -> String {
    "E-1".to_owned()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepInput {
    record: Record,
    #[serde(default)]
    owner: Option<KeyRecord>,
}

/// Runs a `retention`, `erasure` or `sweep` vector.
pub(super) fn run(ctx: &Context, op: &str) -> Result<Value, String> {
    let now = ctx.now()?;
    match op {
        "retention" => {
            let input: RetentionInput = ctx.input()?;
            Ok(
                match bytes_at(&input.recording, retention_days(ctx)?, now) {
                    Bytes::Kept => json!({ "kept": true }),
                    Bytes::Removed(removal) => json!({ "kept": false, "removal": removal }),
                },
            )
        }
        "erasure" => {
            let input: ErasureInput = ctx.input()?;
            let requested_by = match check_requested_by(&input.requested_by) {
                Ok(who) => who,
                Err(e) => return Ok(json!({ "error": e.field(), "message": e.to_string() })),
            };
            let ids = covered(&input.recordings);
            let mut record = ErasureRecord::new(&input.id, "lead", &requested_by, now);
            for id in &ids {
                let stored = input.stored.get(id).cloned().flatten();
                record.count(&erase(stored.as_ref(), &input.id, now));
            }
            Ok(json!({
                "covered": ids,
                "recordings_removed": record.recordings_removed,
                "bytes_removed": record.bytes_removed,
                "already_removed": record.already_removed,
            }))
        }
        _ => {
            let input: SweepInput = ctx.input()?;
            let action = decide(
                &input.record,
                input.owner.as_ref(),
                retention_days(ctx)?,
                now,
            );
            serde_json::to_value(action).map_err(|e| e.to_string())
        }
    }
}

/// The op's answer key must be given and equal (`kept`, `action`; for
/// `erasure`, `covered` or `error`); every other key given must equal the one produced.
pub(super) fn compare(op: &str, expect: &Value, actual: &Value, m: &mut Mismatches) {
    let required = match op {
        "retention" => "kept",
        "sweep" => "action",
        _ if expect.get("error").is_some() => "error",
        _ => "covered",
    };
    m.required_equal(expect, actual, required);
    for (key, _) in expect.as_object().into_iter().flatten() {
        if key != required {
            m.optional_equal(expect, actual, key);
        }
    }
}
