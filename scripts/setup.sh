#!/usr/bin/env bash
# Installs what the project needs on a fresh machine; does nothing that is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

installed_targets=$(rustup target list --installed)
for target in wasm32-wasip2 wasm32-unknown-unknown; do
  grep -qx "$target" <<<"$installed_targets" || rustup target add "$target"
done
installed_components=$(rustup component list --installed)
for component in rustfmt clippy; do
  grep -q "^$component" <<<"$installed_components" || rustup component add "$component"
done
