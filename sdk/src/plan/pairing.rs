//! Dual mode: which Starts are still open (rule 15).

use crate::lead::{by_creation, Activity};
use crate::settings::Entry;

/// The entry's Starts by `user` that no End has closed, oldest first.
///
/// Activities are taken in time order (ties in the order given); each End of
/// the entry by the same user closes the earliest open Start. Activities
/// without a user pair with no one.
pub fn open_starts<'h>(entry: &Entry, history: &'h [Activity], user: &str) -> Vec<&'h Activity> {
    let mut mine: Vec<&Activity> = history
        .iter()
        .filter(|a| a.user.as_deref() == Some(user))
        .collect();
    mine.sort_by(by_creation);
    let mut open: Vec<&Activity> = Vec::new();
    for activity in mine {
        if Some(activity.event_code) == entry.meeting_start_event_code {
            open.push(activity);
        } else if Some(activity.event_code) == entry.meeting_end_event_code && !open.is_empty() {
            open.remove(0);
        }
    }
    open
}
