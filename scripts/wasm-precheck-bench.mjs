// `precheck` through the wasm package in Node, on the inputs of the native
// criterion bench (sdk/benches/precheck.rs): the Dual seed's entry 221, a
// lead with a phone, an OTP verified 3 minutes before `now`, and a history of
// N activities (codes 167, 154, 221, 222, 100, 101 in turn, one every 37
// minutes back from `now`). Settings and history are read once (`Rules`,
// `LeadHistory`), as the native bench builds them once.
//
// Usage: node scripts/wasm-precheck-bench.mjs [N...]   (default: 10 200 10000)
// The build measured: RECRULES_BUILD=node (default, dist/node/, WebAssembly)
// or js (dist/js/, the wasm2js build for engines without WebAssembly; run it
// in a Node without WebAssembly: `RECRULES_BUILD=js node --no-expose-wasm ...`).
// Prints one JSON line per N: { n, ns_per_decision (lazy: `Rules.precheckFor`,
// `now` as a number, `allowed` and the failures' rules and messages read, then
// `free()`), held_ns_per_decision (the same into one held decision,
// `Rules.precheckInto`: no new JS object per decision),
// held_ticking_ns_per_decision (the same, `now` a second later on each call),
// held_evaluated_ns_per_decision (the same, evaluated anew on each call: two
// histories of the same activities in turn), lazy_object_ns_per_decision
// (`Rules.precheck` with the input object and an ISO `now`),
// full_json_ns_per_decision (`toJSON()` of the decision),
// one_shot_ns_per_decision (`precheck` with plain objects),
// one_shot_columns_ns_per_decision (`precheck` with the settings text and the
// history as columns), columns_ns_per_history (`LeadHistory.fromColumns`,
// then `free()`) }.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const build = process.env.RECRULES_BUILD || "node";
if (build !== "node" && build !== "js") throw new Error(`RECRULES_BUILD must be \`node\` or \`js\`, not \`${build}\``);
const { LeadHistory, Rules, precheck } =
  build === "js"
    ? await import(pathToFileURL(path.join(repo, "packages/recrules/dist/js/recrules.js")).href)
    : createRequire(import.meta.url)(path.join(repo, "packages/recrules/dist/node/recrules.js"));

const settingsText = readFileSync(path.join(repo, "fixtures/settings/seed-dual.json"), "utf8");
const nowMs = Date.UTC(2026, 10, 20, 10, 0, 0);
const iso = (ms) => new Date(ms).toISOString().replace(".000Z", "Z");
const now = iso(nowMs);
const lead = { id: "L-1", fields: { Phone: "+919800000001" } };
const input = { activity_code: 221, user: "U-1", otp_verified_at: iso(nowMs - 3 * 60_000) };

function history(n) {
  const codes = [167, 154, 221, 222, 100, 101];
  return Array.from({ length: n }, (_, i) => ({
    id: `A-${i}`,
    event_code: codes[i % codes.length],
    created_on: iso(nowMs - 37 * i * 60_000),
    user: "U-1",
  }));
}

/** Median over `rounds` of the mean nanoseconds per call of `f` (given the call's index in its round), after a warm-up. */
function measure(f, targetMs = 300, rounds = 7) {
  let iters = 1;
  for (;;) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < iters; i++) f(i);
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (ms > targetMs / 4) {
      iters = Math.max(1, Math.round((iters * targetMs) / ms));
      break;
    }
    iters *= 2;
  }
  const means = [];
  for (let r = 0; r < rounds; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < iters; i++) f(i);
    means.push(Number(process.hrtime.bigint() - t) / iters);
  }
  means.sort((a, b) => a - b);
  return means[Math.floor(rounds / 2)];
}

const sizes = process.argv.slice(2).map(Number);
const rules = new Rules(settingsText);
const settings = rules.settings;
const otpMs = nowMs - 3 * 60_000;
let sink = 0;
/** What an app reads of a decision: whether it may record, and each failure's rule and message. */
function read(d) {
  if (!d.allowed) sink += d.failedRules.length + d.failureMessages.length;
  d.free();
}
for (const n of sizes.length ? sizes : [10, 200, 10_000]) {
  const h = history(n);
  const record = new LeadHistory(lead, h);
  const sample = rules.precheck(record, input, now).toJSON();
  if (!sample.provisional || sample.passed.length + sample.failures.length !== 3) throw new Error(`unexpected decision: ${JSON.stringify(sample)}`);
  const again = rules.precheckFor(record, 221, "U-1", nowMs, otpMs).toJSON();
  if (JSON.stringify(again) !== JSON.stringify(sample)) throw new Error("precheckFor differs from precheck");
  // Lazy: the input fields as arguments, `now` as a number, the decision read field by field.
  const lazy = measure(() => read(rules.precheckFor(record, 221, "U-1", nowMs, otpMs)));
  // The same into a decision held across calls: what an app deciding again and again does.
  const held = rules.precheckFor(record, 221, "U-1", nowMs, otpMs);
  rules.precheckInto(held, record, 221, "U-1", nowMs, otpMs);
  if (JSON.stringify(held.toJSON()) !== JSON.stringify(sample)) throw new Error("precheckInto differs from precheck");
  const heldNs = measure(() => {
    rules.precheckInto(held, record, 221, "U-1", nowMs, otpMs);
    if (!held.allowed) sink += held.failedRules.length + held.failureMessages.length;
  });
  const heldTicking = measure((i) => {
    rules.precheckInto(held, record, 221, "U-1", nowMs + i * 1000, otpMs);
    if (!held.allowed) sink += held.failedRules.length + held.failureMessages.length;
  });
  const twin = new LeadHistory(lead, h);
  const heldEvaluated = measure((i) => {
    rules.precheckInto(held, i % 2 ? twin : record, 221, "U-1", nowMs, otpMs);
    if (!held.allowed) sink += held.failedRules.length + held.failureMessages.length;
  });
  twin.free();
  held.free();
  // Lazy with the input object (JSON) and `now` as an ISO string.
  const lazyObject = measure(() => read(rules.precheck(record, input, now)));
  // Full JSON: the whole Decision as a JS object.
  const full = measure(() => {
    const d = rules.precheck(record, input, now);
    sink += d.toJSON().failures.length;
    d.free();
  });
  const oneShot = measure(() => precheck(settings, lead, h, input, now), 300, 3);
  // From the app's plain data as columns: codes and epoch milliseconds.
  const codes = new Uint32Array(h.map((a) => a.event_code));
  const times = new Float64Array(h.map((a) => Date.parse(a.created_on)));
  const columns = { eventCodes: codes, createdOn: times };
  const oneShotColumns = measure(() => precheck(settingsText, lead, columns, input, nowMs), 300, 3);
  const fromColumns = measure(() => LeadHistory.fromColumns(lead, codes, times).free(), 300, 3);
  record.free();
  console.log(JSON.stringify({
    n,
    ns_per_decision: Math.round(lazy),
    held_ns_per_decision: Math.round(heldNs),
    held_ticking_ns_per_decision: Math.round(heldTicking),
    held_evaluated_ns_per_decision: Math.round(heldEvaluated),
    lazy_object_ns_per_decision: Math.round(lazyObject),
    full_json_ns_per_decision: Math.round(full),
    one_shot_ns_per_decision: Math.round(oneShot),
    one_shot_columns_ns_per_decision: Math.round(oneShotColumns),
    columns_ns_per_history: Math.round(fromColumns),
  }));
}
if (sink < 0) console.log(sink);
