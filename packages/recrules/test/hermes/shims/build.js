// ./build.mjs for the Hermes bundles (test/hermes/bundle.mjs aliases it):
// the package is its JavaScript build (dist/js/, through the `react-native`
// condition, as the bundler resolves it) and the conformance runner comes
// from the JavaScript test build (dist/vectors-js/).
import assert from "node:assert/strict";

export { runVector } from "../../../dist/vectors-js/recrules.js";

export const build = "js";

/** Asserts that the tests run on Hermes, without WebAssembly. */
export function assertBuild() {
  assert.equal(typeof HermesInternal, "object", "not running on Hermes");
  assert.equal(typeof WebAssembly, "undefined", "Hermes has no WebAssembly");
}
