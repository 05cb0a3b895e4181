// Marks WebAssembly features as not used in a .wasm's `target_features`
// custom section, in place: `node scripts/wasm-features-off.mjs IN OUT FEATURE...`.
//
// For the pure-JavaScript build (scripts/build-wasm.sh, dist/js/): rustc lists
// `reference-types` and `multivalue` among the features of every
// wasm32-unknown-unknown module (its defaults since Rust 1.82), and
// wasm-bindgen reads that section to decide whether to pass JS values through
// an `externref` table and to return several values at once. binaryen's
// wasm2js supports neither (one table only, one result only). Rust code never
// uses either by itself (no Rust type is an `externref`; a call through the
// one function table is valid without the feature), so with the features
// marked `-` wasm-bindgen makes the same bindings the MVP way: a JS-side
// table of values and results through memory. Each prefix byte changes from
// `+` to `-`, so no size changes; a feature not listed stays not listed.
import { readFileSync, writeFileSync } from "node:fs";

const [input, output, ...features] = process.argv.slice(2);
if (!input || !output || features.length === 0) {
  console.error("usage: node scripts/wasm-features-off.mjs IN.wasm OUT.wasm FEATURE...");
  process.exit(2);
}
const bytes = readFileSync(input);
if (bytes.readUInt32LE(0) !== 0x6d736100) {
  console.error(`wasm-features-off: ${input} is not a WebAssembly module`);
  process.exit(1);
}

/** An unsigned LEB128 at `at`: [value, the offset after it]. */
function leb(at) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

let found = false;
for (let at = 8; at < bytes.length; ) {
  const id = bytes[at++];
  const [size, body] = leb(at);
  at = body + size;
  if (id !== 0) continue;
  const [nameLength, nameAt] = leb(body);
  if (bytes.toString("utf8", nameAt, nameAt + nameLength) !== "target_features") continue;
  found = true;
  let [count, entry] = leb(nameAt + nameLength);
  for (; count > 0; count--) {
    const prefixAt = entry;
    const [length, featureAt] = leb(entry + 1);
    const feature = bytes.toString("utf8", featureAt, featureAt + length);
    if (features.includes(feature)) bytes[prefixAt] = "-".charCodeAt(0);
    entry = featureAt + length;
  }
}
if (!found) {
  console.error(`wasm-features-off: ${input} has no target_features section (built with \`strip = true\`?)`);
  process.exit(1);
}
writeFileSync(output, bytes);
