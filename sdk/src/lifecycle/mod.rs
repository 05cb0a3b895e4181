//! The recording lifecycle: how long a recording's bytes are kept, how one
//! lead's recordings are erased on request, and what a sweep may release of
//! the state that requests left behind.
//!
//! - [`removal`]: when a recording expires (`RecordingRetentionDays`), and
//!   the mark a recording keeps once its bytes are removed (why, when);
//! - [`erasure`]: what an erasure of one lead covers, and its record, which
//!   says who asked, when and how much was removed, and nothing of the content;
//! - [`sweep`]: the maintenance pass over the state, record by record: which
//!   held state no live request can still own, so that it may be released.
//!
//! Like the rest of the crate these are pure rules: the Lapp reads the
//! records and the clock and carries out what they decide.

pub mod erasure;
pub mod removal;
pub mod sweep;
