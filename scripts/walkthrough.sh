#!/usr/bin/env bash
# Runs the exact commands of the README's curl walkthrough (the ```sh block
# between `<!-- walkthrough:begin -->` and `<!-- walkthrough:end -->`) against
# recrules-host serving spin.toml with the demo org of scripts/run.sh, on a free
# port (BASE) and a fresh state directory, and checks what they printed: the
# code approved, the recording allowed, the Start and End posted, a Range
# answered 206 and the recording back whole. WALKTHROUGH_FROM names another
# Markdown file than README.md. Tracked files are never changed.
#
#   bash scripts/walkthrough.sh                 # builds, starts a host, runs them
#   bash scripts/walkthrough.sh --base URL      # runs them against a running host
#                                               # (scripts/run.sh: http://127.0.0.1:3000)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
from="${WALKTHROUGH_FROM:-$root/README.md}"

# shellcheck source=console-host.sh
source "$root/scripts/console-host.sh"
work="${target_dir}/walkthrough"
mkdir -p "$work"
awk '/<!-- walkthrough:begin -->/ { on = 1; next } /<!-- walkthrough:end -->/ { on = 0 } on' "$from" \
    | sed '/^```/d' > "$work/commands.sh"
if [ ! -s "$work/commands.sh" ]; then
    echo "walkthrough: no commands between <!-- walkthrough:begin --> and <!-- walkthrough:end --> in $from" >&2
    exit 1
fi

if [ "${1:-}" = "--base" ] && [ -n "${2:-}" ]; then
    BASE="$2"
else
    console_build
    trap stop_host EXIT
    console_serve "$work/host"
fi
echo "walkthrough: running $(grep -c '^curl\|^  -\|^CODE=' "$work/commands.sh") lines of commands from $from"
(cd "$root" && BASE="$BASE" bash -euo pipefail "$work/commands.sh") > "$work/output.txt" 2>&1 || {
    cat "$work/output.txt" >&2
    echo "walkthrough: a command failed (above)" >&2
    exit 1
}
cat "$work/output.txt"
fail=0
expect() {
    if ! grep -q -- "$1" "$work/output.txt"; then
        echo "walkthrough: expected $2 (\`$1\` in the output)" >&2
        fail=1
    fi
}
expect '"outcome":"approved"' "the OTP approved"
expect '"allowed":true' "the recording allowed"
expect '"end_code":222' "the Start posted"
expect '"mx_Custom_3":"0.03"' "the End posted with its duration"
expect 'HTTP/1.1 206' "a Range answered 206"
expect 'content-range: bytes 0-43/32044' "the Range's Content-Range"
expect 'the recording came back whole' "the recording downloaded whole"
exit "$fail"
