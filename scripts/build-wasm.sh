#!/usr/bin/env bash
# Builds the npm package packages/recrules (`@recrules/rules`) from sdk-wasm:
#   dist/node/  wasm-bindgen --target nodejs  (CommonJS, loads the .wasm synchronously)
#   dist/web/   wasm-bindgen --target bundler (ES module importing the .wasm; webpack, Vite, Metro with wasm support)
#   dist/js/    the same bindings in plain JavaScript, for engines without
#               WebAssembly (React Native's Hermes): --target bundler, then
#               binaryen's wasm2js turns recrules_bg.wasm into recrules_bg.wasm.js,
#               an ES module with the same exports, which the glue imports instead
#   dist/vectors/  the package's tests only (not shipped): --target nodejs of
#               the build with feature `vectors` (`runVector`, the conformance runner)
#   dist/vectors-js/  the same test build through wasm2js (tests only, not shipped)
# wasm-bindgen-cli is installed from crates.io at exactly the version of the
# `wasm-bindgen` crate in Cargo.lock, only when missing or different.
# binaryen (a dev dependency of the package: run `npm ci` there first) gives
# wasm-opt, which shrinks the .wasm, and wasm2js, which makes the JavaScript
# builds. Profile `wasm-package` (root Cargo.toml). Honours CARGO_TARGET_DIR;
# the JavaScript builds are compiled in its subfolder wasm2js/ (other
# RUSTFLAGS, see make_js).
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
wasm2js="$pkg/node_modules/.bin/wasm2js"
if [ ! -x "$wasm2js" ] || [ ! -x "$wasm_opt" ]; then
    echo "build-wasm: binaryen's wasm-opt and wasm2js are missing: run \`npm ci\` in packages/recrules (the JavaScript build dist/js/ needs them)" >&2
    exit 1
fi
# Optimises a .wasm in place.
optimise() {
    # The features rustc enables by default for wasm32-unknown-unknown.
    "$wasm_opt" -Oz --enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int \
        --enable-sign-ext --enable-reference-types --enable-multivalue "$1" -o "$1"
}

# The features rustc enables by default for wasm32-unknown-unknown, less the
# two wasm2js cannot translate (see make_js); wasm2js reads the module after
# the nontrapping float-to-int operations are lowered.
js_features=(--enable-bulk-memory --enable-mutable-globals --enable-sign-ext)

# The JavaScript build of the module a cargo build made ($1, built by
# js_cargo_build), into $2: the same bindings, the .wasm turned into JS.
# wasm2js translates neither an `externref` table nor functions returning
# several values, which wasm-bindgen uses when the module was compiled with
# the features `reference-types` and `multivalue` (rustc's defaults), so:
#  - the crates are compiled without them (RUSTFLAGS, in their own target
#    folder, so the wasm build is not rebuilt each time): wasm-bindgen's runtime
#    then keeps JS values in a JS-side table, the MVP way;
#  - the module's `target_features` section still lists them (the standard
#    library is shipped compiled with them; no Rust code makes an externref or
#    a multi-value function by itself), so they are marked unused there
#    (scripts/wasm-features-off.mjs) for wasm-bindgen to agree;
#  - wasm2js cannot lower `i64.trunc_sat_*` (nontrapping-fptoint to 64 bits):
#    binaryen's --llvm-nontrapping-fptoint-lowering turns them into MVP code
#    with the same results first.
# The glue (recrules.js, recrules_bg.js) and the types are wasm-bindgen's
# --target bundler output, with the changes below; recrules.d.ts must be the
# web build's, byte for byte.
make_js() {
    local module="$1" out="$2" tmp
    tmp="$(mktemp -d)"
    node "$root/scripts/wasm-features-off.mjs" "$module" "$tmp/in.wasm" reference-types multivalue
    wasm-bindgen --target bundler --out-dir "$out" --out-name recrules "$tmp/in.wasm"
    "$wasm_opt" "${js_features[@]}" --enable-nontrapping-float-to-int --llvm-nontrapping-fptoint-lowering --strip-debug \
        "$out/recrules_bg.wasm" -o "$tmp/lowered.wasm"
    "$wasm2js" "${js_features[@]}" -Oz "$tmp/lowered.wasm" -o "$out/recrules_bg.wasm.js"
    rm -rf "$tmp" "$out/recrules_bg.wasm" "$out/recrules_bg.wasm.d.ts"
    grep -q '^import \* as wasm from "./recrules_bg.wasm";$' "$out/recrules.js" || {
        echo "build-wasm: $out/recrules.js does not import ./recrules_bg.wasm as expected (wasm-bindgen changed its glue?)" >&2
        exit 1
    }
    sed -i 's|^import \* as wasm from "./recrules_bg.wasm";$|import * as wasm from "./recrules_bg.wasm.js";|' "$out/recrules.js"
    # The glue caches views of the memory and makes new ones when the memory
    # grew, which it tells by the old buffer being detached (length 0): a
    # WebAssembly memory's is, but wasm2js's memory.grow copies into a new
    # ArrayBuffer and leaves the old one whole, so the cached view would read
    # and write stale bytes. Here a view is made again whenever the memory's
    # buffer is another.
    sed -E -i \
        -e 's/(cached[A-Za-z0-9]+Memory0)\.byteLength === 0/\1.buffer !== wasm.memory.buffer/g' \
        -e 's/(cached[A-Za-z0-9]+Memory0)\.buffer\.detached === true \|\| \(\1\.buffer\.detached === undefined \&\& \1\.buffer !== wasm\.memory\.buffer\)/\1.buffer !== wasm.memory.buffer/g' \
        "$out/recrules_bg.js"
    if grep -n 'byteLength === 0\|detached' "$out/recrules_bg.js" >&2; then
        echo "build-wasm: $out/recrules_bg.js still tells a grown memory by a detached buffer (above; wasm-bindgen changed its glue?)" >&2
        exit 1
    fi
    # UTF-8 where the engine has no TextDecoder or TextEncoder (Hermes before
    # React Native 0.85), ahead of the glue that makes them.
    cat "$pkg/js/text-codec.js" "$out/recrules_bg.js" > "$out/recrules_bg.js.new"
    mv "$out/recrules_bg.js.new" "$out/recrules_bg.js"
    if grep -q 'WebAssembly' "$out/recrules.js" "$out/recrules_bg.js" "$out/recrules_bg.wasm.js"; then
        echo "build-wasm: the JavaScript build in $out still names WebAssembly" >&2
        exit 1
    fi
    echo '{ "type": "module" }' > "$out/package.json"
}
js_target_dir="$target_dir/wasm2js"
js_wasm="$js_target_dir/wasm32-unknown-unknown/wasm-package/recrules_wasm.wasm"
js_cargo_build() {
    CARGO_TARGET_DIR="$js_target_dir" RUSTFLAGS="-Ctarget-feature=-reference-types,-multivalue" \
        cargo build --target wasm32-unknown-unknown --profile wasm-package -p recrules-wasm "$@"
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

# The JavaScript builds: the test build's, then the shipped one.
js_cargo_build --features vectors
make_js "$js_wasm" "$pkg/dist/vectors-js"
js_cargo_build
make_js "$js_wasm" "$pkg/dist/js"
if ! cmp -s "$pkg/dist/web/recrules.d.ts" "$pkg/dist/js/recrules.d.ts"; then
    echo "build-wasm: dist/js/recrules.d.ts differs from dist/web/recrules.d.ts: the JavaScript build must have the same API" >&2
    diff "$pkg/dist/web/recrules.d.ts" "$pkg/dist/js/recrules.d.ts" >&2 || true
    exit 1
fi
ls -l "$pkg/dist/node/recrules_bg.wasm" "$pkg/dist/web/recrules_bg.wasm" "$pkg/dist/vectors/recrules_bg.wasm" \
    "$pkg/dist/js/recrules_bg.wasm.js" "$pkg/dist/vectors-js/recrules_bg.wasm.js"
