//! Rolling windows over a lead's history (rule 8).

use chrono::Duration;

use super::evaluation::Holds;
use crate::lead::{Activities, Activity, EventCode, Since};
use crate::time::{days, next_whole_second, Instant, Stamp};

/// Milliseconds in a day of 24 hours.
const MILLIS_PER_DAY: f64 = 86_400_000.0;

/// The activities of one code in a rolling window of `N` days ending at `now`.
pub struct Window<'h, H: ?Sized = [Activity]> {
    history: &'h H,
    code: EventCode,
    /// `now - N x 24 h`: activities created at or after it are inside
    /// (those dated after `now` included). A window reaching back past the
    /// earliest instant starts there.
    pub start: Stamp,
    /// The window's length in days of 24 hours.
    pub days: u32,
    /// What it holds.
    since: Since,
}

impl<'h, H: Activities + ?Sized> Window<'h, H> {
    /// The activities of `code` in the `length_days`-day window ending at
    /// `now`, over any form of the history ([`Activities`]).
    pub fn over(history: &'h H, code: EventCode, now: Stamp, length_days: u32) -> Self {
        let start = window_start(now, length_days);
        Window {
            history,
            code,
            start,
            days: length_days,
            since: history.since(code, start),
        }
    }

    /// How many activities the window holds.
    pub fn count(&self) -> u32 {
        u32::try_from(self.since.count).unwrap_or(u32::MAX)
    }

    /// When the window holds `limit` activities or more: the creation of the
    /// one that must leave it for the window to hold fewer.
    pub fn leaving_below(&self, limit: u32) -> Option<Stamp> {
        let excess = self.since.count.checked_sub(limit as usize)?;
        self.history.nth_since(self.code, self.start, excess)
    }

    /// Narrows `holds` to the moments a window of the same length ending
    /// there holds the same activities: its start after `before` and up to
    /// `first` ([`Around`](crate::lead::Around)), so `now` after `before +
    /// length` and up to `first + length`. Exact where neither is in a leap
    /// second (the moments are then whole nanoseconds apart, and `now -
    /// length <= first` is `now <= first + length`, saturated windows
    /// included); nowhere otherwise, and where the history does not say.
    pub(super) fn narrow(&self, holds: &mut Holds) {
        let Some(around) = self.since.around else {
            return holds.nowhere();
        };
        let length = f64::from(self.days) * MILLIS_PER_DAY;
        if let Some(first) = around.first {
            if first.is_leap() {
                holds.nowhere();
            } else if let Some(until) = first.checked_add_millis(length) {
                holds.until(until);
            }
            // Past the latest instant: every later moment keeps `first` in.
        }
        if let Some(before) = around.before {
            // Never past the latest instant: `before + length < now`.
            match before.checked_add_millis(length) {
                Some(after) if !before.is_leap() => holds.after(after),
                _ => holds.nowhere(),
            }
        }
    }
}

/// The start of the `length_days`-day window ending at `now` (see [`Window::start`]).
pub fn window_start(now: Stamp, length_days: u32) -> Stamp {
    // Exact: a whole number of days times 86,400,000 = 2^10 x 84,375 fits
    // an f64's 53 bits for any u32.
    now.checked_add_millis(-f64::from(length_days) * MILLIS_PER_DAY)
        .unwrap_or(Stamp::MIN)
}

/// When an activity created at `leaving` has left a window of `length_days` days:
/// the first whole second after its creation + the window's length. `None`
/// when that moment is past the latest instant (an activity dated near the
/// end of time).
pub fn retry_at(leaving: Stamp, length_days: u32) -> Option<Instant> {
    let left = leaving.instant().checked_add_signed(days(length_days))?;
    left.checked_add_signed(Duration::seconds(1))?;
    Some(next_whole_second(left))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::check_settings;
    use crate::validate::{precheck, PrecheckInput};
    use chrono::{DateTime, TimeZone, Utc};

    fn activity(code: EventCode, created_on: Instant) -> Activity {
        Activity {
            id: "A-1".to_owned(),
            event_code: code,
            created_on,
            user: None,
        }
    }

    /// Found by fuzzing (target `decisions`): a window longer than the time
    /// before `now` panicked (`DateTime - TimeDelta` overflowed), and so did
    /// an activity dated near the end of time (`DateTime + TimeDelta`).
    #[test]
    fn windows_past_the_ends_of_time_do_not_panic() {
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
        let early = Window::over(&[][..], 1, Stamp::from(now), u32::MAX);
        assert_eq!(early.start.instant(), DateTime::<Utc>::MIN_UTC);
        // The end of time can be written in JSON (a signed, longer year).
        let end: Instant = serde_json::from_str("\"+262142-12-31T23:59:59Z\"").unwrap();
        let late = [activity(1, end)];
        let w = Window::over(&late[..], 1, Stamp::from(now), 1);
        assert_eq!(w.count(), 1);
        let leaving = w.leaving_below(1).expect("the activity must leave");
        assert_eq!(retry_at(leaving, 1), None);
        // So can a limit of 4294967295 days.
        let report = check_settings(
            r#"{"RecordingEnabled": true, "Mode": "DualActivity", "Data": [{
            "MeetingStartEventCode": 1, "MeetingEndEventCode": 2,
            "RecordingStartTimeField": "a", "RecordingEndTimeField": "b", "RecordingDurationField": "c",
            "Validations": {"ActivityCreationLimitValidation": {"TimeIntervalInDays": 4294967295,
              "ActivityCount": 1, "RestrictedActivity": 1, "DisplayMessage": "x"}}}]}"#,
        );
        let settings = report.settings.expect("valid settings");
        let input = PrecheckInput {
            activity_code: 1,
            user: "U-1".to_owned(),
            user_location: None,
            otp_verified_at: None,
        };
        let d = precheck(&settings, &Default::default(), &late, &input, now);
        assert!(!d.allowed);
        assert_eq!(d.failures[0].retry_at, None);
    }
}
