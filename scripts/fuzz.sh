#!/usr/bin/env bash
# Fuzzes every target of fuzz/ (cargo-fuzz, libFuzzer) for SECONDS each.
#
#   scripts/fuzz.sh [SECONDS]       # default 60; `scripts/fuzz.sh 10` is the smoke run
#
# Steps: install cargo-fuzz if missing; build every target once; replay
# fuzz/regressions/<target>/* (each a crash found before: must pass now); then
# fuzz each target for SECONDS, starting from the committed seeds in
# fuzz/corpus/<target>/ (never written to) plus a working corpus in
# fuzz/target/corpus/<target>/ (kept between runs, not committed). A run that
# crashes is restarted, within the target's time, up to 3 times. Writes the
# table of executions and crashes to fuzz/RESULTS.md and exits non-zero when a
# target crashed or a regression failed; crash inputs are in fuzz/artifacts/.
#
# Environment:
#   FUZZ_TARGETS    targets to run (space-separated; default: all)
#   FUZZ_TOOLCHAIN  rustup toolchain (default: nightly)
#   FUZZ_SANITIZER  address, none, ... (default: none: the fuzzed code is safe
#                   Rust; `address` finds memory errors in unsafe dependencies
#                   but runs about 2x slower and builds longer)
#   CARGO_BUILD_JOBS  cargo's own: build jobs (default: one per core)
#   FUZZ_RESULTS    where the table goes (default: fuzz/RESULTS.md)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
case "$seconds" in '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;; esac
toolchain="${FUZZ_TOOLCHAIN:-nightly}"
sanitizer="${FUZZ_SANITIZER:-none}"
all_targets="settings_bytes settings_structured decisions otp vectors otp_body"
read -r -a targets <<<"${FUZZ_TARGETS:-$all_targets}"
results="${FUZZ_RESULTS:-fuzz/RESULTS.md}"
logs=fuzz/target/logs
max_restarts=3

if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
    echo "fuzz.sh: the Rust toolchain '$toolchain' is not installed (rustup toolchain list)." >&2
    echo "fuzz.sh: cargo-fuzz needs nightly; set FUZZ_TOOLCHAIN to an installed one." >&2
    exit 1
fi
if ! command -v cargo-fuzz >/dev/null 2>&1 || ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi
fuzz=(cargo "+$toolchain" fuzz)
common=(--sanitizer "$sanitizer")

echo "== building the fuzz targets ($toolchain, sanitizer $sanitizer)"
build_start=$(date +%s)
"${fuzz[@]}" build "${common[@]}"
build_s=$(($(date +%s) - build_start))
mkdir -p "$logs"

status=0
echo "== replaying fuzz/regressions"
regressions=0
for t in "${targets[@]}"; do
    shopt -s nullglob
    files=(fuzz/regressions/"$t"/*)
    shopt -u nullglob
    [ "${#files[@]}" -eq 0 ] && continue
    regressions=$((regressions + ${#files[@]}))
    if ! "${fuzz[@]}" run "${common[@]}" "$t" "${files[@]}" -- -runs=0 >"$logs/$t.regressions.log" 2>&1; then
        echo "REGRESSION: $t fails again on one of ${files[*]} (see $logs/$t.regressions.log)" >&2
        status=1
    fi
done
echo "$regressions regression inputs replayed"

# A number from libFuzzer's final stats (-print_final_stats=1), or 0.
stat() { grep -a "^stat::$1:" "$2" | tail -1 | awk '{print $2}' || true; }

rows=()
total_execs=0
total_crashes=0
crash_files=()
for t in "${targets[@]}"; do
    echo "== fuzzing $t for ${seconds}s"
    work="fuzz/target/corpus/$t"
    mkdir -p "$work" "fuzz/artifacts/$t"
    execs=0 crashes=0 restarts=0
    start=$(date +%s)
    while :; do
        left=$((seconds - ($(date +%s) - start)))
        [ "$left" -le 0 ] && break
        log="$logs/$t.$restarts.log"
        before=$(find "fuzz/artifacts/$t" -type f | wc -l)
        if "${fuzz[@]}" run "${common[@]}" "$t" "$work" "fuzz/corpus/$t" -- \
            -max_total_time="$left" -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 >"$log" 2>&1; then
            ok=1
        else
            ok=0
        fi
        n=$(stat number_of_executed_units "$log")
        execs=$((execs + ${n:-0}))
        if [ "$ok" -eq 0 ]; then
            after=$(find "fuzz/artifacts/$t" -type f | wc -l)
            if [ "$after" -le "$before" ]; then
                echo "fuzz.sh: $t failed without a crash input; see $log" >&2
                tail -20 "$log" >&2
                status=1
                break
            fi
            crashes=$((crashes + 1))
            newest=$(ls -t "fuzz/artifacts/$t"/* | head -1)
            crash_files+=("$t: $newest: $(grep -a -m1 -E "panicked at|ERROR: libFuzzer" "$log" || true)")
            echo "CRASH in $t: $newest (log $log)" >&2
            grep -a -A2 -m1 "panicked at" "$log" >&2 || true
            restarts=$((restarts + 1))
            [ "$restarts" -gt "$max_restarts" ] && break
            continue
        fi
        break
    done
    corpus=$(find "$work" -type f | wc -l)
    rate=$((execs / (seconds > 0 ? seconds : 1)))
    rows+=("| \`$t\` | $seconds | $execs | $rate | $crashes | $corpus |")
    total_execs=$((total_execs + execs))
    total_crashes=$((total_crashes + crashes))
    echo "$t: $execs executions, $crashes crashes, working corpus $corpus"
done

{
    echo "# Fuzzing results"
    echo
    echo "Written by \`scripts/fuzz.sh $seconds\` on $(date -u '+%Y-%m-%d %H:%M UTC'):"
    echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end;"
    echo "$("${fuzz[@]}" --version 2>/dev/null), $(rustup run "$toolchain" rustc --version), sanitizer \`$sanitizer\`;"
    echo "build ${build_s}s; $regressions regression inputs replayed."
    echo
    echo "| target | seconds | execs | execs/s | crashes | working corpus |"
    echo "|---|---:|---:|---:|---:|---:|"
    printf '%s\n' "${rows[@]}"
    echo "| **total** | $((seconds * ${#targets[@]})) | $total_execs | | $total_crashes | |"
    if [ "${#crash_files[@]}" -gt 0 ]; then
        echo
        echo "Crash inputs (fuzz/artifacts/, not committed):"
        echo
        printf -- '- %s\n' "${crash_files[@]}"
    fi
} >"$results"
cat "$results"

[ "$total_crashes" -gt 0 ] && status=1
exit "$status"
