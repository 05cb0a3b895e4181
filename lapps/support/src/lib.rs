//! # recrules-lapp-support: the plumbing the Lapps share
//!
//! One copy of what every Spin Lapp of recrules needs besides its rules:
//!
//! - [`store`]: the state store, one SQL table of versioned records in
//!   Spin's SQLite database "default" or in PostgreSQL, changed by
//!   single atomic statements ([`store::Store::update`]);
//! - [`auth`]: the org (`x-org-id`) and its key (`x-api-key`), checked in
//!   constant time against a Spin variable holding a JSON object;
//! - [`outbound`]: outbound HTTP POSTs with connect, first-byte and
//!   between-bytes timeouts.
//!
//! Each module answers its own small error type; a Lapp turns it into its
//! own answer (status and JSON body) with a `From` impl, so `?` works in
//! its handlers.

pub mod auth;
pub mod outbound;
pub mod store;
