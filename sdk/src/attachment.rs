//! Recordings posted to the CRM as attachments of their End activity
//! (`activity_store = crm`): the state each recording goes through, what a
//! retry or a drain may do in each, which recordings of an End are still
//! pending, how an attachment is named, and what audio a recording holds.
//!
//! A recording is attached in two CRM calls: File/Upload (answers the file's
//! name or URL) then Attachment/Add (answers the attachment's id). Each step's
//! result is kept as soon as the CRM gives it, so a retry never uploads a file
//! the CRM gave a name for, nor attaches one the CRM attached:
//!
//! | state | meaning | next |
//! |---|---|---|
//! | none | nothing sent | upload |
//! | [`AttachmentState::Uploading`] | an upload is under way (or died) | wait, upload again once it is older than [`STEP_TTL_S`] |
//! | [`AttachmentState::Uploaded`] | the CRM holds the file | attach |
//! | [`AttachmentState::Attaching`] | Attachment/Add was sent, no answer yet | wait; older than [`STEP_TTL_S`]: [`AttachmentState::Unknown`] |
//! | [`AttachmentState::Attached`] | the CRM attached it (with its id) | done |
//! | [`AttachmentState::Unknown`] | Attachment/Add may or may not have been carried out | never sent again on its own: see [`resolve`] |
//!
//! An upload whose outcome is unknown is sent again (at worst the CRM keeps
//! a file that no activity names). An Attachment/Add whose outcome is unknown
//! is not: the CRM's API has no call that lists an activity's attachments,
//! so it cannot be found out, and sending again could attach the recording
//! twice. The bytes stay in the Lapp's store, served by `GET /recordings/{id}`,
//! until a person who looked at the activity in the CRM says ([`resolve`]).

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::lead::EventCode;
use crate::plan::RecordingMeta;
use crate::time::Instant;

/// After this many seconds an `Uploading` or `Attaching` step is taken to
/// have died with its request (the host's deadline is 30 s).
pub const STEP_TTL_S: i64 = 60;

/// Where one recording of an End is on its way to the CRM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", deny_unknown_fields)]
pub enum AttachmentState {
    /// A request is uploading the file since `since`.
    Uploading {
        /// When the upload began.
        since: Instant,
    },
    /// The CRM holds the file: `file` is what File/Upload answered (its URL,
    /// else its name), the `AttachmentFile` of Attachment/Add.
    Uploaded {
        /// The uploaded file.
        file: String,
    },
    /// Attachment/Add was sent at `since` and has not been answered yet.
    Attaching {
        /// The uploaded file.
        file: String,
        /// When it was sent.
        since: Instant,
    },
    /// Attached: the CRM's attachment id (none when a person confirmed it, see [`resolve`]).
    Attached {
        /// The uploaded file.
        file: String,
        /// The id Attachment/Add answered.
        attachment_id: Option<String>,
    },
    /// Attachment/Add failed without telling whether it was carried out
    /// (no answer in time, a 5xx, garbage, or its request died).
    Unknown {
        /// The uploaded file.
        file: String,
    },
    /// The recording's bytes were removed here (retention, erasure:
    /// [`crate::lifecycle`]) before it was attached: nothing more is sent.
    Removed {
        /// The file the CRM was given already, if it was (not attached).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        file: Option<String>,
    },
}

/// What a request may do next for one recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Upload the bytes (nothing the CRM kept is known).
    Upload,
    /// Attach the uploaded `file`.
    Attach {
        /// The uploaded file.
        file: String,
    },
    /// Another request is at it: leave it.
    Busy,
    /// Nothing: attached, or of unknown outcome.
    Done,
}

/// The state an interrupted step stands for at `now`: an `Attaching` older
/// than [`STEP_TTL_S`] is `Unknown` (its request died after sending), an
/// `Uploading` that old is forgotten (upload again); anything else is kept.
pub fn settled(state: Option<&AttachmentState>, now: Instant) -> Option<AttachmentState> {
    let dead = |since: &Instant| *since + chrono::Duration::seconds(STEP_TTL_S) <= now;
    match state {
        Some(AttachmentState::Attaching { file, since }) if dead(since) => {
            Some(AttachmentState::Unknown { file: file.clone() })
        }
        Some(AttachmentState::Uploading { since }) if dead(since) => None,
        other => other.cloned(),
    }
}

/// What to do next with a recording in `state` at `now` (see [`settled`]).
pub fn next_step(state: Option<&AttachmentState>, now: Instant) -> Step {
    match settled(state, now) {
        None => Step::Upload,
        Some(AttachmentState::Uploaded { file }) => Step::Attach { file },
        Some(AttachmentState::Uploading { .. } | AttachmentState::Attaching { .. }) => Step::Busy,
        Some(
            AttachmentState::Attached { .. }
            | AttachmentState::Unknown { .. }
            | AttachmentState::Removed { .. },
        ) => Step::Done,
    }
}

/// What the End's answer and the lead's activities say of one recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Attached to the End activity in the CRM.
    Attached,
    /// Not attached yet; the drain (`POST /meetings/attachments`) completes it.
    Pending,
    /// Attachment/Add's outcome is unknown and cannot be found out; a person resolves it.
    Unknown,
    /// Never attached: the recording's bytes were removed first (retention, erasure).
    Removed,
}

/// The outcome a recording in `state` is reported with at `now`.
pub fn outcome(state: Option<&AttachmentState>, now: Instant) -> Outcome {
    match settled(state, now) {
        Some(AttachmentState::Attached { .. }) => Outcome::Attached,
        Some(AttachmentState::Unknown { .. }) => Outcome::Unknown,
        Some(AttachmentState::Removed { .. }) => Outcome::Removed,
        _ => Outcome::Pending,
    }
}

/// The ids of the recordings still pending (neither attached nor of unknown
/// outcome), in the End's order; `states` are the End's recordings' states.
pub fn pending(states: &[(String, Option<AttachmentState>)], now: Instant) -> Vec<&str> {
    states
        .iter()
        .filter(|(_, state)| outcome(state.as_ref(), now) == Outcome::Pending)
        .map(|(id, _)| id.as_str())
        .collect()
}

/// Why a person's word on a recording cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ResolveError {
    /// The recording's Attachment/Add outcome is known (or it was never sent).
    #[error("`recording`: recording `{id}` is `{state}`, not `unknown`; only a recording of unknown outcome is resolved by hand")]
    NotUnknown {
        /// The recording.
        id: String,
        /// Its state's outcome, in words.
        state: &'static str,
    },
}

/// A recording of unknown outcome once a person looked at its End activity
/// in the CRM: `found` (the recording is attached there) makes it attached,
/// without an id; not found makes it uploaded again, for the drain to attach.
pub fn resolve(
    id: &str,
    state: Option<&AttachmentState>,
    found: bool,
    now: Instant,
) -> Result<AttachmentState, ResolveError> {
    match settled(state, now) {
        Some(AttachmentState::Unknown { file }) if found => Ok(AttachmentState::Attached {
            file,
            attachment_id: None,
        }),
        Some(AttachmentState::Unknown { file }) => Ok(AttachmentState::Uploaded { file }),
        other => Err(ResolveError::NotUnknown {
            id: id.to_owned(),
            state: match outcome(other.as_ref(), now) {
                Outcome::Attached => "attached",
                Outcome::Pending => "pending",
                Outcome::Unknown => "unknown",
                Outcome::Removed => "removed",
            },
        }),
    }
}

/// An End whose recordings go to the CRM: what the Lapp keeps to attach them
/// after the End's request (the drain).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndAttachments {
    /// The End activity's id in the CRM.
    pub activity_id: String,
    /// Its lead.
    pub lead_id: String,
    /// Its activity type.
    pub event_code: EventCode,
    /// The recordings it carries, in order.
    pub recordings: Vec<RecordingMeta>,
}

/// The attachment's name in the CRM: `Recording 2 of 3 (1.50 min)`.
pub fn attachment_name(index: usize, total: usize, recording: &RecordingMeta) -> String {
    format!(
        "Recording {} of {total} ({:.2} min)",
        index + 1,
        recording.duration_s.max(0.0) / 60.0
    )
}

/// The attachment's description: the recording's id, times, size and hash,
/// so a person can match it to `GET /recordings/{id}`.
pub fn attachment_description(recording: &RecordingMeta) -> String {
    format!(
        "Meeting recording {} from {} to {} UTC, {} bytes, SHA-256 {}",
        recording.id,
        crate::time::crm_datetime(recording.started_at),
        crate::time::crm_datetime(recording.ended_at),
        recording.size_bytes,
        recording.sha256
    )
}

/// The uploaded file's name: the recording's id with the extension of its audio.
pub fn file_name(id: &str, content_type: &str) -> String {
    let extension = match content_type {
        "audio/mpeg" => "mp3",
        "audio/aac" => "aac",
        "audio/wav" => "wav",
        "audio/ogg" => "ogg",
        "audio/flac" => "flac",
        "audio/amr" => "amr",
        "audio/3gpp" => "3gp",
        "audio/mp4" => "m4a",
        "audio/webm" => "webm",
        _ => "bin",
    };
    format!("{id}.{extension}")
}

/// What is not known to be audio.
pub const UNKNOWN_CONTENT_TYPE: &str = "application/octet-stream";

/// The audio type of a recording from its first bytes (at least 12 for
/// MP4 and WAV): MP4/M4A, 3GPP, MP3, AAC (ADTS), WAV, Ogg, FLAC, AMR and
/// WebM, as phones record; anything else is [`UNKNOWN_CONTENT_TYPE`].
pub fn sniff_audio(head: &[u8]) -> &'static str {
    let at = |from: usize, magic: &[u8]| head.get(from..from + magic.len()) == Some(magic);
    if at(4, b"ftyp") {
        return if at(8, b"3gp") || at(8, b"3g2") {
            "audio/3gpp"
        } else {
            "audio/mp4"
        };
    }
    if at(0, b"RIFF") && at(8, b"WAVE") {
        return "audio/wav";
    }
    if at(0, b"ID3") {
        return "audio/mpeg";
    }
    match head {
        [b'O', b'g', b'g', b'S', ..] => "audio/ogg",
        [b'f', b'L', b'a', b'C', ..] => "audio/flac",
        [b'#', b'!', b'A', b'M', b'R', ..] => "audio/amr",
        [0x1A, 0x45, 0xDF, 0xA3, ..] => "audio/webm",
        // ADTS: sync 0xFFF, layer 00.
        [0xFF, b, ..] if b & 0xF6 == 0xF0 => "audio/aac",
        // MPEG audio frame sync 0xFFE, layer III.
        [0xFF, b, ..] if b & 0xE6 == 0xE2 => "audio/mpeg",
        _ => UNKNOWN_CONTENT_TYPE,
    }
}

/// The content type to store for an upload: the sniffed audio type, else
/// the client's declared `audio/*` type (without parameters), else
/// [`UNKNOWN_CONTENT_TYPE`].
pub fn content_type(head: &[u8], declared: Option<&str>) -> String {
    let sniffed = sniff_audio(head);
    if sniffed != UNKNOWN_CONTENT_TYPE {
        return sniffed.to_owned();
    }
    declared
        .and_then(|d| d.split(';').next())
        .map(|d| d.trim().to_ascii_lowercase())
        .filter(|d| {
            d.strip_prefix("audio/").is_some_and(|sub| {
                !sub.is_empty()
                    && sub
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'+'))
            })
        })
        .unwrap_or_else(|| UNKNOWN_CONTENT_TYPE.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};

    fn at(s: i64) -> Instant {
        Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap() + Duration::seconds(s)
    }

    #[test]
    fn each_state_has_one_next_step() {
        let file = "https://files/r1.m4a".to_owned();
        let now = at(0);
        assert_eq!(next_step(None, now), Step::Upload);
        let uploading = AttachmentState::Uploading { since: at(-5) };
        assert_eq!(next_step(Some(&uploading), now), Step::Busy);
        let uploaded = AttachmentState::Uploaded { file: file.clone() };
        assert_eq!(
            next_step(Some(&uploaded), now),
            Step::Attach { file: file.clone() }
        );
        let attaching = AttachmentState::Attaching {
            file: file.clone(),
            since: at(-5),
        };
        assert_eq!(next_step(Some(&attaching), now), Step::Busy);
        let attached = AttachmentState::Attached {
            file: file.clone(),
            attachment_id: Some("X-1".into()),
        };
        assert_eq!(next_step(Some(&attached), now), Step::Done);
        let unknown = AttachmentState::Unknown { file: file.clone() };
        assert_eq!(next_step(Some(&unknown), now), Step::Done);
    }

    #[test]
    fn a_dead_upload_is_sent_again_and_a_dead_attach_is_never_sent_again() {
        let file = "f".to_owned();
        let late = at(STEP_TTL_S);
        let uploading = AttachmentState::Uploading { since: at(0) };
        assert_eq!(next_step(Some(&uploading), late), Step::Upload);
        let attaching = AttachmentState::Attaching {
            file: file.clone(),
            since: at(0),
        };
        assert_eq!(
            settled(Some(&attaching), late),
            Some(AttachmentState::Unknown { file })
        );
        assert_eq!(next_step(Some(&attaching), late), Step::Done);
        assert_eq!(outcome(Some(&attaching), late), Outcome::Unknown);
        assert_eq!(outcome(Some(&attaching), at(1)), Outcome::Pending);
    }

    #[test]
    fn pending_lists_what_is_neither_attached_nor_unknown() {
        let f = || "f".to_owned();
        let states = vec![
            ("r1".to_owned(), None),
            (
                "r2".to_owned(),
                Some(AttachmentState::Attached {
                    file: f(),
                    attachment_id: Some("X".into()),
                }),
            ),
            (
                "r3".to_owned(),
                Some(AttachmentState::Uploaded { file: f() }),
            ),
            (
                "r4".to_owned(),
                Some(AttachmentState::Unknown { file: f() }),
            ),
        ];
        assert_eq!(pending(&states, at(0)), vec!["r1", "r3"]);
    }

    #[test]
    fn only_an_unknown_outcome_is_resolved_by_hand() {
        let unknown = AttachmentState::Unknown { file: "f".into() };
        assert_eq!(
            resolve("r1", Some(&unknown), true, at(0)),
            Ok(AttachmentState::Attached {
                file: "f".into(),
                attachment_id: None
            })
        );
        assert_eq!(
            resolve("r1", Some(&unknown), false, at(0)),
            Ok(AttachmentState::Uploaded { file: "f".into() })
        );
        let e = resolve("r1", None, false, at(0)).unwrap_err();
        assert!(e.to_string().contains("`pending`, not `unknown`"), "{e}");
    }

    #[test]
    fn states_read_back_as_written() {
        let state = AttachmentState::Attaching {
            file: "f".into(),
            since: at(0),
        };
        let text = serde_json::to_string(&state).unwrap();
        assert!(text.contains(r#""state":"attaching""#), "{text}");
        assert_eq!(
            serde_json::from_str::<AttachmentState>(&text).unwrap(),
            state
        );
    }

    #[test]
    fn audio_is_told_by_its_first_bytes() {
        let cases: [(&[u8], &str); 10] = [
            (b"\0\0\0\x20ftypM4A \0\0", "audio/mp4"),
            (b"\0\0\0\x20ftyp3gp4\0\0", "audio/3gpp"),
            (b"RIFF\0\0\0\0WAVEfmt ", "audio/wav"),
            (b"ID3\x04\0\0\0\0\0\0", "audio/mpeg"),
            (&[0xFF, 0xFB, 0x90, 0x00], "audio/mpeg"),
            (&[0xFF, 0xF1, 0x50, 0x80], "audio/aac"),
            (b"OggS\0\x02", "audio/ogg"),
            (b"#!AMR\n", "audio/amr"),
            (b"fLaC\0", "audio/flac"),
            (b"hello", UNKNOWN_CONTENT_TYPE),
        ];
        for (head, expected) in cases {
            assert_eq!(sniff_audio(head), expected, "{head:?}");
        }
        assert_eq!(
            content_type(b"hello", Some("audio/x-m4a; q=1")),
            "audio/x-m4a"
        );
        assert_eq!(
            content_type(b"hello", Some("text/html")),
            UNKNOWN_CONTENT_TYPE
        );
        assert_eq!(
            content_type(b"hello", Some("audio/<script>")),
            UNKNOWN_CONTENT_TYPE
        );
        assert_eq!(content_type(b"ID3...", Some("text/html")), "audio/mpeg");
        assert_eq!(file_name("r1", "audio/mp4"), "r1.m4a");
        assert_eq!(file_name("r1", UNKNOWN_CONTENT_TYPE), "r1.bin");
    }

    #[test]
    fn an_attachment_is_named_for_people() {
        let recording = RecordingMeta {
            id: "r1".into(),
            started_at: at(0),
            ended_at: at(90),
            duration_s: 90.0,
            size_bytes: 10,
            sha256: "ab".repeat(32),
        };
        assert_eq!(
            attachment_name(1, 3, &recording),
            "Recording 2 of 3 (1.50 min)"
        );
        let description = attachment_description(&recording);
        assert!(
            description.starts_with(
                "Meeting recording r1 from 2026-11-20 10:00:00 to 2026-11-20 10:01:30 UTC"
            ),
            "{description}"
        );
    }
}
