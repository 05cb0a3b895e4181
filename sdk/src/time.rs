//! Instants and the CRM's date-time format.
//!
//! The rules never read a clock: every instant comes in as an argument, as a
//! [`Instant`] (UTC, RFC 3339 in JSON).

use chrono::{DateTime, Duration, SubsecRound, Utc};

/// A moment in UTC. In JSON it is an RFC 3339 string (`2026-11-20T10:00:00Z`).
pub type Instant = DateTime<Utc>;

/// The CRM's date-time format for activity fields: UTC `yyyy-MM-dd HH:mm:ss`.
pub const CRM_DATETIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// Formats an instant as the CRM expects in activity fields (`2026-11-20 10:00:00`).
///
/// Written from the date's and time's fields rather than through chrono's
/// `format(CRM_DATETIME_FORMAT)`, whose strftime machinery is about 9 KB of
/// the wasm package; the output is the same (a unit test compares them).
pub fn crm_datetime(at: Instant) -> String {
    use chrono::{Datelike, Timelike};
    let year = at.year();
    // `%Y` pads a year of 0 to 9999 to four digits; outside, it adds a sign.
    let year = if (0..=9999).contains(&year) {
        format!("{year:04}")
    } else {
        format!("{year:+05}")
    };
    format!(
        "{year}-{:02}-{:02} {:02}:{:02}:{:02}",
        at.month(),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// The length of a window of `days` days of 24 hours each.
pub fn days(days: u32) -> Duration {
    Duration::hours(24 * i64::from(days))
}

/// The first whole second strictly after `at`.
pub fn next_whole_second(at: Instant) -> Instant {
    at.trunc_subsecs(0) + Duration::seconds(1)
}

#[cfg(test)]
mod crm_datetime_tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn crm_datetime_is_strftime() {
        let cases = [
            Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap() + Duration::milliseconds(999),
            Utc.with_ymd_and_hms(1999, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(7, 3, 9, 0, 0, 1).unwrap(),
            Utc.with_ymd_and_hms(12345, 6, 7, 8, 9, 10).unwrap(),
            Utc.with_ymd_and_hms(-44, 3, 15, 12, 0, 0).unwrap(),
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC,
        ];
        for at in cases {
            assert_eq!(
                crm_datetime(at),
                at.format(CRM_DATETIME_FORMAT).to_string(),
                "{at:?}"
            );
        }
    }
}
