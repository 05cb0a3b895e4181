#!/usr/bin/env bash
# Makes the console's screenshots in docs/ (docs/console-*.png, shown in the
# README) by running the browser tests with their screenshots sent there. Run
# it by hand when the console changes, and commit the pictures.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$root/docs"
CONSOLE_SCREENSHOTS="$root/docs" bash "$root/scripts/console-test.sh"
