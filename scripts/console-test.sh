#!/usr/bin/env bash
# The web console's browser tests (console/test/console.test.mjs): Debian's
# Chromium, headless, driven by playwright-core over the DevTools protocol,
# against recrules-host serving spin.toml (the real Lapps and the console
# component) on a free port with the demo org and a fresh state directory.
# Installs Debian's chromium only when missing, the
# console's npm packages only when node_modules is missing. Screenshots go to
# target/console-test/screenshots (scripts/console-screenshots.sh makes the
# ones in docs/). Then, against the same host, the README's curl walkthrough
# (scripts/walkthrough.sh --base). Tracked files are never changed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if ! command -v chromium >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends chromium
fi

# shellcheck source=console-host.sh
source "$root/scripts/console-host.sh"
console_build
work="${target_dir}/console-test"
trap stop_host EXIT
console_serve "$work/host"
(cd console && CONSOLE_BASE="$BASE" CHROMIUM="$(command -v chromium)" \
    CONSOLE_SCREENSHOTS="${CONSOLE_SCREENSHOTS:-$work/screenshots}" node --test test/console.test.mjs)
bash "$root/scripts/walkthrough.sh" --base "$BASE"
