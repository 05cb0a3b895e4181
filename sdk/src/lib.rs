//! # recrules-sdk: the rules of Activity Audio Recording
//!
//! Field sales users record face-to-face meetings with a lead; the recordings
//! are posted to the lead as attachments of activities. This crate holds every
//! rule of that feature, once:
//!
//! - [`settings`]: the admin's settings JSON, its model and its checker;
//! - [`validate`]: the validations checked before a recording may begin;
//! - [`plan`]: the Start and End activities and their recording fields;
//! - [`session`]: the recording session on the phone and its pending recordings;
//! - [`otp`]: the OTP challenge (send, resend, verify) with its counters;
//! - [`hook`]: the protocol of tenant validation Lapps;
//! - [`meeting`], [`upload`], [`range`], [`idempotency`]: what the meetings
//!   Lapp posts and stores (activity drafts, used OTP approvals, recording
//!   uploads, `Range` downloads, idempotency keys);
//! - [`attachment`]: recordings on their way to the CRM as attachments of
//!   their End activity (states, pending ones, names, audio types);
//! - [`lifecycle`]: how long recordings are kept, erasing a lead's
//!   recordings, and what a sweep may release of dead requests' state;
//! - [`vector`]: the conformance vectors that every face of the rules runs;
//! - [`state`]: the SQL table the Lapps keep their state in, and its
//!   statements (data only: the crate runs none of them).
//!
//! The crate is pure: it reads no clock, draws no random number and does no
//! I/O. The moment of a decision, random bytes and data come in as arguments,
//! and every input and output is a serde type with a stable JSON form, so the
//! HTTP Lapps and the wasm package for phones reuse them unchanged.

pub mod attachment;
pub mod consent;
pub mod hook;
pub mod idempotency;
pub mod lead;
pub mod lifecycle;
pub mod limits;
pub mod meeting;
pub mod otp;
pub mod plan;
pub mod range;
pub mod session;
pub mod settings;
pub mod state;
pub mod time;
pub mod upload;
pub mod validate;
pub mod vector;
