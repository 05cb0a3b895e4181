//! Instants and the CRM's date-time format.
//!
//! The rules never read a clock: every instant comes in as an argument, as a
//! [`Instant`] (UTC, RFC 3339 in JSON). The validations compute with
//! [`Stamp`]s, the same instants in a form that is cheap to compare and to
//! make from a JavaScript number.

use std::cmp::Ordering;
use std::num::NonZeroU32;

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

/// An [`Instant`] as the validations compute with it: whole milliseconds
/// since 1970-01-01T00:00:00Z, and the nanoseconds past that millisecond.
///
/// The milliseconds are kept in an `f64`, where they are exact (every
/// instant chrono can hold is within ±2^53 ms), because the phone's
/// JavaScript build computes with it: JavaScript numbers are `f64`, so a
/// `Stamp` is made from `Date.now()` with no conversion and compared in one
/// step, where wasm2js emulates every `i64` operation with pairs of 32-bit
/// ones (a division takes a loop). An [`Instant`] and its `Stamp` convert
/// both ways without loss, and compare alike: a leap second (`23:59:60.5`)
/// is kept as the last millisecond of its second with its nanoseconds from
/// 1,000,000, after every other instant of that millisecond.
#[derive(Debug, Clone, Copy)]
pub struct Stamp {
    /// Whole milliseconds since 1970, from [`Stamp::MIN`] to [`Stamp::MAX`].
    millis: f64,
    /// One more than the nanoseconds past `millis` (never 0, so that an
    /// `Option<Stamp>` takes no more room than a `Stamp`, and compares as
    /// fast): the nanoseconds are below 1,000,000; in a leap second,
    /// 1,000,000 plus the nanoseconds into the leap second.
    nanos: NonZeroU32,
}

/// Nanoseconds in a millisecond: a [`Stamp`]'s nanoseconds from here on are in a leap second.
const NANOS_PER_MILLI: u32 = 1_000_000;

/// The `nanos` of a [`Stamp`] `nanos` nanoseconds past its millisecond.
const fn plus_one(nanos: u32) -> NonZeroU32 {
    NonZeroU32::MIN.saturating_add(nanos)
}

impl Stamp {
    /// The earliest instant, chrono's `DateTime::<Utc>::MIN_UTC` (-262143-01-01T00:00:00Z).
    pub const MIN: Stamp = Stamp {
        millis: -8_334_601_228_800_000.0,
        nanos: plus_one(0),
    };
    /// The latest instant, chrono's `DateTime::<Utc>::MAX_UTC` (+262142-12-31T23:59:59.999999999Z).
    pub const MAX: Stamp = Stamp {
        millis: 8_210_266_876_799_999.0,
        nanos: plus_one(NANOS_PER_MILLI - 1),
    };

    /// The instant `millis` milliseconds after 1970-01-01T00:00:00Z
    /// (`Date.now()`, `Date.parse(text)`), or `None` when `millis` is not a
    /// whole number from [`Stamp::MIN`] to [`Stamp::MAX`].
    pub fn from_millis(millis: f64) -> Option<Stamp> {
        let whole =
            (Self::MIN.millis..=Self::MAX.millis).contains(&millis) && millis.trunc() == millis;
        // `+ 0.0` makes -0 into 0, so that the `Stamp` of `-0` is the epoch's.
        whole.then_some(Stamp {
            millis: millis + 0.0,
            nanos: plus_one(0),
        })
    }

    /// The whole milliseconds since 1970 (the instant's, rounded down; a leap
    /// second's are its second's last millisecond).
    pub fn millis(self) -> f64 {
        self.millis
    }

    /// Whether the instant is in a leap second (`23:59:60.5`), which only
    /// an RFC 3339 text can give.
    pub fn is_leap(self) -> bool {
        self.nanos > plus_one(NANOS_PER_MILLI - 1)
    }

    /// The [`Instant`].
    pub fn instant(self) -> Instant {
        // Exact: |millis| < 2^53. The stamp was made from an instant (or
        // checked milliseconds), so the instant exists.
        let millis = self.millis as i64;
        let past = self.nanos.get() - 1;
        let (secs, nanos) = if !self.is_leap() {
            let subsec = millis.rem_euclid(1000) as u32;
            (millis.div_euclid(1000), subsec * NANOS_PER_MILLI + past)
        } else {
            (
                (millis - 999).div_euclid(1000),
                1_000_000_000 + (past - NANOS_PER_MILLI),
            )
        };
        DateTime::from_timestamp(secs, nanos).expect("a Stamp is made from an instant")
    }

    /// `self` moved by `millis` whole milliseconds (back when negative), as
    /// chrono's `checked_add_signed` moves an [`Instant`]: `None` past the
    /// earliest or the latest instant.
    pub fn checked_add_millis(self, millis: f64) -> Option<Stamp> {
        if self.is_leap() {
            // In a leap second: chrono's own rules for it.
            return self
                .instant()
                .checked_add_signed(Duration::milliseconds(millis as i64))
                .map(Stamp::from);
        }
        // Exact while the sum is within ±2^53, which holds in range; a sum
        // beyond rounds to beyond, out of range either way.
        let moved = self.millis + millis;
        (Self::MIN.millis..=Self::MAX.millis)
            .contains(&moved)
            .then_some(Stamp {
                millis: moved,
                nanos: self.nanos,
            })
    }
}

impl From<Instant> for Stamp {
    fn from(at: Instant) -> Stamp {
        let nanos = at.timestamp_subsec_nanos();
        let second = at.timestamp() * 1000;
        let (millis, nanos) = if nanos < 1_000_000_000 {
            (
                second + i64::from(nanos / NANOS_PER_MILLI),
                nanos % NANOS_PER_MILLI,
            )
        } else {
            (second + 999, NANOS_PER_MILLI + (nanos - 1_000_000_000))
        };
        Stamp {
            millis: millis as f64,
            nanos: plus_one(nanos),
        }
    }
}

/// The epoch, 1970-01-01T00:00:00Z.
impl Default for Stamp {
    fn default() -> Stamp {
        Stamp {
            millis: 0.0,
            nanos: plus_one(0),
        }
    }
}

impl PartialEq for Stamp {
    fn eq(&self, other: &Stamp) -> bool {
        self.millis == other.millis && self.nanos == other.nanos
    }
}

// `millis` is never NaN.
impl Eq for Stamp {}

impl PartialOrd for Stamp {
    fn partial_cmp(&self, other: &Stamp) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Stamp {
    fn cmp(&self, other: &Stamp) -> Ordering {
        if self.millis < other.millis {
            Ordering::Less
        } else if self.millis > other.millis {
            Ordering::Greater
        } else {
            self.nanos.cmp(&other.nanos)
        }
    }
}

#[cfg(test)]
mod stamp_tests {
    use super::*;
    use chrono::TimeZone;

    fn instants() -> Vec<Instant> {
        let leap: Instant = "2016-12-31T23:59:60.5Z"
            .parse::<DateTime<chrono::FixedOffset>>()
            .unwrap()
            .into();
        vec![
            DateTime::<Utc>::MIN_UTC,
            Utc.with_ymd_and_hms(-44, 3, 15, 12, 0, 0).unwrap(),
            Utc.timestamp_opt(-1, 999_999_999).unwrap(),
            Utc.timestamp_opt(0, 0).unwrap(),
            Utc.timestamp_opt(0, 1).unwrap(),
            Utc.timestamp_opt(1_795_000_000, 999_999).unwrap(),
            Utc.timestamp_opt(1_795_000_000, 1_000_000).unwrap(),
            Utc.with_ymd_and_hms(2016, 12, 31, 23, 59, 59).unwrap()
                + Duration::nanoseconds(999_999_999),
            Utc.timestamp_opt(1_483_228_799, 1_000_000_000).unwrap(),
            leap,
            Utc.timestamp_opt(1_483_228_799, 1_999_999_999).unwrap(),
            Utc.with_ymd_and_hms(2017, 1, 1, 0, 0, 0).unwrap(),
            DateTime::<Utc>::MAX_UTC,
        ]
    }

    #[test]
    fn an_optional_stamp_takes_no_more_room() {
        assert_eq!(
            std::mem::size_of::<Option<Stamp>>(),
            std::mem::size_of::<Stamp>()
        );
    }

    #[test]
    fn the_ends_are_chronos() {
        assert_eq!(Stamp::from(DateTime::<Utc>::MIN_UTC), Stamp::MIN);
        assert_eq!(Stamp::from(DateTime::<Utc>::MAX_UTC), Stamp::MAX);
        assert_eq!(Stamp::MIN.instant(), DateTime::<Utc>::MIN_UTC);
        assert_eq!(Stamp::MAX.instant(), DateTime::<Utc>::MAX_UTC);
    }

    #[test]
    fn a_stamp_is_its_instant_and_compares_alike() {
        let all = instants();
        for (i, a) in all.iter().enumerate() {
            let s = Stamp::from(*a);
            assert_eq!(s.instant(), *a, "{a:?}");
            for b in &all[i..] {
                assert_eq!(s.cmp(&Stamp::from(*b)), a.cmp(b), "{a:?} against {b:?}");
                assert_eq!(Stamp::from(*b).cmp(&s), b.cmp(a), "{b:?} against {a:?}");
                assert_eq!(s < Stamp::from(*b), a < b, "{a:?} < {b:?}");
            }
        }
    }

    #[test]
    fn moving_a_stamp_moves_its_instant() {
        let deltas = [
            0i64,
            1,
            -1,
            999,
            -1000,
            900_000,
            -172_800_000,
            i64::from(u32::MAX) * 86_400_000,
        ];
        for a in instants() {
            for d in deltas.iter().flat_map(|d| [*d, -d]) {
                let want = a
                    .checked_add_signed(Duration::milliseconds(d))
                    .map(Stamp::from);
                assert_eq!(
                    Stamp::from(a).checked_add_millis(d as f64),
                    want,
                    "{a:?} + {d} ms"
                );
            }
        }
    }

    #[test]
    fn milliseconds_are_checked() {
        assert_eq!(Stamp::from_millis(1.5), None);
        assert_eq!(Stamp::from_millis(f64::NAN), None);
        assert_eq!(Stamp::from_millis(f64::INFINITY), None);
        assert_eq!(Stamp::from_millis(8.64e15), None);
        assert_eq!(
            Stamp::from_millis(-0.0),
            Some(Stamp::from(Utc.timestamp_opt(0, 0).unwrap()))
        );
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
        let s = Stamp::from_millis(at.timestamp_millis() as f64).unwrap();
        assert_eq!(s.instant(), at);
        assert_eq!(s.millis(), at.timestamp_millis() as f64);
        assert_eq!(
            Stamp::from_millis(Stamp::MAX.millis()).map(|s| s.instant()),
            Some(DateTime::<Utc>::MAX_UTC.trunc_subsecs(3))
        );
        assert_eq!(Stamp::from_millis(Stamp::MIN.millis() - 1.0), None);
    }
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
