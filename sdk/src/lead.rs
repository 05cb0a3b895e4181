//! The lead a meeting is recorded with, and its activity history.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::time::{Instant, Stamp};

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
        self.field_str(name).map(Cow::into_owned)
    }

    /// Whether [`Lead::field_text`] gives a text for the field, without
    /// making it (a string holds a text when it is not all whitespace).
    pub fn has_text(&self, name: &str) -> bool {
        match self.fields.get(name) {
            Some(Value::String(s)) => !blank(s),
            Some(Value::Number(_)) => true,
            _ => false,
        }
    }

    /// [`Lead::field_text`], borrowed from the lead when the field is a string.
    pub fn field_str(&self, name: &str) -> Option<Cow<'_, str>> {
        match self.fields.get(name)? {
            Value::String(s) if !blank(s) => Some(Cow::Borrowed(s.trim())),
            Value::Number(n) => Some(Cow::Owned(n.to_string())),
            _ => None,
        }
    }
}

/// Whether a field's string holds no text (empty, or all whitespace).
fn blank(s: &str) -> bool {
    s.trim().is_empty()
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
/// for a device that decides again and again on one history, and says
/// between which creations the instant may move with the same answers.
pub trait Activities {
    /// What a window from `start` holds of `code`'s activities.
    fn since(&self, code: EventCode, start: Stamp) -> Since;

    /// The creation of the `nth` earliest (0: the earliest) activity of
    /// `code` created at or after `start`, if there are more than `nth`.
    fn nth_since(&self, code: EventCode, start: Stamp, nth: usize) -> Option<Stamp>;

    /// How many activities of `code` were created at or after `start`.
    fn count_since(&self, code: EventCode, start: Stamp) -> usize {
        self.since(code, start).count
    }
}

/// What a window from an instant `start` holds of one code's activities
/// ([`Activities::since`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Since {
    /// How many activities were created at or after `start`.
    pub count: usize,
    /// The creations around `start`, where the history says them (an
    /// [`IndexedHistory`] does; a slice does not look).
    pub around: Option<Around>,
}

/// The creations around an instant `start`: any other start after `before`
/// and up to `first` finds the same activities at or after it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Around {
    /// The creation of the latest activity created before `start`, if any.
    pub before: Option<Stamp>,
    /// The creation of the earliest activity created at or after `start`, if any.
    pub first: Option<Stamp>,
}

impl Activities for [Activity] {
    fn since(&self, code: EventCode, start: Stamp) -> Since {
        let start = start.instant();
        Since {
            count: self
                .iter()
                .filter(|a| a.event_code == code && a.created_on >= start)
                .count(),
            around: None,
        }
    }

    fn nth_since(&self, code: EventCode, start: Stamp, nth: usize) -> Option<Stamp> {
        let start = start.instant();
        let mut inside: Vec<&Activity> = self
            .iter()
            .filter(|a| a.event_code == code && a.created_on >= start)
            .collect();
        if nth >= inside.len() {
            return None;
        }
        // The sort Dual pairing uses (one copy of sorting code in the wasm
        // package, where a selection would weigh kilobytes more).
        inside.sort_by(by_creation);
        Some(Stamp::from(inside[nth].created_on))
    }
}

/// Orders activities by creation (a sort by it keeps ties in their order).
pub fn by_creation(a: &&Activity, b: &&Activity) -> Ordering {
    a.created_on.cmp(&b.created_on)
}

/// A lead's activity history kept as columns (each activity's code and
/// creation, and its id and user where given) with, for each activity code,
/// its creation instants in order: the same answers as the slice of its
/// activities ([`Activities`]), each in O(log n), and activities appended one
/// by one (O(n) at worst, O(1) when they come in order). Built for the
/// device, where one history serves many decisions; built from columns, it
/// makes no value per activity (no [`Activity`], no [`Instant`]) unless
/// [`IndexedHistory::activities`] is asked for.
#[derive(Debug, Clone, Default)]
pub struct IndexedHistory {
    /// Each activity's code, in the order given.
    codes: Vec<EventCode>,
    /// Each activity's creation, in the order given.
    created: Vec<Stamp>,
    /// Each activity's id, in the order given; empty while every id is empty.
    ids: Vec<String>,
    /// Each activity's user, in the order given; empty while every user is unknown.
    users: Vec<Option<String>>,
    /// Each code, in order, with the creation instants of its activities, sorted.
    by_code: Vec<(EventCode, Vec<Stamp>)>,
}

impl IndexedHistory {
    /// An empty history.
    pub fn new() -> Self {
        Self::default()
    }

    /// The history of `activities`, in their order.
    pub fn from_activities(activities: Vec<Activity>) -> Self {
        let n = activities.len();
        let (mut codes, mut created) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let (mut ids, mut users) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for a in activities {
            codes.push(a.event_code);
            created.push(Stamp::from(a.created_on));
            ids.push(a.id);
            users.push(a.user);
        }
        Self::from_columns(codes, created, ids, users)
    }

    /// The history of activities given as columns, in one order: each one's
    /// code in `codes` and creation in `created`; `ids` and `users` hold
    /// each one's id and user, or are empty (every id empty, every user
    /// unknown: the validations read neither). Indexed in one pass, and one
    /// sort for each code whose activities come neither oldest nor newest
    /// first.
    ///
    /// # Panics
    ///
    /// When `created` is not as long as `codes`, or `ids` or `users` is
    /// neither empty nor as long.
    pub fn from_columns(
        codes: Vec<EventCode>,
        created: Vec<Stamp>,
        ids: Vec<String>,
        users: Vec<Option<String>>,
    ) -> Self {
        let n = codes.len();
        assert!(
            created.len() == n
                && (ids.is_empty() || ids.len() == n)
                && (users.is_empty() || users.len() == n),
            "IndexedHistory::from_columns: {} creations, {} ids and {} users for {n} codes",
            created.len(),
            ids.len(),
            users.len()
        );
        // Each code's instants in the order given, and whether they came in
        // order (`Less`: oldest first) or reversed.
        let mut by_code: Vec<(EventCode, Vec<Stamp>)> = Vec::new();
        let mut order: Vec<Option<Ordering>> = Vec::new();
        for (&code, &at) in codes.iter().zip(&created) {
            match by_code.binary_search_by_key(&code, |(c, _)| *c) {
                Ok(i) => {
                    let (times, seen) = (&mut by_code[i].1, &mut order[i]);
                    let step = times.last().map_or(Ordering::Equal, |last| last.cmp(&at));
                    if *seen == Some(Ordering::Equal) || *seen == Some(step) {
                        *seen = Some(step);
                    } else if step != Ordering::Equal {
                        *seen = None;
                    }
                    times.push(at);
                }
                Err(i) => {
                    by_code.insert(i, (code, vec![at]));
                    order.insert(i, Some(Ordering::Equal));
                }
            }
        }
        for ((_, times), seen) in by_code.iter_mut().zip(order) {
            match seen {
                Some(Ordering::Greater) => times.reverse(),
                Some(_) => {}
                None => sort(times),
            }
        }
        IndexedHistory {
            codes,
            created,
            ids,
            users,
            by_code,
        }
    }

    /// Appends an activity (it may be dated anywhere: the index stays sorted).
    pub fn push(&mut self, activity: Activity) {
        let n = self.codes.len();
        if !(activity.id.is_empty() && self.ids.is_empty()) {
            self.ids.resize(n, String::new());
            self.ids.push(activity.id);
        }
        if !(activity.user.is_none() && self.users.is_empty()) {
            self.users.resize(n, None);
            self.users.push(activity.user);
        }
        let (code, at) = (activity.event_code, Stamp::from(activity.created_on));
        self.codes.push(code);
        self.created.push(at);
        let times = match self.by_code.binary_search_by_key(&code, |(c, _)| *c) {
            Ok(i) => &mut self.by_code[i].1,
            Err(i) => {
                self.by_code.insert(i, (code, Vec::new()));
                &mut self.by_code[i].1
            }
        };
        let place = times.partition_point(|t| *t <= at);
        times.insert(place, at);
    }

    /// Removes every activity.
    pub fn clear(&mut self) {
        *self = Self::new();
    }

    /// How many activities the history holds.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether the history holds no activity.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The activities, in the order they were given, as [`Activity`] values.
    pub fn activities(&self) -> Vec<Activity> {
        (0..self.len())
            .map(|i| Activity {
                id: self.ids.get(i).cloned().unwrap_or_default(),
                event_code: self.codes[i],
                created_on: self.created[i].instant(),
                user: self.users.get(i).cloned().flatten(),
            })
            .collect()
    }

    /// The sorted creation instants of `code`'s activities.
    fn times(&self, code: EventCode) -> &[Stamp] {
        match self.by_code.binary_search_by_key(&code, |(c, _)| *c) {
            Ok(i) => &self.by_code[i].1,
            Err(_) => &[],
        }
    }
}

/// Sorts instants by insertion (a few lines of code where the standard sort
/// would weigh kilobytes in the wasm package; histories mostly come in order
/// or reversed, which need no sort).
fn sort(times: &mut [Stamp]) {
    for i in 1..times.len() {
        let mut j = i;
        while j > 0 && times[j - 1] > times[j] {
            times.swap(j - 1, j);
            j -= 1;
        }
    }
}

impl Activities for IndexedHistory {
    fn since(&self, code: EventCode, start: Stamp) -> Since {
        let times = self.times(code);
        let first = times.partition_point(|t| *t < start);
        Since {
            count: times.len() - first,
            around: Some(Around {
                before: first.checked_sub(1).map(|i| times[i]),
                first: times.get(first).copied(),
            }),
        }
    }

    fn nth_since(&self, code: EventCode, start: Stamp, nth: usize) -> Option<Stamp> {
        let times = self.times(code);
        let first = times.partition_point(|t| *t < start);
        times.get(first.checked_add(nth)?).copied()
    }
}

impl Activities for Vec<Activity> {
    fn since(&self, code: EventCode, start: Stamp) -> Since {
        self.as_slice().since(code, start)
    }

    fn nth_since(&self, code: EventCode, start: Stamp, nth: usize) -> Option<Stamp> {
        self.as_slice().nth_since(code, start, nth)
    }
}

impl Activities for &[Activity] {
    fn since(&self, code: EventCode, start: Stamp) -> Since {
        (**self).since(code, start)
    }

    fn nth_since(&self, code: EventCode, start: Stamp, nth: usize) -> Option<Stamp> {
        (**self).nth_since(code, start, nth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_field_has_a_text_when_field_text_gives_one() {
        let values = [
            json!("+91 98"),
            json!("  +91  "),
            json!(""),
            json!(" \t\u{a0}\u{2003}"),
            json!("\u{2003}x"),
            json!(12.5),
            json!(0),
            json!(null),
            json!(true),
            json!(["1"]),
            json!({"a": "1"}),
        ];
        for value in values {
            let lead = Lead {
                id: "L".into(),
                fields: [("F".to_owned(), value.clone())].into(),
            };
            assert_eq!(
                lead.has_text("F"),
                lead.field_text("F").is_some(),
                "{value}"
            );
        }
        assert!(!Lead::default().has_text("F"));
    }
}
