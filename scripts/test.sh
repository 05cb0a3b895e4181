#!/usr/bin/env bash
# Runs every test of the project, after installing what it needs on a fresh
# machine (each install only when missing). Heavy crates are built once: one
# dev build for the native tests (the host, wasmtime included), one
# wasm-release build for the Lapps, shared by the end-to-end tests and the
# API contract check.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n== %s\n' "$*"; }
started=$SECONDS

step "setup"
bash scripts/setup.sh

step "PostgreSQL: a throwaway cluster on loopback (Debian's postgresql, installed when missing)"
RECRULES_POSTGRES_URL=$(bash scripts/postgres.sh start)
export RECRULES_POSTGRES_URL
trap 'bash scripts/postgres.sh stop' EXIT

step "format"
cargo fmt --all --check

step "lint: native crates"
cargo clippy --all-targets -- -D warnings
cargo clippy -p recrules-crm -p recrules-tenant-kit --all-targets -- -D warnings

step "the web console's assets (console/dist, embedded by lapps/console)"
bash scripts/build-console.sh

step "lint: the Lapps (wasm32-wasip2)"
cargo clippy --target wasm32-wasip2 -p recrules-otp -p recrules-meetings \
    -p recrules-tenant-closed-stage -p recrules-host-probe -p recrules-lapp-support \
    -p recrules-console -- -D warnings

step "tests: rules, CLI, host, and the Lapps over HTTP under the host (state in SQLite; replicas on PostgreSQL)"
cargo test
cargo test -p recrules-crm -p recrules-tenant-kit -p recrules-tenant-closed-stage -p recrules-console

step "the end-to-end suite again, with the Lapps' state in PostgreSQL"
RECRULES_E2E_STORE=postgres cargo test -p recrules-e2e --test meetings --test faults --test lifecycle \
    --test isolation --test otp --test restart --test tenant --test crm --test attachments \
    --test consent

step "conformance vectors (native runner)"
cargo run -q -p recrules -- vectors fixtures/vectors

step "the wasm package in Node (vectors identical to native)"
bash scripts/test-wasm.sh

step "the web console in headless Chromium (Debian's chromium, installed when missing), then the README's curl walkthrough"
bash scripts/console-test.sh

step "API contract: schemathesis against the running host"
bash scripts/schemathesis.sh

step "fuzzing: a short run of every target, and the regressions"
FUZZ_RESULTS=target/fuzz-results.md bash scripts/fuzz.sh 10

step "dependency policy"
bash scripts/deny.sh

printf '\n== all tests passed in %d s\n' "$((SECONDS - started))"
