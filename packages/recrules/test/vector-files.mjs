// The conformance vectors as files: where they are, each vector's source
// text, and the native runner's outcomes, for the runners of the package's
// builds (vectors.test.mjs in Node, hermes/hermes.test.mjs on Hermes).
// Not a test file itself: `*.test.mjs` only are run.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, "../../..");

/** The vector folders (or files), as absolute paths, so both runners name places alike. */
export function vectorDirs() {
  const extra = (process.env.VECTOR_DIRS ?? "").split(path.delimiter).filter(Boolean);
  const args = process.argv.slice(2).filter((a) => !a.startsWith("-"));
  return [path.join(repo, "fixtures/vectors"), ...extra, ...args].map((d) => path.resolve(d));
}

/** Every `.json` file under `dir`, in the native runner's order (walkdir sorted by file name). */
export function jsonFiles(dir) {
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
export function itemTexts(text) {
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

/**
 * Every vector of the folders, to run: `{ place, text, settingsText }` (its
 * source text and its settings file's), or, for a file or settings file that
 * cannot be read, the outcome to expect (`badFile`, or `unreadable` with the
 * native runner's mismatch).
 */
export function collectVectors(dirs) {
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
      results.push({ place, text: texts[index], settingsText });
    });
  }
  return results;
}

/** The native runner's outcomes, by place. */
export function nativeOutcomes(dirs) {
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

