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
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

// `runVector` is only in the package's test builds (feature `vectors` of
// sdk-wasm: dist/vectors/, or with RECRULES_BUILD=js the JavaScript one
// dist/vectors-js/, see build.mjs): the shipped package leaves the
// conformance runner out.
import { assertBuild, build, runVector } from "./build.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../..");

/** The vector folders (or files), as absolute paths, so both runners name places alike. */
function vectorDirs() {
  const extra = (process.env.VECTOR_DIRS ?? "").split(path.delimiter).filter(Boolean);
  const args = process.argv.slice(2).filter((a) => !a.startsWith("-"));
  return [path.join(repo, "fixtures/vectors"), ...extra, ...args].map((d) => path.resolve(d));
}

/** Every `.json` file under `dir`, in the native runner's order (walkdir sorted by file name). */
function jsonFiles(dir) {
  if (statSync(dir).isFile()) return [dir];
  const out = [];
  const names = readdirSync(dir).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...jsonFiles(full));
    else if (name.endsWith(".json")) out.push(full);
  }
  return out;
}

/**
 * The source text of each top-level item of a JSON text (one object, or an
 * array of them), so each vector reaches the rules as written: `JSON.parse`
 * then `JSON.stringify` would turn `158.0` into `158`, which the settings
 * checker rightly tells apart.
 */
function itemTexts(text) {
  const body = text.trim();
  if (!body.startsWith("[")) return [body];
  const items = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (depth === 1 && start < 0 && !/[\s,\]]/.test(c)) start = i;
    if (c === '"') {
      for (i++; body[i] !== '"'; i++) if (body[i] === "\\") i++;
    } else if (c === "[" || c === "{") {
      depth++;
    } else if (c === "]" || c === "}") {
      depth--;
    }
    // An item ends at the `,` after it, or at the array's closing `]`.
    if (start >= 0 && ((depth === 1 && c === ",") || depth === 0)) {
      items.push(body.slice(start, i).trim());
      start = -1;
    }
  }
  return items;
}

/** Every vector of the folders, run through the package: `{ place, name, op, actual, mismatches }`. */
function runAll(dirs) {
  const results = [];
  for (const file of dirs.flatMap(jsonFiles)) {
    let parsed, texts;
    try {
      const text = readFileSync(file, "utf8");
      parsed = JSON.parse(text);
      texts = Array.isArray(parsed) ? itemTexts(text) : [text];
      assert.equal(texts.length, Array.isArray(parsed) ? parsed.length : 1, `cannot split ${file} into its vectors`);
    } catch (e) {
      results.push({ place: file, name: "(unreadable file)", op: "", badFile: e.message });
      continue;
    }
    const vectors = Array.isArray(parsed) ? parsed : [parsed];
    vectors.forEach((vector, index) => {
      const place = `${file}#${index}`;
      const rel = vector && typeof vector === "object" ? vector.settings_file : undefined;
      let settingsText = null;
      if (typeof rel === "string") {
        try {
          settingsText = readFileSync(path.join(path.dirname(file), rel), "utf8");
        } catch (e) {
          // The native runner reports an unreadable settings file as this mismatch.
          results.push({
            place,
            name: typeof vector.name === "string" ? vector.name : "(unnamed vector)",
            op: typeof vector.op === "string" ? vector.op : "",
            actual: null,
            mismatches: [{ path: "vector.settings_file", expected: null, actual: `cannot read settings_file \`${rel}\`: ${e.message}` }],
            unreadable: true,
          });
          return;
        }
      }
      results.push({ place, ...runVector(texts[index], settingsText) });
    });
  }
  return results;
}

/** The native runner's outcomes, by place. */
function nativeOutcomes(dirs) {
  const bin = process.env.RECRULES_BIN ?? path.join(repo, "target/debug/recrules");
  assert.ok(existsSync(bin), `the native runner ${bin} is missing: run \`cargo build -p recrules\` or set RECRULES_BIN`);
  // stdout holds only the JSON array; the `FAIL <file>: ...` lines of files
  // that are not JSON, and the summary, are on stderr. It exits non-zero when
  // a vector fails; its JSON is still complete.
  const ran = spawnSync(bin, ["vectors", "--format", "json", ...dirs], { encoding: "utf8", maxBuffer: 256 << 20 });
  assert.ok(ran.status === 0 || ran.status === 1, `the native runner failed (${ran.status}): ${ran.stderr}`);
  const outcomes = new Map(JSON.parse(ran.stdout).map((r) => [r.place, r]));
  for (const line of ran.stderr.split("\n")) {
    const m = line.match(/^FAIL (.*?): (?:cannot read|invalid JSON)/);
    if (m) outcomes.set(m[1], { place: m[1], name: "(unreadable file)", op: "", badFile: line });
  }
  return outcomes;
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
