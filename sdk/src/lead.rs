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

/// What the rules read of a lead's activity history: how many activities of
/// a code were created at or after an instant, and when the n-th earliest of
/// them was. A slice of [`Activity`] answers by a pass over it (the
/// definition); an [`IndexedHistory`] gives the same answers by binary search,
/// for a device that decides again and again on one history.
pub trait Activities {
    /// How many activities of `code` were created at or after `start`.
    fn count_since(&self, code: EventCode, start: Instant) -> usize;

    /// The creation instant of the `nth` earliest (0: the earliest) activity
    /// of `code` created at or after `start`, if there are more than `nth`.
    fn nth_since(&self, code: EventCode, start: Instant, nth: usize) -> Option<Instant>;
}

impl Activities for [Activity] {
    fn count_since(&self, code: EventCode, start: Instant) -> usize {
        self.iter()
            .filter(|a| a.event_code == code && a.created_on >= start)
            .count()
    }

    fn nth_since(&self, code: EventCode, start: Instant, nth: usize) -> Option<Instant> {
        let mut inside: Vec<Instant> = self
            .iter()
            .filter(|a| a.event_code == code && a.created_on >= start)
            .map(|a| a.created_on)
            .collect();
        if nth >= inside.len() {
            return None;
        }
        let (_, at, _) = inside.select_nth_unstable(nth);
        Some(*at)
    }
}

/// A lead's activity history with, for each activity code, its creation
/// instants in order: the same answers as the slice of its activities
/// ([`Activities`]), each in O(log n), and activities appended one by one
/// (O(n) at worst, O(1) when they come in order). Built for the device,
/// where one history serves many decisions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndexedHistory {
    activities: Vec<Activity>,
    /// Per code (sorted by code): the creation instants, sorted.
    by_code: Vec<(EventCode, Vec<Instant>)>,
}

impl IndexedHistory {
    /// An empty history.
    pub fn new() -> Self {
        Self::default()
    }

    /// The history of `activities`, in their order (indexed in one sort).
    pub fn from_activities(activities: Vec<Activity>) -> Self {
        let mut by_code: Vec<(EventCode, Vec<Instant>)> = Vec::new();
        for a in &activities {
            match by_code.binary_search_by_key(&a.event_code, |(c, _)| *c) {
                Ok(i) => by_code[i].1.push(a.created_on),
                Err(i) => by_code.insert(i, (a.event_code, vec![a.created_on])),
            }
        }
        for (_, times) in &mut by_code {
            sort(times);
        }
        IndexedHistory {
            activities,
            by_code,
        }
    }

    /// Appends an activity (it may be dated anywhere: the index stays sorted).
    pub fn push(&mut self, activity: Activity) {
        let times = match self
            .by_code
            .binary_search_by_key(&activity.event_code, |(c, _)| *c)
        {
            Ok(i) => &mut self.by_code[i].1,
            Err(i) => {
                self.by_code.insert(i, (activity.event_code, Vec::new()));
                &mut self.by_code[i].1
            }
        };
        let at = activity.created_on;
        if times.last().is_none_or(|last| *last <= at) {
            times.push(at);
        } else {
            let i = times.partition_point(|t| *t <= at);
            times.insert(i, at);
        }
        self.activities.push(activity);
    }

    /// Removes every activity.
    pub fn clear(&mut self) {
        self.activities.clear();
        self.by_code.clear();
    }

    /// The activities, in the order they were given.
    pub fn activities(&self) -> &[Activity] {
        &self.activities
    }

    /// The sorted creation instants of `code`'s activities.
    fn times(&self, code: EventCode) -> &[Instant] {
        match self.by_code.binary_search_by_key(&code, |(c, _)| *c) {
            Ok(i) => &self.by_code[i].1,
            Err(_) => &[],
        }
    }
}

/// Sorts instants: at once when they come in order or in reverse order
/// (newest first, as the CRM lists them), by insertion otherwise (a few
/// lines of code where the standard sort would weigh kilobytes in the wasm
/// package).
fn sort(times: &mut [Instant]) {
    if times.windows(2).all(|w| w[0] >= w[1]) {
        times.reverse();
    }
    for i in 1..times.len() {
        let mut j = i;
        while j > 0 && times[j - 1] > times[j] {
            times.swap(j - 1, j);
            j -= 1;
        }
    }
}

impl Activities for IndexedHistory {
    fn count_since(&self, code: EventCode, start: Instant) -> usize {
        let times = self.times(code);
        times.len() - times.partition_point(|t| *t < start)
    }

    fn nth_since(&self, code: EventCode, start: Instant, nth: usize) -> Option<Instant> {
        let times = self.times(code);
        let first = times.partition_point(|t| *t < start);
        times.get(first.checked_add(nth)?).copied()
    }
}

impl Activities for Vec<Activity> {
    fn count_since(&self, code: EventCode, start: Instant) -> usize {
        self.as_slice().count_since(code, start)
    }

    fn nth_since(&self, code: EventCode, start: Instant, nth: usize) -> Option<Instant> {
        self.as_slice().nth_since(code, start, nth)
    }
}

impl Activities for &[Activity] {
    fn count_since(&self, code: EventCode, start: Instant) -> usize {
        (**self).count_since(code, start)
    }

    fn nth_since(&self, code: EventCode, start: Instant, nth: usize) -> Option<Instant> {
        (**self).nth_since(code, start, nth)
    }
}
