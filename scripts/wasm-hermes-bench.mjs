// `precheck` and history construction on React Native's Hermes VM (the
// package's hermes-engine-cli, 0.12.0): the JavaScript build dist/js/,
// bundled as React Native bundles it (Babel with @react-native/babel-preset)
// and compiled to bytecode (`hermesc -O`); the inputs of
// scripts/wasm-precheck-bench.mjs. See packages/recrules/test/hermes/bench-entry.mjs.
//
// Usage: node scripts/wasm-hermes-bench.mjs [N...]   (default: 10 200)
// Prints one JSON line per N, nanoseconds per call: columns_ns
// (`LeadHistory.fromColumns` then `free()`), objects_ns (`new LeadHistory`
// from Activity objects), held_ns (`precheckInto` a held decision, read as an
// app reads it), held_ticking_ns (the same, `now` a second later on each
// call), held_evaluated_ns (the same, evaluated anew on each call: two
// histories of the same activities in turn), decide_ns (`rules.decide`, a
// plain Verdict), lazy_ns
// (`precheckFor`, read, `free()`), one_shot_columns_ns (`precheck` with the
// settings text, the history as columns), one_shot_ns (`precheck` with
// Activity objects). Expects the package built and its npm dev dependencies.
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { runOnHermes } = await import(path.join(repo, "packages/recrules/test/hermes/hermes.mjs"));
const { seedDual } = await import(path.join(repo, "packages/recrules/test/fixtures.mjs"));

const sizes = process.argv.slice(2).map(Number);
const lines = runOnHermes("bench", {
  entry: path.join(repo, "packages/recrules/test/hermes/bench-entry.mjs"),
  virtual: {
    "virtual:bench": `export default ${JSON.stringify(sizes.length ? sizes : [10, 200])};`,
    "../fixtures.mjs": `export const seedDual = ${JSON.stringify(seedDual)};`,
  },
});
for (const line of lines) console.log(line);
