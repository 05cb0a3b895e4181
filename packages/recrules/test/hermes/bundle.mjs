// Bundles a module and everything it imports into one classic script for
// React Native's Hermes, as a React Native app's bundler does: every file goes
// through Babel with `@react-native/babel-preset` (the preset Metro applies: ES
// modules to CommonJS, classes, optional chaining and the rest lowered for
// older Hermes), and the modules are wrapped in a Metro-like module table
// (`__d` defines, `__r` requires). The package itself resolves as Metro
// resolves it, through the `react-native` export condition of its
// package.json (dist/js/, the wasm2js build).
//
// Not a test file itself (`*.test.mjs` only are run): hermes.test.mjs and
// scripts/wasm-hermes-bench.mjs use it.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const pkg = path.resolve(here, "../..");
const require = createRequire(path.join(pkg, "package.json"));
const babel = require("@babel/core");
const preset = require.resolve("@react-native/babel-preset");

/** Where the package's name resolves for React Native: its `react-native` export condition. */
function packageEntry() {
  const manifest = JSON.parse(readFileSync(path.join(pkg, "package.json"), "utf8"));
  return path.join(pkg, manifest.exports["."]["react-native"].default);
}

/** Babel with the React Native preset, as Metro runs it on each file (release build). */
function transform(code, filename) {
  return babel.transformSync(code, {
    babelrc: false,
    configFile: false,
    filename,
    sourceType: "unambiguous",
    compact: true,
    comments: false,
    presets: [[preset, { dev: false }]],
  }).code;
}

/**
 * One script holding `entry` and every module it imports, which runs `entry`.
 * `aliases`: module specifier (as written, e.g. `node:test`, `./build.mjs`) ->
 * file to use instead. `virtual`: specifier -> the source of a module made
 * here (e.g. JSON data the script cannot read from disk: Hermes has no file
 * system).
 */
export function bundle({ entry, aliases = {}, virtual = {}, epilogue = "" }) {
  const ids = new Map();
  const parts = [];
  const cache = new Map();
  const add = (key, source, filename) => {
    if (ids.has(key)) return ids.get(key);
    const id = ids.size;
    ids.set(key, id);
    const code = cache.get(key) ?? transform(source, filename);
    const rewritten = code.replace(/\brequire\((["'])([^"']+)\1\)/g, (_, q, spec) => `require(${resolve(spec, filename)})`);
    parts.push(`__d(${id},function(require,module,exports){${rewritten}\n});`);
    return id;
  };
  const resolve = (spec, from) => {
    if (Object.hasOwn(virtual, spec)) return add(`virtual:${spec}`, virtual[spec], path.join(pkg, `virtual-${ids.size}.js`));
    let file;
    if (Object.hasOwn(aliases, spec)) file = aliases[spec];
    else if (spec === "@recrules/rules") file = packageEntry();
    else if (spec.startsWith(".")) file = path.resolve(path.dirname(from), spec);
    else file = createRequire(from).resolve(spec);
    return add(file, readFileSync(file, "utf8"), file);
  };
  const main = resolve(path.resolve(entry), path.join(pkg, "entry.js"));
  return [
    "var __m={};",
    "function __d(id,f){__m[id]={f:f,e:null};}",
    "function __r(id){var m=__m[id];if(m.e===null){var module={exports:{}};m.e=module;m.f(__r,module,module.exports);}return m.e.exports;}",
    ...parts,
    `__r(${main});`,
    epilogue,
  ].join("\n");
}
