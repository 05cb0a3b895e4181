// The package's tests on React Native's JavaScript engine: the Hermes VM of
// the `hermes-engine-cli` package (0.12.0), running bytecode compiled by its
// `hermesc -O` from bundles made as a React Native app makes them (Babel
// with `@react-native/babel-preset`, the package resolved through its
// `react-native` condition: dist/js/, the wasm2js build; see bundle.mjs):
//   - every conformance vector (fixtures/vectors and VECTOR_DIRS) through the
//     JavaScript test build's `runVector`, each outcome identical to the
//     native runner's (`recrules vectors --format json`);
//   - the API tests, test/api.test.mjs itself, each reported here;
//   - no leak without FinalizationRegistry: 100,000 decisions leave the
//     memory as it was (leak-entry.mjs).
// Run by scripts/test-wasm.sh: `node --test test/hermes/*.test.mjs` in
// packages/recrules. Needs the package built and the native runner
// (RECRULES_BIN, default <repo>/target/debug/recrules).
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { seedDual } from "../fixtures.mjs";
import { collectVectors, nativeOutcomes, repo, vectorDirs } from "../vector-files.mjs";
import { hermesVersion, runOnHermes } from "./hermes.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const shims = {
  "node:test": path.join(here, "shims/test.js"),
  "node:assert/strict": path.join(here, "shims/assert.js"),
  "./build.mjs": path.join(here, "shims/build.js"),
};
const fixtureModule = `export const seedDual = ${JSON.stringify(seedDual)};`;
const fixtures = { "./fixtures.mjs": fixtureModule, "../fixtures.mjs": fixtureModule };
const version = hermesVersion();

test(`the VM is Hermes ${version}, from hermes-engine-cli`, () => {
  assert.equal(version, "0.12.0");
});

// The vectors.
const dirs = vectorDirs();
const collected = collectVectors(dirs);
const runnable = collected.filter((v) => v.text !== undefined).map(({ place, text, settingsText }) => ({ place, text, settingsText }));
const outcomes = new Map(
  runOnHermes("vectors", {
    entry: path.join(here, "vectors-entry.mjs"),
    virtual: { "virtual:vectors": `export default ${JSON.stringify(runnable)};` },
  })
    .map((line) => JSON.parse(line))
    .map((line) => [line.place, line.outcome]),
);
const results = collected.map((v) => (v.text === undefined ? v : { place: v.place, ...outcomes.get(v.place) }));
const native = nativeOutcomes(dirs);

test("Hermes ran every vector, the same ones as the native runner", () => {
  assert.ok(results.length > 0, `no vector found under ${dirs.join(", ")}`);
  assert.equal(outcomes.size, runnable.length);
  assert.deepEqual([...native.keys()].sort(), results.map((r) => r.place).sort());
});

for (const r of results) {
  test(`hermes: ${path.relative(repo, r.place)} ${r.name}`, () => {
    const n = native.get(r.place);
    assert.ok(n, "the native runner did not run this vector");
    assert.equal(r.thrown, undefined, `runVector threw on Hermes: ${r.thrown}`);
    assert.equal(r.name, n.name);
    assert.equal(r.op, n.op);
    assert.equal(r.badFile, undefined, `the file is not JSON: ${r.badFile}`);
    if (r.unreadable) {
      assert.equal(n.mismatches[0]?.path, "vector.settings_file");
    } else {
      assert.deepEqual(r.actual, n.actual, "`actual` differs from the native runner's");
      assert.deepEqual(r.mismatches, n.mismatches, "`mismatches` differ from the native runner's");
    }
    assert.deepEqual(r.mismatches, [], "the vector fails");
  });
}

// The API tests: test/api.test.mjs, bundled with stand-ins for node:test,
// node:assert/strict, ./build.mjs and ./fixtures.mjs (shims/).
const api = runOnHermes("api", {
  entry: path.join(here, "../api.test.mjs"),
  aliases: shims,
  virtual: fixtures,
  epilogue: "__recrulesRunTests();",
}).map((line) => JSON.parse(line));

test("Hermes ran the API tests", () => {
  assert.ok(api.length >= 8, `only ${api.length} API tests ran on Hermes`);
});

for (const t of api) {
  test(`hermes: ${t.test}`, () => {
    assert.ok(t.ok, t.error);
  });
}

// No leak without FinalizationRegistry.
const [leak] = runOnHermes("leak", {
  entry: path.join(here, "leak-entry.mjs"),
  aliases: shims,
  virtual: fixtures,
}).map((line) => JSON.parse(line));

test(`hermes: ${leak.decisions} decisions through decide, precheckInto and freed histories leave memory bounded (${leak.ms} ms)`, () => {
  assert.equal(leak.finalizationRegistry, "undefined", "this Hermes has FinalizationRegistry: the test would not show a leak");
  assert.ok(leak.decisions >= 100000);
  // The wasm2js memory never grew; the JS heap holds no more than 256 KiB more.
  assert.equal(leak.after.wasm, leak.before.wasm, `the rules' memory grew from ${leak.before.wasm} to ${leak.after.wasm} bytes`);
  assert.ok(leak.after.heap - leak.before.heap < 256 << 10, `the JS heap grew from ${leak.before.heap} to ${leak.after.heap} bytes`);
});

test("hermes: the leak meter sees 2,000 decisions that are never freed", () => {
  const grown = leak.leaked.wasm - leak.after.wasm + (leak.leaked.heap - leak.after.heap);
  assert.ok(grown > 1 << 20, `2,000 unfreed decisions grew memory by ${grown} bytes only`);
});
