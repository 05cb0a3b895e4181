#!/usr/bin/env bash
# Load benchmark of the OTP Lapp (not run in CI): the release host serving the
# release Lapp on loopback, driven by oha at a fixed rate, once with the Lapps'
# state in SQLite and once in PostgreSQL (the throwaway cluster of
# scripts/postgres.sh), next to a native baseline of the same handler logic
# (criterion, sdk/benches/otp_verify.rs).
#
#   bash bench/load.sh            # 500 req/s for 20 s on each route
#   RATE=200 DURATION=10s bash bench/load.sh
#
# Routes driven (each for DURATION at RATE, one after the other):
#   verify:       POST /otp/verify, a valid body and key, no open challenge
#                 (`unknown_challenge`: a store read, the rules, a JSON answer);
#   last-message: GET /otp/test/last-message (Test mode; a store read of the
#                 SMS the `log` gateway kept for one send made beforehand);
# then verify with no rate limit for 10 s (the headroom).
#
# Prints a Markdown table (p50, p99, throughput, status codes; a row per route
# and store) to stdout and keeps oha's JSON reports under
# target/bench-load/{sqlite,postgres}/. Loopback only; bounded.
#   STORES="sqlite" bash bench/load.sh     # one store only
set -euo pipefail
cd "$(dirname "$0")/.."

rate=${RATE:-500}
duration=${DURATION:-20s}
connections=${CONNECTIONS:-50}
out=target/bench-load
org=bench-org
key=bench-key-0123456789abcdef
phone=+919800000001

say() { printf 'load.sh: %s\n' "$*" >&2; }

# --- tools
command -v oha >/dev/null || cargo install oha --locked
command -v python3 >/dev/null || { say "python3 is needed to read oha's JSON"; exit 1; }

# --- build: the host and the OTP Lapp in release
say "building recrules-host (release) and the OTP Lapp (wasm-release)"
cargo build --release -p recrules-host --bin recrules-host
cargo build --target wasm32-wasip2 --profile wasm-release -p recrules-otp
host_bin=target/release/recrules-host
wasm=$(pwd)/target/wasm32-wasip2/wasm-release/recrules_otp.wasm
[[ -x $host_bin && -f $wasm ]] || { say "build outputs missing"; exit 1; }

mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/recrules-load.XXXXXX")
host_pid=""
stop_host() {
  if [[ -n $host_pid ]] && kill -0 "$host_pid" 2>/dev/null; then
    kill "$host_pid" 2>/dev/null || true
    wait "$host_pid" 2>/dev/null || true
  fi
  host_pid=""
}
cleanup() {
  stop_host
  rm -rf "$tmp"
}
trap cleanup EXIT

# A manifest with the OTP component alone (the root spin.toml's [component.otp]).
cat >"$tmp/spin.toml" <<EOF
spin_manifest_version = 2

[application]
name = "recrules-load"

[variables]
org_api_keys = { default = "", secret = true }
lapp_env = { default = "Test" }
sms_gateway = { default = "log" }
state_store = { default = "sqlite" }
postgres_url = { default = "", secret = true }
postgres_origin = { default = "postgres://127.0.0.1:5432" }

[[trigger.http]]
route = "/otp/..."
component = "otp"

[component.otp]
source = "$wasm"
sqlite_databases = ["default"]
allowed_outbound_hosts = ["{{ postgres_origin }}"]

[component.otp.variables]
state_store = "{{ state_store }}"
postgres_url = "{{ postgres_url }}"
org_api_keys = "{{ org_api_keys }}"
remaining_retry_count = ""
retry_time_interval = ""
display_message = ""
lapp_env = "{{ lapp_env }}"
sms_gateway = "{{ sms_gateway }}"
sms_template = ""
sms_webhook_url = ""
sms_webhook_token = ""
twilio_base_url = ""
twilio_account_sid = ""
twilio_auth_token = ""
twilio_from = ""
EOF

oha_json_flag=(--output-format json)
oha --help | grep -q -- '--output-format' || oha_json_flag=(--json)
auth=(-H "x-org-id: $org" -H "x-api-key: $key")
verify_body="{\"phone\":\"$phone\",\"lead\":\"L-1\",\"entry\":221,\"user\":\"U-1\",\"code\":\"000000\"}"

# Serves the OTP Lapp with its state in STORE ($1: sqlite or postgres), drives
# it, and keeps the reports in $out/$1/.
measure() {
  local store=$1 dir=$out/$1
  local -a vars=(SPIN_VARIABLE_STATE_STORE="$store")
  mkdir -p "$dir"
  if [[ $store == postgres ]]; then
    local server
    server=$(bash scripts/postgres.sh start)
    psql -q "$server" -c "DROP DATABASE IF EXISTS bench_load" -c "CREATE DATABASE bench_load"
    vars+=(SPIN_VARIABLE_POSTGRES_URL="${server/\/recrules\?//bench_load?}")
    vars+=(SPIN_VARIABLE_POSTGRES_ORIGIN="$(sed -E 's#^postgres://([^@/]*@)?([^/?]*).*#postgres://\2#' <<<"$server")")
  fi
  say "$store: starting the host"
  env "${vars[@]}" SPIN_VARIABLE_ORG_API_KEYS="{\"$org\": \"$key\"}" \
    "$host_bin" up --manifest "$tmp/spin.toml" --listen 127.0.0.1:0 \
    --state-dir "$tmp/state-$store" --cache-dir "$out/cache" \
    >"$tmp/host.out" 2>"$tmp/host.err" &
  host_pid=$!
  base=""
  for _ in $(seq 1 240); do
    line=$(head -n1 "$tmp/host.out" 2>/dev/null || true)
    if [[ $line == "Serving "* ]]; then
      base=${line#Serving }
      base=${base%/}
      break
    fi
    kill -0 "$host_pid" 2>/dev/null || break
    sleep 0.5
  done
  [[ -n $base ]] || { say "the host did not start:"; cat "$tmp/host.err" >&2; exit 1; }
  say "$store: host at $base (pid $host_pid)"

  # One send on another phone, so last-message has something to read; verify's
  # phone has no challenge at all.
  curl -fsS "${auth[@]}" -H 'content-type: application/json' \
    -d '{"phone":"+919800000002","lead":"L-1","entry":221,"user":"U-1"}' \
    "$base/otp/send" >/dev/null
  # Warm up (the first instantiations, the page cache, the connection pool).
  oha --no-tui -n 200 -c 10 -m POST "${auth[@]}" -T application/json -d "$verify_body" \
    "$base/otp/verify" >/dev/null

  drive() { # NAME, then oha's request arguments
    local name=$1
    shift
    say "$store $name: $rate req/s for $duration, $connections connections"
    oha --no-tui "${oha_json_flag[@]}" -q "$rate" -z "$duration" -c "$connections" \
      "${auth[@]}" "$@" >"$dir/$name.json"
  }
  drive verify -m POST -T application/json -d "$verify_body" "$base/otp/verify"
  drive last-message "$base/otp/test/last-message?phone=%2B919800000002"
  # Headroom: verify as fast as it goes (closed loop, no rate), 10 s.
  say "$store verify-max: no rate limit for 10s, $connections connections"
  oha --no-tui "${oha_json_flag[@]}" -z 10s -c "$connections" "${auth[@]}" \
    -m POST -T application/json -d "$verify_body" "$base/otp/verify" >"$dir/verify-max.json"
  # Host memory after the run.
  awk '/^VmHWM/ {print $2}' "/proc/$host_pid/status" >"$dir/rss_kb" 2>/dev/null || echo "?" >"$dir/rss_kb"
  stop_host
}

stores=${STORES:-sqlite postgres}
for store in $stores; do
  measure "$store"
done

say "native baseline (criterion: sdk/benches/otp_verify.rs)"
cargo bench -q -p recrules-sdk --bench otp_verify -- --warm-up-time 1 --measurement-time 3 \
  >"$out/native.txt" 2>&1 || { cat "$out/native.txt" >&2; exit 1; }

# shellcheck disable=SC2086 # one argument per store
python3 - "$out" "$rate" "$duration" $stores <<'PY'
import json, re, sys, pathlib
out, rate, duration, stores = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
def ms(s):
    return f"{s * 1000:.2f} ms" if s is not None else "?"
print("| route | state | offered | p50 | p90 | p99 | p99.9 | max | throughput | statuses |")
print("|---|---|---|---|---|---|---|---|---|---|")
for name, label in [("verify", "POST /otp/verify (unknown_challenge)"),
                    ("last-message", "GET /otp/test/last-message"),
                    ("verify-max", "POST /otp/verify, no rate limit (headroom)")]:
    for store in stores:
        r = json.loads((out / store / f"{name}.json").read_text())
        s, p = r["summary"], r["latencyPercentiles"]
        codes = ", ".join(f"{k}: {v}" for k, v in sorted(r.get("statusCodeDistribution", {}).items()))
        errors = r.get("errorDistribution") or {}
        if errors:
            codes += "; errors: " + ", ".join(f"{k}: {v}" for k, v in errors.items())
        offered = "max x 10s" if name == "verify-max" else f"{rate}/s x {duration}"
        print(f"| {label} | {store} | {offered} | {ms(p.get('p50'))} | {ms(p.get('p90'))} | "
              f"{ms(p.get('p99'))} | {ms(p.get('p99.9'))} | {ms(s.get('slowest'))} | "
              f"{s.get('requestsPerSec', 0):.1f} req/s | {codes} |")
print()
for store in stores:
    print(f"Host peak RSS (VmHWM), {store}: {(out / store / 'rss_kb').read_text().strip()} kB")
print()
text = (out / "native.txt").read_text()
print("Native baseline (criterion, median time per iteration [low, median, high]):")
print()
for m in re.finditer(r"^(otp_verify_native/\S+)\s*\n?\s*time:\s*\[([^\]]+)\]", text, re.M):
    print(f"- `{m.group(1)}`: [{m.group(2).strip()}]")
PY
