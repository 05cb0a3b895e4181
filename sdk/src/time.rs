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
pub fn crm_datetime(at: Instant) -> String {
    at.format(CRM_DATETIME_FORMAT).to_string()
}

/// The length of a window of `days` days of 24 hours each.
pub fn days(days: u32) -> Duration {
    Duration::hours(24 * i64::from(days))
}

/// The first whole second strictly after `at`.
pub fn next_whole_second(at: Instant) -> Instant {
    at.trunc_subsecs(0) + Duration::seconds(1)
}
