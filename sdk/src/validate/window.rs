//! Rolling windows over a lead's history (rule 8).

use chrono::Duration;

use crate::lead::{Activity, EventCode};
use crate::time::{days, next_whole_second, Instant};

/// The activities of one code in a rolling window of `N` days ending at `now`.
pub struct Window<'h> {
    history: &'h [Activity],
    code: EventCode,
    /// `now - N x 24 h`: activities created at or after it are inside
    /// (those dated after `now` included).
    pub start: Instant,
    /// The window's length.
    pub length: Duration,
    count: u32,
}

impl<'h> Window<'h> {
    /// The activities of `code` in the `length_days`-day window ending at `now`. One pass, no allocation.
    pub fn of(history: &'h [Activity], code: EventCode, now: Instant, length_days: u32) -> Self {
        let length = days(length_days);
        let start = now - length;
        let count = history
            .iter()
            .filter(|a| a.event_code == code && a.created_on >= start)
            .count();
        Window {
            history,
            code,
            start,
            length,
            count: u32::try_from(count).unwrap_or(u32::MAX),
        }
    }

    /// How many activities the window holds.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// When the window will hold fewer than `limit` activities, if it holds `limit` or more now:
    /// the first whole second after the activity that must leave has left
    /// (its creation + the window's length).
    pub fn leaves_below(&self, limit: u32) -> Option<Instant> {
        let excess = (self.count as usize).checked_sub(limit as usize)?;
        let mut inside: Vec<Instant> = self
            .history
            .iter()
            .filter(|a| a.event_code == self.code && a.created_on >= self.start)
            .map(|a| a.created_on)
            .collect();
        let (_, leaving, _) = inside.select_nth_unstable(excess);
        Some(next_whole_second(*leaving + self.length))
    }
}
