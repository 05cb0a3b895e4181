//! A precheck in figures ([`Evaluation`]), and in words ([`Decision`]).

use std::borrow::Cow;

use super::check::{self, Figures, Finding};
use super::messages::*;
use super::{find_entry, Decision, EntryRef, Position, PrecheckInput, Rule};
use crate::lead::{Activities, EventCode, Lead};
use crate::settings::{Entry, Mode, Settings};
use crate::time::Stamp;
use crate::validate::Check;

/// What a precheck reads of its input and of the clock, with instants as
/// [`Stamp`]s. The sales user is not among them: no validation reads it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Asked {
    /// The activity whose recording is about to begin (either code of its entry).
    pub activity_code: EventCode,
    /// Where the user is, when the device knows.
    pub user_location: Option<Position>,
    /// When this user verified an unused OTP for this lead and entry, if they did.
    pub otp_verified_at: Option<Stamp>,
    /// The moment the validations are evaluated at.
    pub now: Stamp,
}

impl Asked {
    /// What `input` asks at `now`.
    pub fn new(input: &PrecheckInput, now: Stamp) -> Asked {
        Asked {
            activity_code: input.activity_code,
            user_location: input.user_location,
            otp_verified_at: input.otp_verified_at.map(Stamp::from),
            now,
        }
    }
}

/// A precheck in figures: every validation of the entry evaluated, in the
/// order of rule 13, with what each counted or measured ([`Finding`]), and no
/// text. Evaluating allocates nothing once an `Evaluation` has held as many
/// findings ([`Evaluation::evaluate`] reuses its memory); the words, which
/// cost most, are made only when read: [`Evaluation::message`] for what the
/// user is shown, [`Evaluation::explain`] for the whole [`Decision`]. Both
/// must be given the settings it was evaluated with.
///
/// It also knows until when its figures hold: a device that decides again
/// each second on the same data moves it to the new moment
/// ([`Evaluation::advance_to`]) until an activity leaves a window or an OTP
/// expires.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    asked: Asked,
    /// The index in `Data` of the entry found for the activity code.
    entry: Option<usize>,
    findings: Vec<Finding>,
    /// No validation failed.
    allowed: bool,
    /// Whether the entry has `OTPValidation`.
    otp: bool,
    /// With `OTPValidation`: the indices in its `PhoneNumberFieldsSchema` of
    /// the lead's fields that hold a number (the phones an OTP may be sent to).
    phones: Vec<usize>,
    /// The other moments the figures hold at.
    holds: Holds,
}

/// The moments an evaluation's figures hold at, besides the one evaluated:
/// every moment after `after` and up to `until` (each unbounded when
/// `None`), in no leap second; none when `nowhere`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Holds {
    after: Option<Stamp>,
    until: Option<Stamp>,
    nowhere: bool,
}

impl Holds {
    /// Only after `at`.
    pub(super) fn after(&mut self, at: Stamp) {
        self.after = Some(self.after.map_or(at, |a| a.max(at)));
    }

    /// Only up to `at`.
    pub(super) fn until(&mut self, at: Stamp) {
        self.until = Some(self.until.map_or(at, |u| u.min(at)));
    }

    /// At no other moment.
    pub(super) fn nowhere(&mut self) {
        self.nowhere = true;
    }

    /// Whether the figures hold at `now`.
    fn at(&self, now: Stamp) -> bool {
        !self.nowhere
            && !now.is_leap()
            && self.after.is_none_or(|after| now > after)
            && self.until.is_none_or(|until| now <= until)
    }
}

impl Evaluation {
    /// Evaluates every validation of the entry of `asked.activity_code`.
    pub fn new(settings: &Settings, lead: &Lead, history: &dyn Activities, asked: Asked) -> Self {
        let mut evaluation = Evaluation::default();
        evaluation.evaluate(settings, lead, history, asked);
        evaluation
    }

    /// [`Evaluation::new`] into this evaluation, which it replaces, reusing its memory.
    pub fn evaluate(
        &mut self,
        settings: &Settings,
        lead: &Lead,
        history: &dyn Activities,
        asked: Asked,
    ) {
        self.asked = asked;
        self.findings.clear();
        self.phones.clear();
        self.otp = false;
        self.holds = Holds::default();
        self.entry = self.findings_of(settings, lead, history);
        self.allowed = self.findings.iter().all(|f| f.passed);
    }

    /// Evaluates the validations into `findings` (and `otp`, `phones`,
    /// `holds`): the entry found.
    fn findings_of(
        &mut self,
        settings: &Settings,
        lead: &Lead,
        history: &dyn Activities,
    ) -> Option<usize> {
        let asked = self.asked;
        if !settings.recording_enabled {
            self.findings.push(Finding {
                passed: false,
                figures: Figures::RecordingDisabled,
            });
        }
        let Some((index, entry)) = find_entry(settings, asked.activity_code) else {
            self.findings.push(Finding {
                passed: false,
                figures: Figures::UnknownActivity,
            });
            return None;
        };
        let v = &entry.validations;
        let holds = &mut self.holds;
        if let Some(limit) = &v.creation_limit {
            self.findings
                .push(check::creation_limit(limit, history, asked.now, holds));
        }
        for (index, item) in v.posted_counts.iter().enumerate() {
            self.findings
                .push(check::posted_count(index, item, history, asked.now, holds));
        }
        if let Some(fence) = &v.geofence {
            self.findings
                .push(check::geofence(fence, lead, asked.user_location));
        }
        if let Some(otp) = &v.otp {
            self.otp = true;
            // Rule 11: the lead's phone fields that hold a number, in the order the settings list them.
            for (index, field) in otp.phone_number_fields_schema.iter().enumerate() {
                if lead.has_text(field) {
                    self.phones.push(index);
                }
            }
            self.findings.push(check::otp(
                !self.phones.is_empty(),
                asked.otp_verified_at,
                asked.now,
                holds,
            ));
        }
        Some(index)
    }

    /// Makes this the evaluation of `asked`, with the same settings, lead
    /// and history as it was made with, without evaluating again, when only
    /// the moment differs and every figure holds at the new one (no activity
    /// entered or left a window, no OTP expired or came to serve): whether
    /// it did. The caller is to know that the settings, the lead and the
    /// history are the same.
    pub fn advance_to(&mut self, asked: &Asked) -> bool {
        let was = &self.asked;
        if was.activity_code != asked.activity_code
            || was.otp_verified_at != asked.otp_verified_at
            || was.user_location != asked.user_location
        {
            return false;
        }
        if was.now != asked.now {
            if !self.holds.at(asked.now) {
                return false;
            }
            self.asked.now = asked.now;
        }
        true
    }

    /// True when no validation failed.
    pub fn allowed(&self) -> bool {
        self.allowed
    }

    /// Every validation evaluated, in the order of rule 13.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Every failed validation, in the order of rule 13.
    pub fn failures(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| !f.passed)
    }

    /// Whether `other`, evaluated with the same settings, fails the same
    /// rules with the same messages (an app deciding again each second
    /// shows the same lists).
    pub fn fails_alike(&self, other: &Evaluation) -> bool {
        // What a failure's message depends on, besides the settings, the
        // entry and the activity code.
        fn words(e: &Evaluation) -> impl Iterator<Item = (Rule, usize)> + '_ {
            e.failures().map(|f| {
                let which = match f.figures {
                    Figures::PostedCount { index, .. } => index,
                    Figures::Otp => usize::from(e.phones.is_empty()),
                    _ => 0,
                };
                (f.figures.rule(), which)
            })
        }
        self.asked.activity_code == other.asked.activity_code
            && self.entry == other.entry
            && words(self).eq(words(other))
    }

    /// What the user is shown when `finding` (one of this evaluation's) fails:
    /// the settings' `DisplayMessage`, or the system's.
    ///
    /// # Panics
    ///
    /// When `settings` are not those the evaluation was made with (the
    /// finding's validation is not in them).
    pub fn message<'s>(&self, finding: &Finding, settings: &'s Settings) -> Cow<'s, str> {
        let v = || &self.entry(settings).validations;
        match finding.figures {
            Figures::RecordingDisabled => Cow::Borrowed(RECORDING_DISABLED),
            Figures::UnknownActivity => Cow::Owned(unknown_activity(self.asked.activity_code)),
            Figures::CreationLimit { .. } => Cow::Borrowed(check::creation_limit_message(
                v().creation_limit.as_ref().expect(OTHER_SETTINGS),
            )),
            Figures::PostedCount { index, .. } => {
                Cow::Borrowed(check::posted_count_message(&v().posted_counts[index]))
            }
            Figures::Geofence(_) => Cow::Borrowed(check::geofence_message(
                v().geofence.as_ref().expect(OTHER_SETTINGS),
            )),
            Figures::Otp => {
                check::otp_message(self.phone_fields(settings), !self.phones.is_empty())
            }
        }
    }

    /// With `OTPValidation`: the lead's phone fields an OTP may be sent to, in order.
    ///
    /// # Panics
    ///
    /// As [`Evaluation::message`].
    pub fn otp_phones<'s>(
        &'s self,
        settings: &'s Settings,
    ) -> Option<impl Iterator<Item = &'s str>> {
        if !self.otp {
            return None;
        }
        let fields = self.phone_fields(settings);
        Some(self.phones.iter().map(|&i| fields[i].as_str()))
    }

    /// The decision in words, every figure explained (not provisional).
    ///
    /// # Panics
    ///
    /// As [`Evaluation::message`].
    pub fn explain(&self, settings: &Settings) -> Decision {
        let mut failures = Vec::new();
        let mut passed = Vec::new();
        for finding in &self.findings {
            let check = self.check(finding, settings);
            if check.passed {
                passed.push(check);
            } else {
                failures.push(check);
            }
        }
        Decision {
            allowed: failures.is_empty(),
            provisional: false,
            evaluated_at: self.asked.now.instant(),
            entry: self.entry.map(|index| {
                let e = &settings.data[index];
                EntryRef {
                    index,
                    mode: settings.mode,
                    activity_code: e.activity_code(),
                    start_code: e
                        .meeting_start_event_code
                        .filter(|_| settings.mode == Mode::Dual),
                    display_name: e.display_name.clone().filter(|n| !n.trim().is_empty()),
                }
            }),
            message: settings.message.clone(),
            otp_phones: self
                .otp_phones(settings)
                .map(|phones| phones.map(str::to_owned).collect()),
            failures,
            passed,
        }
    }

    /// One finding in words.
    fn check(&self, finding: &Finding, settings: &Settings) -> Check {
        let v = || &self.entry(settings).validations;
        match finding.figures {
            Figures::RecordingDisabled | Figures::UnknownActivity => {
                let message = self.message(finding, settings).into_owned();
                Check::fail(finding.figures.rule(), message.clone(), message)
            }
            Figures::CreationLimit { count, leaving } => check::creation_limit_check(
                v().creation_limit.as_ref().expect(OTHER_SETTINGS),
                finding.passed,
                count,
                leaving,
                self.asked.now,
            ),
            Figures::PostedCount { index, count } => check::posted_count_check(
                index,
                &v().posted_counts[index],
                finding.passed,
                count,
                self.asked.now,
            ),
            Figures::Geofence(distance) => check::geofence_check(
                v().geofence.as_ref().expect(OTHER_SETTINGS),
                finding.passed,
                distance,
            ),
            Figures::Otp => check::otp_check(
                self.phone_fields(settings),
                !self.phones.is_empty(),
                finding.passed,
                self.asked.otp_verified_at,
                self.asked.now,
            ),
        }
    }

    /// The `PhoneNumberFieldsSchema` of the entry's `OTPValidation` (only
    /// asked of an evaluation with one).
    fn phone_fields<'s>(&self, settings: &'s Settings) -> &'s [String] {
        let otp = self.entry(settings).validations.otp.as_ref();
        &otp.expect(OTHER_SETTINGS).phone_number_fields_schema
    }

    /// The entry the evaluation found (only asked of findings of an entry).
    fn entry<'s>(&self, settings: &'s Settings) -> &'s Entry {
        &settings.data[self.entry.expect(OTHER_SETTINGS)]
    }
}

/// Why explaining an evaluation panics.
const OTHER_SETTINGS: &str = "an Evaluation explained with other settings than it was made with";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lead::{Activity, IndexedHistory};
    use crate::settings::check_settings;
    use chrono::{Duration, TimeZone, Utc};

    const MINUTE: f64 = 60_000.0;

    /// The Dual seed's entry 221: at most 5 of code 167 in 2 days, one of
    /// 154 in the last day, an OTP. Six of 167, the oldest at 18th 11:00.
    fn held() -> (Settings, Lead, IndexedHistory, Asked) {
        let settings = check_settings(include_str!("../../../fixtures/settings/seed-dual.json"))
            .settings
            .unwrap();
        let at = |d, h| Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap();
        let history = [(18, 11), (19, 1), (18, 12), (19, 2), (19, 3), (19, 4)]
            .iter()
            .map(|&(d, h)| (167, at(d, h)))
            .chain([(154, at(20, 9))])
            .map(|(event_code, created_on)| Activity {
                id: String::new(),
                event_code,
                created_on,
                user: None,
            })
            .collect();
        let lead = Lead {
            id: "L".into(),
            fields: [("Phone".to_owned(), serde_json::json!("+1"))].into(),
        };
        let asked = Asked {
            activity_code: 221,
            user_location: None,
            otp_verified_at: Some(Stamp::from(at(20, 10) - Duration::minutes(3))),
            now: Stamp::from(at(20, 10)),
        };
        (
            settings,
            lead,
            IndexedHistory::from_activities(history),
            asked,
        )
    }

    fn at(asked: Asked, minutes: f64) -> Asked {
        Asked {
            now: asked.now.checked_add_millis(minutes * MINUTE).unwrap(),
            ..asked
        }
    }

    #[test]
    fn a_held_evaluation_moves_while_its_figures_hold_and_no_further() {
        let (settings, lead, history, asked) = held();
        let mut held = Evaluation::new(&settings, &lead, &history, asked);
        assert!(!held.allowed());
        // A minute later, and back: the same figures, at the new moment.
        for minutes in [1.0, 11.0, -30.0, 0.0] {
            let later = at(asked, minutes);
            assert!(held.advance_to(&later), "{minutes} min");
            assert_eq!(held, Evaluation::new(&settings, &lead, &history, later));
        }
        // 12 minutes on, the OTP verified at 9:57 no longer serves.
        let expired = at(asked, 12.0 + 1.0 / 60_000.0);
        assert!(!held.clone().advance_to(&expired));
        // Other answers, another code: evaluated again.
        assert!(!held.clone().advance_to(&Asked {
            otp_verified_at: None,
            ..asked
        }));
        assert!(!held.clone().advance_to(&Asked {
            activity_code: 222,
            ..asked
        }));
    }

    #[test]
    fn a_held_evaluation_stops_where_an_activity_leaves_a_window() {
        let (settings, lead, history, asked) = held();
        // No OTP: only the windows bound the moments.
        let asked = Asked {
            otp_verified_at: None,
            ..asked
        };
        let held = Evaluation::new(&settings, &lead, &history, asked);
        // The 167 of 18th 11:00 leaves the 2-day window after 20th 11:00 (and
        // the 154 of 20th 9:00 its 1-day one after 21st 9:00); no activity
        // is dated later than now, so none enters.
        let edge = at(asked, 60.0);
        let mut moved = held.clone();
        assert!(moved.advance_to(&edge));
        assert_eq!(moved, Evaluation::new(&settings, &lead, &history, edge));
        let past = Asked {
            now: edge.now.checked_add_millis(1.0).unwrap(),
            ..edge
        };
        assert!(!held.clone().advance_to(&past));
        assert_ne!(
            Evaluation::new(&settings, &lead, &history, past).findings(),
            held.findings()
        );
        // Nor into a leap second.
        let leap: Stamp = Stamp::from(
            "2026-12-31T23:59:60.5Z"
                .parse::<chrono::DateTime<chrono::FixedOffset>>()
                .unwrap()
                .with_timezone(&Utc),
        );
        assert!(!held.clone().advance_to(&Asked { now: leap, ..asked }));
    }

    #[test]
    fn a_slice_says_nothing_of_other_moments() {
        let (settings, lead, history, asked) = held();
        let activities = history.activities();
        let mut held = Evaluation::new(&settings, &lead, &activities, asked);
        assert!(held.advance_to(&asked));
        assert!(!held.advance_to(&at(asked, 1.0)));
    }
}
