//! # recrules-e2e: the Lapps over HTTP
//!
//! Support for end-to-end tests: build the host and a Lapp ([`build`]), serve
//! a one-component manifest on a free port ([`Host`]), talk HTTP to it
//! ([`http`]), and stand in for an SMS gateway ([`GatewayStub`]). Each host
//! keeps the Lapps' state in SQLite, or in PostgreSQL with
//! `RECRULES_E2E_STORE=postgres` ([`state`]).
//!
//! The host binary and the Lapp's `.wasm` are built with the `cargo` that runs
//! the tests (`$CARGO`), which finds them whatever the target dir; set
//! `RECRULES_HOST_BIN` or `RECRULES_OTP_WASM` to use prebuilt ones.

pub mod app;
pub mod build;
pub mod crm_stub;
pub mod data;
pub mod gateway;
pub mod host;
pub mod http;
pub mod raw;
pub mod restart;
pub mod signed;
pub mod state;
pub mod tenant_stub;

pub use gateway::{GatewayMode, GatewayStub, Received};
pub use host::Host;
pub use http::{Reply, Talk};
