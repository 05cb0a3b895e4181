#!/usr/bin/env bash
# Runs every test of the project, after installing what it needs (see setup.sh).
# Each heavy crate is built once: one profile for the native tests, one for the wasm Lapps.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n== %s\n' "$*"; }

step "setup"
bash scripts/setup.sh

step "format"
cargo fmt --all --check

step "lint (native crates)"
cargo clippy --all-targets -- -D warnings

step "tests (native)"
cargo test

step "conformance vectors (native runner)"
cargo run -q -p recrules -- vectors fixtures/vectors
