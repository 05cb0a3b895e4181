#!/usr/bin/env bash
# Checks every OpenAPI document in openapi/*.yaml against the running Lapps with
# schemathesis: no 5xx, only documented status codes, documented content types,
# and answers that match their schemas.
#
#   bash scripts/schemathesis.sh                  # all documents
#   bash scripts/schemathesis.sh openapi/otp.yaml # only these
#
# Environment:
#   CARGO_TARGET_DIR           where cargo builds [target]; the Lapps are served from there
#   RECRULES_HOST_BIN          the host binary [$CARGO_TARGET_DIR/debug/recrules-host; built if missing]
#   SCHEMATHESIS_MAX_EXAMPLES  test cases per operation and phase [25]
#   SCHEMATHESIS_SEED          the random seed [a fixed one, so runs repeat]
#   SCHEMATHESIS_TIMEOUT_S     time limit of one document's run [300]
#   SCHEMATHESIS_MANIFEST      the Spin manifest to serve [spin.toml]
#
# schemathesis (pinned in scripts/schemathesis-requirements.txt) is installed into
# target/venv if it is not there. The host serves the root spin.toml on a free
# loopback port with a fresh state directory, in Test mode with the `log` SMS
# gateway, for one test org, with the tenant Lapps' shared secret; it is stopped
# on exit. Calls to the tenant Lapps (openapi/tenant.yaml) are signed with that
# secret by scripts/schemathesis_hooks.py (a tenant Lapp answers no unsigned
# call), and the tenant document passes only if some signed call was answered
# 2xx. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

target_dir=${CARGO_TARGET_DIR:-target}
host_bin=${RECRULES_HOST_BIN:-$target_dir/debug/recrules-host}
max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-25}
seed=${SCHEMATHESIS_SEED:-20261125}
doc_timeout=${SCHEMATHESIS_TIMEOUT_S:-300}
venv=target/venv
requirements=scripts/schemathesis-requirements.txt
manifest=${SCHEMATHESIS_MANIFEST:-spin.toml}
org=schemathesis-org
key=schemathesis-key-0123456789abcdef
# The meetings Lapp's and the tenant Lapps' shared secret (tenant_lapp_secret): the hooks sign with it.
lapp_secret=schemathesis-lapp-secret-0123456789
hooks=$root/scripts/schemathesis_hooks.py
out=target/schemathesis

say() { printf 'schemathesis.sh: %s\n' "$*" >&2; }

# --- the documents
if (($# > 0)); then
  docs=("$@")
else
  shopt -s nullglob
  docs=(openapi/*.yaml openapi/*.yml)
  shopt -u nullglob
fi
if ((${#docs[@]} == 0)); then
  say "no OpenAPI document under openapi/"
  exit 1
fi

# --- schemathesis, pinned, in a venv (installed only when missing or not the pinned version)
pinned=$(grep -Eo '^schemathesis==[^[:space:]]+' "$requirements" | cut -d= -f3)
installed=""
if [[ -x $venv/bin/schemathesis ]]; then
  installed=$("$venv/bin/schemathesis" --version 2>/dev/null | grep -Eo '[0-9]+(\.[0-9]+)+' | head -n1 || true)
fi
if [[ $installed != "$pinned" ]]; then
  say "installing schemathesis $pinned into $venv"
  [[ -x $venv/bin/python ]] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
fi

# --- the host and the Lapps
if [[ ! -x $host_bin ]]; then
  say "building the host ($host_bin is missing)"
  cargo build -p recrules-host --bin recrules-host
fi
mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/recrules-schemathesis.XXXXXX")
host_pid=""
cleanup() {
  if [[ -n $host_pid ]] && kill -0 "$host_pid" 2>/dev/null; then
    kill "$host_pid" 2>/dev/null || true
    wait "$host_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
# The manifest's sources are under target/; with another CARGO_TARGET_DIR, serve a copy
# of the manifest whose sources are there.
served=$manifest
if [[ $target_dir != target ]]; then
  manifest_dir=$(cd "$(dirname "$manifest")" && pwd)
  served=$tmp/spin.toml
  sed -E "s#^([[:space:]]*source[[:space:]]*=[[:space:]]*\")target/#\1$target_dir/#; s#^([[:space:]]*source[[:space:]]*=[[:space:]]*\")([^/\"][^\"]*)\"#\1$manifest_dir/\2\"#" \
    "$manifest" >"$served"
fi
missing=0
while IFS= read -r source; do
  [[ -f $source ]] || { say "missing $source"; missing=1; }
done < <(sed -nE 's/^[[:space:]]*source[[:space:]]*=[[:space:]]*"([^"]+)".*/\1/p' "$served")
if ((missing)); then
  say "building the Lapps (recrules-host build)"
  "$host_bin" build --manifest "$manifest"
fi

say "starting $host_bin on $served"
SPIN_VARIABLE_ORG_API_KEYS="{\"$org\": \"$key\"}" \
  SPIN_VARIABLE_ORG_ADMIN_KEYS="{\"$org\": \"$key\"}" \
  SPIN_VARIABLE_LAPP_ENV=Test \
  SPIN_VARIABLE_SMS_GATEWAY=log \
  SPIN_VARIABLE_TENANT_LAPP_SECRET="$lapp_secret" \
  "$host_bin" up --manifest "$served" --listen 127.0.0.1:0 \
  --state-dir "$tmp/state" --cache-dir "$out/cache" \
  >"$tmp/host.out" 2>"$tmp/host.err" &
host_pid=$!

# Wait (at most 180 s: the first start compiles the components) for `Serving http://ADDR`.
base=""
for _ in $(seq 1 360); do
  line=$(head -n1 "$tmp/host.out" 2>/dev/null || true)
  if [[ $line == "Serving "* ]]; then
    base=${line#Serving }
    base=${base%/}
    break
  fi
  if ! kill -0 "$host_pid" 2>/dev/null; then
    break
  fi
  sleep 0.5
done
if [[ -z $base ]]; then
  say "the host did not start; its stderr:"
  cat "$tmp/host.err" >&2
  exit 1
fi
say "host at $base"

checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
# The hooks' signing parameters, from where they are defined.
sdk_const() { sed -nE "s/^pub const $1: &str = \"([^\"]+)\";/\1/p" sdk/src/hook.rs; }
export RECRULES_LAPP_SECRET=$lapp_secret
RECRULES_ENV_HEADER=$(sdk_const ENV_HEADER)
RECRULES_TIMESTAMP_HEADER=$(sdk_const TIMESTAMP_HEADER)
RECRULES_SIGNATURE_HEADER=$(sdk_const SIGNATURE_HEADER)
RECRULES_SIGNATURE_PREFIX=$(sdk_const SIGNATURE_PREFIX)
RECRULES_VALIDATE_SEGMENT=$(sdk_const VALIDATE_SEGMENT)
export RECRULES_ENV_HEADER RECRULES_TIMESTAMP_HEADER RECRULES_SIGNATURE_HEADER RECRULES_SIGNATURE_PREFIX \
  RECRULES_VALIDATE_SEGMENT
if [[ -z $RECRULES_ENV_HEADER || -z $RECRULES_TIMESTAMP_HEADER || -z $RECRULES_SIGNATURE_HEADER ||
  -z $RECRULES_SIGNATURE_PREFIX || -z $RECRULES_VALIDATE_SEGMENT ]]; then
  say "cannot read the signature's header names from sdk/src/hook.rs"
  exit 1
fi
failed=()
for doc in "${docs[@]}"; do
  name=$(basename "$doc")
  name=${name%.*}
  say "== $doc (max $max_examples examples per operation, seed $seed)"
  [[ $doc == /* ]] || doc=$root/$doc
  status=0
  export RECRULES_SIGNED_ANSWERS=$tmp/$name.signed-answers
  : >"$RECRULES_SIGNED_ANSWERS"
  # Run from $out: schemathesis and hypothesis keep their caches in the working directory.
  # One worker: with two, schemathesis 4.32.5's schema strategy cache races between its threads
  # (a KeyError in its own code, reported by Hypothesis as a flaky failure).
  (cd "$out" && SCHEMATHESIS_HOOKS=$hooks timeout --signal=INT --kill-after=30 "$doc_timeout" \
    "$root/$venv/bin/schemathesis" --no-color run "$doc" \
    --url "$base" \
    --header "x-org-id: $org" \
    --header "x-api-key: $key" \
    --generation-with-security-parameters false \
    --checks "$checks" \
    --phases examples,coverage,fuzzing \
    --max-examples "$max_examples" \
    --seed "$seed" \
    --workers 1 \
    --request-timeout 30 \
    --generation-database none \
    --report junit \
    --report-junit-path "$root/$out/$name.junit.xml" \
    --report-dir "$root/$out") ||
    status=$?
  if ((status == 0)) && grep -q '^  /tenant/' "$doc" && [[ ! -s $RECRULES_SIGNED_ANSWERS ]]; then
    say "$doc: no signed call to a tenant Lapp was answered 2xx: the hooks do not sign as the kit verifies"
    status=1
  fi
  if ((status != 0)); then
    say "$doc: FAILED (exit $status)"
    failed+=("$doc")
  else
    say "$doc: passed"
  fi
done

if ! kill -0 "$host_pid" 2>/dev/null; then
  say "the host stopped during the run; its stderr:"
  tail -n 50 "$tmp/host.err" >&2
  exit 1
fi
if ((${#failed[@]} > 0)); then
  say "host stderr (last 30 lines):"
  tail -n 30 "$tmp/host.err" >&2
  say "failed: ${failed[*]}"
  exit 1
fi
say "all ${#docs[@]} document(s) passed"
