//! Rolling windows over a lead's history (rule 8).

use chrono::{DateTime, Duration, Utc};

use crate::lead::{Activities, Activity, EventCode};
use crate::time::{days, next_whole_second, Instant};

/// The activities of one code in a rolling window of `N` days ending at `now`.
pub struct Window<'h, H: ?Sized = [Activity]> {
    history: &'h H,
    code: EventCode,
    /// `now - N x 24 h`: activities created at or after it are inside
    /// (those dated after `now` included). A window reaching back past the
    /// earliest instant starts there.
    pub start: Instant,
    /// The window's length.
    pub length: Duration,
    count: u32,
}

impl<'h> Window<'h> {
    /// The activities of `code` in the `length_days`-day window ending at `now`. One pass, no allocation.
    pub fn of(history: &'h [Activity], code: EventCode, now: Instant, length_days: u32) -> Self {
        Window::over(history, code, now, length_days)
    }
}

impl<'h, H: Activities + ?Sized> Window<'h, H> {
    /// [`Window::of`] over any form of the history ([`Activities`]).
    pub fn over(history: &'h H, code: EventCode, now: Instant, length_days: u32) -> Self {
        let length = days(length_days);
        let start = now
            .checked_sub_signed(length)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let count = history.count_since(code, start);
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
    /// (its creation + the window's length). `None` too when that moment is
    /// past the latest instant (an activity dated near the end of time).
    pub fn leaves_below(&self, limit: u32) -> Option<Instant> {
        let excess = (self.count as usize).checked_sub(limit as usize)?;
        let leaving = self.history.nth_since(self.code, self.start, excess)?;
        let left = leaving.checked_add_signed(self.length)?;
        left.checked_add_signed(Duration::seconds(1))?;
        Some(next_whole_second(left))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::check_settings;
    use crate::validate::{precheck, PrecheckInput};
    use chrono::TimeZone;

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
        let early = Window::of(&[], 1, now, u32::MAX);
        assert_eq!(early.start, DateTime::<Utc>::MIN_UTC);
        // The end of time can be written in JSON (a signed, longer year).
        let end: Instant = serde_json::from_str("\"+262142-12-31T23:59:59Z\"").unwrap();
        let late = [activity(1, end)];
        let w = Window::of(&late, 1, now, 1);
        assert_eq!(w.count(), 1);
        assert_eq!(w.leaves_below(1), None);
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
