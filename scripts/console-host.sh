#!/usr/bin/env bash
# Sourced by scripts/console-test.sh, scripts/console-screenshots.sh and
# scripts/walkthrough.sh: builds what the console needs and serves spin.toml
# with recrules-host on a free port, with the demo org of scripts/run.sh and a
# fresh state directory. Sets HOST_PID and BASE; stop_host kills that process.
#
#   console_build      the console's assets, the Lapps and the host
#   console_serve DIR  serves a copy of spin.toml (sources made absolute) from DIR
#
# Until spin.toml lists the console component, the copy gets it appended
# (below); CONSOLE_WASM names a console .wasm built elsewhere (then it is not
# built here, e.g. before the crate is a workspace member); CONSOLE_SPIN_TOML
# names another manifest to copy than spin.toml.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
HOST_PID=""
BASE=""

console_build() {
    bash "$root/scripts/build-console.sh"
    local packages=(-p recrules-otp -p recrules-meetings -p recrules-tenant-closed-stage)
    if [ -z "${CONSOLE_WASM:-}" ]; then
        packages+=(-p recrules-console)
    fi
    if ! rustup target list --installed | grep -qx wasm32-wasip2; then
        rustup target add wasm32-wasip2
    fi
    (cd "$root" && cargo build --target wasm32-wasip2 --profile wasm-release "${packages[@]}")
    (cd "$root" && cargo build -p recrules-host)
}

console_manifest() {
    local out="$1"
    sed -E "s#^source = \"target/#source = \"$target_dir/#" "${CONSOLE_SPIN_TOML:-$root/spin.toml}" > "$out"
    if ! grep -q '^\[component\.console\]' "$out"; then
        cat >> "$out" <<TOML

[[trigger.http]]
route = "/console/..."
component = "console"

[component.console]
source = "$target_dir/wasm32-wasip2/wasm-release/recrules_console.wasm"
TOML
    fi
    if [ -n "${CONSOLE_WASM:-}" ]; then
        awk -v wasm="$CONSOLE_WASM" '
            /^\[component\.console\]$/ { inside = 1; print; next }
            /^\[/ { inside = 0 }
            inside && /^source = / { print "source = \"" wasm "\""; next }
            { print }' "$out" > "$out.new"
        mv "$out.new" "$out"
    fi
}

console_serve() {
    local dir="$1"
    rm -rf "$dir"
    mkdir -p "$dir/state"
    console_manifest "$dir/spin.toml"
    SPIN_VARIABLE_ORG_API_KEYS='{"demo":"demo-key"}' \
    SPIN_VARIABLE_ORG_ADMIN_KEYS='{"demo":"demo-admin"}' \
    SPIN_VARIABLE_LAPP_ENV=Test \
    SPIN_VARIABLE_SMS_GATEWAY=log \
        "$target_dir/debug/recrules-host" up --manifest "$dir/spin.toml" --listen 127.0.0.1:0 \
        --state-dir "$dir/state" > "$dir/host.out" 2> "$dir/host.err" &
    HOST_PID=$!
    # The host's first stdout line names its address.
    local tries=0
    while ! grep -q '^Serving http://' "$dir/host.out" 2>/dev/null; do
        if ! kill -0 "$HOST_PID" 2>/dev/null; then
            echo "console: the host stopped before serving:" >&2
            cat "$dir/host.err" >&2
            HOST_PID=""
            return 1
        fi
        tries=$((tries + 1))
        if [ "$tries" -gt 1200 ]; then
            echo "console: the host did not start serving" >&2
            cat "$dir/host.err" >&2
            return 1
        fi
        sleep 0.1
    done
    BASE="$(sed -n 's/^Serving \(http:\/\/[^ ]*\).*/\1/p' "$dir/host.out" | head -1)"
    echo "console: host $HOST_PID serving $BASE"
}

stop_host() {
    if [ -n "$HOST_PID" ]; then
        kill "$HOST_PID" 2>/dev/null || true
        wait "$HOST_PID" 2>/dev/null || true
        HOST_PID=""
    fi
}
