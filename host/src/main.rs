//! `recrules-host`: serves a Spin manifest's HTTP components on wasmtime.
mod bindings;
mod error;
mod kv_guest;
mod kv_store;
mod manifest;
mod outbound;
mod state;
mod variables;
mod vars_guest;

fn main() {}
