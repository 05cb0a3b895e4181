//! The lead a meeting is recorded with, and its activity history.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::time::Instant;

/// An activity type's code, as the CRM numbers them (`158`, `209`, ...).
#[cfg_attr(feature = "wasm", tsify::declare)]
pub type EventCode = u32;

/// A lead: its id and the fields the rules read (phone numbers, position, stage).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct Lead {
    /// The lead's id in the CRM.
    pub id: String,
    /// Field values by schema name (`Phone`, `Mobile`, `mx_Latitude`, ...).
    #[serde(default)]
    pub fields: BTreeMap<String, Value>,
}

impl Lead {
    /// The field's value as text, or `None` when it is absent, `null` or blank.
    /// Numbers are given as written.
    pub fn field_text(&self, name: &str) -> Option<String> {
        match self.fields.get(name)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

/// One activity posted on a lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct Activity {
    /// The activity's id.
    pub id: String,
    /// The activity type's code.
    pub event_code: EventCode,
    /// When the activity was created.
    pub created_on: Instant,
    /// The user who posted it, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}
