#!/usr/bin/env bash
# Builds the web console's assets into console/dist/, which the console
# component (lapps/console) embeds with include_bytes!: the page, its script
# (CodeMirror 6 and the rules' web glue, bundled by esbuild), its style, the
# service worker, the rules' .wasm (packages/recrules/dist/web, the npm
# package's web build) and the settings' JSON Schema. Every library comes from
# console/package-lock.json; nothing is fetched from a CDN at run time.
# Installs the npm packages only when node_modules is missing, builds the npm
# package's web build only when it is missing, and bundles only when an output
# is missing or older than an input.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

web="packages/recrules/dist/web/recrules_bg.wasm"
if [ ! -f "$web" ]; then
    echo "build-console: $web is missing: building the npm package (scripts/build-wasm.sh)"
    if [ ! -d packages/recrules/node_modules ]; then
        (cd packages/recrules && npm ci --no-audit --no-fund)
    fi
    bash scripts/build-wasm.sh
fi

if [ ! -d console/node_modules ]; then
    (cd console && npm ci --no-audit --no-fund)
fi

outputs=(index.html app.js app.css sw.js recrules_bg.wasm settings.schema.json)
inputs=(console/src console/build.mjs console/package-lock.json "$web" schema/settings.schema.json)
stale=0
for out in "${outputs[@]}"; do
    if [ ! -s "console/dist/$out" ]; then
        stale=1
        break
    fi
done
if [ "$stale" = 0 ] && [ -n "$(find "${inputs[@]}" -newer console/dist/app.js -print -quit)" ]; then
    stale=1
fi
if [ "$stale" = 1 ]; then
    (cd console && node build.mjs)
else
    echo "build-console: console/dist is up to date"
fi
