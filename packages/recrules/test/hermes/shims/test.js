// `node:test` for the Hermes bundles (test/hermes/bundle.mjs aliases it):
// `test(name, fn)` records a test; `run()` (called at the end of the bundle)
// runs them in order and prints one JSON line per test,
// `{"test": name, "ok": true}` or `{"test": name, "ok": false, "error": ...}`,
// which hermes.test.mjs reads back into Node's own test runner.
var tests = [];

export function test(name, fn) {
  tests.push({ name: name, fn: fn });
}

/** Runs the recorded tests (the bundle's last line calls it). */
export function run() {
  for (var i = 0; i < tests.length; i++) {
    var t = tests[i];
    var line;
    try {
      t.fn();
      line = { test: t.name, ok: true };
    } catch (e) {
      line = { test: t.name, ok: false, error: String((e && e.stack) || e) };
    }
    print(JSON.stringify(line));
  }
}

globalThis.__recrulesRunTests = run;
