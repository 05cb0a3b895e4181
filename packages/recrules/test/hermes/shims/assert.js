// The part of `node:assert/strict` the package's tests use, for the Hermes
// bundles (test/hermes/bundle.mjs aliases it): strict equality
// (`Object.is`), strict deep equality of JSON-like values (own enumerable
// keys, arrays, prototypes), `throws` with a RegExp (tested against
// `String(error)`, as Node does), a validation function, or an object of
// expected properties, and `match`.
function fail(message, actual, expected) {
  var e = new Error(message + "\n  actual: " + show(actual) + "\n  expected: " + show(expected));
  e.name = "AssertionError";
  throw e;
}

function show(v) {
  try {
    return typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) + "";
  } catch (e) {
    return String(v);
  }
}

function deepEqualValues(a, b) {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (Array.isArray(a)) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (!deepEqualValues(a[i], b[i])) return false;
    return true;
  }
  var ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (var j = 0; j < ka.length; j++) {
    if (!Object.prototype.hasOwnProperty.call(b, ka[j])) return false;
    if (!deepEqualValues(a[ka[j]], b[ka[j]])) return false;
  }
  return true;
}

export function ok(value, message) {
  if (!value) fail(message || "expected a truthy value", value, true);
}

export function equal(actual, expected, message) {
  if (!Object.is(actual, expected)) fail(message || "values are not strictly equal", actual, expected);
}

export function notEqual(actual, expected, message) {
  if (Object.is(actual, expected)) fail(message || "values are strictly equal", actual, expected);
}

export function deepEqual(actual, expected, message) {
  if (!deepEqualValues(actual, expected)) fail(message || "values are not deeply and strictly equal", actual, expected);
}

export function match(actual, re, message) {
  if (typeof actual !== "string" || !re.test(actual)) fail(message || "the string does not match " + re, actual, String(re));
}

export function throws(fn, expected, message) {
  var thrown = false, error;
  try {
    fn();
  } catch (e) {
    thrown = true;
    error = e;
  }
  if (!thrown) fail(message || "the function did not throw", undefined, expected);
  if (expected === undefined) return;
  if (expected instanceof RegExp) {
    if (!expected.test(String(error))) fail(message || "the error does not match " + expected, String(error), String(expected));
  } else if (typeof expected === "function" && expected.prototype !== undefined && error instanceof expected) {
    return;
  } else if (typeof expected === "function") {
    if (expected(error) !== true) fail(message || "the validation function did not return true", String(error), "true");
  } else {
    for (var key in expected) {
      var want = expected[key], got = error[key];
      if (want instanceof RegExp && typeof got === "string") {
        if (!want.test(got)) fail(message || "the error's `" + key + "` does not match", got, String(want));
      } else if (!deepEqualValues(got, want)) {
        fail(message || "the error's `" + key + "` differs", got, want);
      }
    }
  }
}

export default { ok: ok, equal: equal, notEqual: notEqual, deepEqual: deepEqual, match: match, throws: throws };
