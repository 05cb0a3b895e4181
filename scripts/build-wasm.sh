#!/usr/bin/env bash
# Builds the npm package packages/recrules (`@recrules/rules`) from sdk-wasm:
#   dist/node/  wasm-bindgen --target nodejs  (CommonJS, loads the .wasm synchronously)
#   dist/web/   wasm-bindgen --target bundler (ES module importing the .wasm; webpack, Vite, Metro with wasm support)
#   dist/vectors/  the package's tests only (not shipped): --target nodejs of
#               the build with feature `vectors` (`runVector`, the conformance runner)
# wasm-bindgen-cli is installed from crates.io at exactly the version of the
# `wasm-bindgen` crate in Cargo.lock, only when missing or different. When the
# package's dev dependencies are installed (`npm ci`), binaryen's wasm-opt
# shrinks the .wasm. Profile `wasm-package` (root Cargo.toml). Honours CARGO_TARGET_DIR.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
pkg="$root/packages/recrules"
target_dir="${CARGO_TARGET_DIR:-$root/target}"

# The wasm-bindgen version the crate is built with; the CLI must match it exactly.
want="$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
if [ -z "$want" ]; then
    echo "build-wasm: no wasm-bindgen in Cargo.lock; run \`cargo generate-lockfile\`" >&2
    exit 1
fi
have=""
if command -v wasm-bindgen >/dev/null 2>&1; then
    have="$(wasm-bindgen --version | awk '{ print $2 }')"
fi
if [ "$have" != "$want" ]; then
    echo "build-wasm: installing wasm-bindgen-cli $want (found: ${have:-none})"
    if ! cargo install wasm-bindgen-cli --version "$want" --locked; then
        # A registry mirror may lack a version the CLI's own lockfile pins.
        echo "build-wasm: \`--locked\` failed; installing wasm-bindgen-cli $want with fresh dependency versions" >&2
        cargo install wasm-bindgen-cli --version "$want"
    fi
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
fi

wasm_opt="$pkg/node_modules/.bin/wasm-opt"
if [ ! -x "$wasm_opt" ]; then
    echo "build-wasm: wasm-opt not found (run \`npm ci\` in packages/recrules); the .wasm is left as rustc made it" >&2
fi
# Optimises a .wasm in place when binaryen is installed.
optimise() {
    if [ -x "$wasm_opt" ]; then
        # The features rustc enables by default for wasm32-unknown-unknown.
        "$wasm_opt" -Oz --enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int \
            --enable-sign-ext --enable-reference-types --enable-multivalue "$1" -o "$1"
    fi
}

wasm="$target_dir/wasm32-unknown-unknown/wasm-package/recrules_wasm.wasm"
rm -rf "$pkg/dist"

# The test build: the same bindings plus `runVector` (feature `vectors`), for
# the package's own tests only (dist/vectors/ is not in the package's `files`).
cargo build --target wasm32-unknown-unknown --profile wasm-package -p recrules-wasm --features vectors
wasm-bindgen --target nodejs --out-dir "$pkg/dist/vectors" --out-name recrules "$wasm"
echo '{ "type": "commonjs" }' > "$pkg/dist/vectors/package.json"
optimise "$pkg/dist/vectors/recrules_bg.wasm"

# The shipped build.
cargo build --target wasm32-unknown-unknown --profile wasm-package -p recrules-wasm
wasm-bindgen --target nodejs --out-dir "$pkg/dist/node" --out-name recrules "$wasm"
wasm-bindgen --target bundler --out-dir "$pkg/dist/web" --out-name recrules "$wasm"
echo '{ "type": "commonjs" }' > "$pkg/dist/node/package.json"
echo '{ "type": "module" }' > "$pkg/dist/web/package.json"
optimise "$pkg/dist/node/recrules_bg.wasm"
optimise "$pkg/dist/web/recrules_bg.wasm"
ls -l "$pkg/dist/node/recrules_bg.wasm" "$pkg/dist/web/recrules_bg.wasm" "$pkg/dist/vectors/recrules_bg.wasm"
