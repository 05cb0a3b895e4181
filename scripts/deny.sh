#!/usr/bin/env bash
# Dependency policy (deny.toml): bans, licenses and sources, with cargo-deny,
# for the root workspace and for fuzz/ (its own workspace).
#
#   scripts/deny.sh
#
# Advisories are not checked here: cargo-deny reads the RustSec advisory
# database from a git repository on GitHub, which this workplace cannot reach
# (only crates.io, PyPI, Debian and npm are), so `check advisories` fails at
# once ("Could not resolve host: github.com"). Where GitHub is reachable, run
#     cargo deny check advisories
#     cargo deny --manifest-path fuzz/Cargo.toml check advisories
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo-deny >/dev/null 2>&1 || ! cargo deny --version >/dev/null 2>&1; then
    echo "== installing cargo-deny"
    cargo install cargo-deny --locked
fi

status=0
for manifest in Cargo.toml fuzz/Cargo.toml; do
    echo "== cargo deny check bans licenses sources ($manifest)"
    # --hide-inclusion-graph: the duplicate-version warnings stay one line each.
    if ! cargo deny --manifest-path "$manifest" check \
        --hide-inclusion-graph bans licenses sources; then
        status=1
    fi
done
exit "$status"
