//! Rolling windows over a lead's history (rule 8).

use chrono::Duration;

use crate::lead::{Activity, EventCode};
use crate::time::{days, Instant};

/// The activities of one code in a rolling window of `N` days ending at `now`.
pub struct Window<'h> {
    /// `now - N x 24 h`: activities created at or after it are inside.
    pub start: Instant,
    /// The window's length.
    pub length: Duration,
    /// The activities inside, oldest first (those dated after `now` included).
    pub inside: Vec<&'h Activity>,
}

impl<'h> Window<'h> {
    /// The activities of `code` in the `days`-day window ending at `now`.
    pub fn of(history: &'h [Activity], code: EventCode, now: Instant, length_days: u32) -> Self {
        let length = days(length_days);
        let start = now - length;
        let mut inside: Vec<&Activity> = history
            .iter()
            .filter(|a| a.event_code == code && a.created_on >= start)
            .collect();
        inside.sort_by_key(|a| a.created_on);
        Window {
            start,
            length,
            inside,
        }
    }

    /// How many activities the window holds.
    pub fn count(&self) -> u32 {
        u32::try_from(self.inside.len()).unwrap_or(u32::MAX)
    }

    /// When the window will hold fewer than `limit` activities, if it holds `limit` or more now:
    /// the moment the activity that must leave leaves (its creation + the window's length).
    pub fn leaves_below(&self, limit: u32) -> Option<Instant> {
        let excess = self.inside.len().checked_sub(limit as usize)?;
        self.inside
            .get(excess)
            .map(|a| crate::time::next_whole_second(a.created_on + self.length))
    }
}
