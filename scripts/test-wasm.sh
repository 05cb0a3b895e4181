#!/usr/bin/env bash
# The wasm package end to end, on a fresh machine: the wasm32 target and
# wasm-bindgen-cli (at Cargo.lock's wasm-bindgen version) when missing, the
# package's npm dev dependencies (`npm ci`), the build, clippy on the wasm
# crate (with and without its test-only feature `vectors`), the Node tests
# (every conformance vector identical to the native runner's, through the
# test build dist/vectors/; session persistence, errors), the same tests
# against the pure-JavaScript build (dist/js/ and dist/vectors-js/, made by
# wasm2js for React Native's Hermes) in a Node without WebAssembly (and
# again without TextDecoder and TextEncoder), the same builds on React
# Native's Hermes VM (hermes-engine-cli: vectors, API tests, a leak test),
# and the TypeScript check of the mobile examples, then the native-vs-wasm differential proptest
# (sdk-wasm/tests/differential.rs). Extra vector folders: VECTOR_DIRS. Honours CARGO_TARGET_DIR
# and RECRULES_BIN.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
pkg="$root/packages/recrules"
target_dir="${CARGO_TARGET_DIR:-$root/target}"

# The package's dev dependencies (binaryen, TypeScript, Babel with the React
# Native preset, hermes-engine-cli), from the npm registry at the versions of
# package-lock.json: installed only when missing or when the lock changed.
if ! cmp -s "$pkg/package-lock.json" "$pkg/node_modules/.recrules-installed-lock"; then
    (cd "$pkg" && npm ci --no-audit --no-fund)
    cp "$pkg/package-lock.json" "$pkg/node_modules/.recrules-installed-lock"
fi
scripts/build-wasm.sh
cargo clippy -q -p recrules-wasm --target wasm32-unknown-unknown -- -D warnings
cargo clippy -q -p recrules-wasm --target wasm32-unknown-unknown --features vectors -- -D warnings

if [ -z "${RECRULES_BIN:-}" ]; then
    cargo build -q -p recrules
    export RECRULES_BIN="$target_dir/debug/recrules"
fi
# Only the `*.test.mjs` files: test/ also holds helpers run by other tests
# (serve-vectors.mjs reads stdin), which `node --test test/` would run too.
(cd "$pkg" && node --test test/*.test.mjs)
# The JavaScript build, as React Native's Metro resolves the package (the
# `react-native` condition), in a Node whose WebAssembly global is removed
# (V8's --no-expose-wasm): the tests assert both (test/build.mjs).
echo "test-wasm: the JavaScript build (dist/js/) in Node without WebAssembly"
(cd "$pkg" && RECRULES_BUILD=js node --no-expose-wasm --conditions=react-native --test test/*.test.mjs)
echo "test-wasm: the JavaScript build without WebAssembly, TextDecoder and TextEncoder (Hermes before React Native 0.85)"
(cd "$pkg" && RECRULES_BUILD=js RECRULES_NO_TEXT_CODEC=1 node --no-expose-wasm --conditions=react-native \
    --import ./test/no-text-codec.mjs --test test/*.test.mjs)
# React Native's engine itself: the Hermes VM of the `hermes-engine-cli`
# package (0.12.0, a dev dependency installed by `npm ci` above, no other
# download), running bytecode from bundles made as a React Native app makes
# them (Babel with @react-native/babel-preset): every vector identical to the
# native runner's, the API tests, and 100,000 decisions that leave memory
# bounded without FinalizationRegistry (test/hermes/hermes.test.mjs).
echo "test-wasm: the JavaScript build on Hermes $(cd "$pkg" && node -e 'console.log(require("hermes-engine-cli/package.json").version)')"
(cd "$pkg" && node --test test/hermes/*.test.mjs)
# The mobile examples type-check against the package's types.
(cd "$pkg" && npx tsc --noEmit -p tsconfig.json)
# Differential: proptest-generated cases of every op, native sdk against the package.
cargo test -q -p recrules-wasm --test differential -- --ignored
echo "test-wasm: ok"
