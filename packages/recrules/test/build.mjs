// Which build of the package the tests load, from RECRULES_BUILD:
//   node (the default): the WebAssembly builds, dist/node/ (through the
//     package's `node` export condition) and the test build dist/vectors/;
//   js: the pure-JavaScript builds made by wasm2js for engines without
//     WebAssembly (React Native's Hermes), dist/js/ (through the package's
//     `react-native` export condition, as Metro resolves it) and the test
//     build dist/vectors-js/. Run them in a Node without WebAssembly, so that
//     passing proves they need none (`npm run test:js`):
//       RECRULES_BUILD=js node --no-expose-wasm --conditions=react-native --test test/*.test.mjs
//     and once more without TextDecoder and TextEncoder, as on older Hermes
//     (`npm run test:js-no-text-codec`): RECRULES_NO_TEXT_CODEC=1 and
//     `--import ./test/no-text-codec.mjs`.
// Not a test file itself: `*.test.mjs` only are run.
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const build = process.env.RECRULES_BUILD || "node";
if (build !== "node" && build !== "js") {
  throw new Error(`RECRULES_BUILD must be \`node\` or \`js\`, not \`${build}\``);
}

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

// The conformance runner `runVector` is only in the test builds: the shipped
// package leaves it out.
export const { runVector } = await import(build === "js" ? "../dist/vectors-js/recrules.js" : "../dist/vectors/recrules.js");

/** Asserts that the process runs the build it was asked for, as it was asked to. */
export function assertBuild() {
  const loaded = fileURLToPath(import.meta.resolve("@recrules/rules"));
  if (build === "js") {
    assert.equal(typeof WebAssembly, "undefined", "the JavaScript build's tests must run without WebAssembly: `node --no-expose-wasm`");
    assert.equal(loaded, path.join(pkg, "dist/js/recrules.js"), "`@recrules/rules` must resolve to dist/js/ under the `react-native` condition: `node --conditions=react-native`");
    if (process.env.RECRULES_NO_TEXT_CODEC === "1") {
      // As on Hermes before React Native 0.74 (0.85 for TextDecoder): the build's own UTF-8.
      assert.equal(typeof TextDecoder, "undefined", "RECRULES_NO_TEXT_CODEC=1 needs `node --import ./test/no-text-codec.mjs`");
      assert.equal(typeof TextEncoder, "undefined");
    }
  } else {
    assert.equal(typeof WebAssembly, "object");
    assert.equal(loaded, path.join(pkg, "dist/node/recrules.js"));
  }
}
