// Runs every conformance vector through the package and checks that the
// outcome is IDENTICAL to the native runner's (`recrules vectors --format
// json`), vector by vector, and that every vector passes.
//
// Folders: fixtures/vectors, plus any given in VECTOR_DIRS (separated by the
// platform's path delimiter, `:` on Unix) or as arguments when the file is run
// directly: `node test/vectors.test.mjs ../../extra/vectors`.
// The native binary: RECRULES_BIN, default <repo>/target/debug/recrules.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";

// `runVector` is only in the package's test builds (feature `vectors` of
// sdk-wasm: dist/vectors/, or with RECRULES_BUILD=js the JavaScript one
// dist/vectors-js/, see build.mjs): the shipped package leaves the
// conformance runner out.
import { assertBuild, build, runVector } from "./build.mjs";
import { collectVectors, nativeOutcomes, repo, vectorDirs } from "./vector-files.mjs";

/** Every vector of the folders, run through the package: `{ place, name, op, actual, mismatches }`. */
function runAll(dirs) {
  return collectVectors(dirs).map((v) => (v.text === undefined ? v : { place: v.place, ...runVector(v.text, v.settingsText) }));
}

const dirs = vectorDirs();
const wasm = runAll(dirs);
const native = nativeOutcomes(dirs);

test(`the vectors run through the ${build} build${build === "js" ? ", in a Node without WebAssembly" : ""}`, () => {
  assertBuild();
});

test("the folders hold vectors", () => {
  assert.ok(wasm.length > 0, `no vector found under ${dirs.join(", ")}`);
});

test("the native runner ran the same vectors", () => {
  assert.deepEqual([...native.keys()].sort(), wasm.map((r) => r.place).sort());
});

for (const r of wasm) {
  test(`${path.relative(repo, r.place)} ${r.name}`, () => {
    const n = native.get(r.place);
    assert.ok(n, "the native runner did not run this vector");
    assert.equal(r.name, n.name);
    assert.equal(r.op, n.op);
    assert.equal(r.badFile, undefined, `the file is not JSON: ${r.badFile}`);
    if (r.unreadable) {
      // The OS's words may differ between Rust and Node; the place must not.
      assert.equal(n.mismatches[0]?.path, "vector.settings_file");
    } else {
      assert.deepEqual(r.actual, n.actual, "`actual` differs from the native runner's");
      assert.deepEqual(r.mismatches, n.mismatches, "`mismatches` differ from the native runner's");
    }
    assert.deepEqual(r.mismatches, [], "the vector fails");
  });
}
