// On Hermes: what a decision costs at N activities (`virtual:bench`: the
// sizes), on the inputs of sdk/benches/precheck.rs and
// scripts/wasm-precheck-bench.mjs (the Dual seed's entry 221, an OTP verified
// 3 minutes before, codes 167, 154, 221, 222, 100, 101 in turn, one every 37
// minutes back). Run by scripts/wasm-hermes-bench.mjs, which prints the JSON
// lines; not a test (no timing is asserted anywhere).
import { LeadHistory, PrecheckDecision, Rules, precheck } from "@recrules/rules";
import sizes from "virtual:bench";
import { seedDual } from "../fixtures.mjs";

const nowMs = Date.UTC(2026, 10, 20, 10, 0, 0);
const otpMs = nowMs - 3 * 60000;
const iso = (ms) => new Date(ms).toISOString().replace(".000Z", "Z");
const lead = { id: "L-1", fields: { Phone: "+919800000001" } };
const input = { activity_code: 221, user: "U-1", otp_verified_at: iso(otpMs) };
const kinds = [167, 154, 221, 222, 100, 101];

/** Median over 5 rounds of the mean nanoseconds per call of `f` (Date.now() only: rounds of about 200 ms). */
function measure(f, targetMs) {
  const target = targetMs || 200;
  let iters = 1;
  for (;;) {
    const t = Date.now();
    for (let i = 0; i < iters; i++) f(i);
    const ms = Date.now() - t;
    if (ms >= target / 4) {
      iters = Math.max(1, Math.round((iters * target) / Math.max(ms, 1)));
      break;
    }
    iters *= 2;
  }
  const means = [];
  for (let r = 0; r < 5; r++) {
    const t = Date.now();
    for (let i = 0; i < iters; i++) f(i);
    means.push(((Date.now() - t) * 1e6) / iters);
  }
  means.sort((a, b) => a - b);
  return Math.round(means[2]);
}

let sink = 0;
const rules = new Rules(seedDual);
for (const n of sizes) {
  const codes = new Uint32Array(n);
  const times = new Float64Array(n);
  const activities = [];
  for (let i = 0; i < n; i++) {
    codes[i] = kinds[i % kinds.length];
    times[i] = nowMs - 37 * i * 60000;
    activities.push({ id: "A-" + i, event_code: codes[i], created_on: iso(times[i]), user: "U-1" });
  }
  const record = LeadHistory.fromColumns(lead, codes, times);
  const held = new PrecheckDecision();
  rules.precheckInto(held, record, 221, "U-1", nowMs, otpMs);
  const expected = JSON.stringify(rules.precheck(new LeadHistory(lead, activities), input, nowMs).toJSON());
  if (JSON.stringify(held.toJSON()) !== expected) throw new Error("fromColumns decides otherwise than new LeadHistory");
  const row = { n };
  row.columns_ns = measure(() => LeadHistory.fromColumns(lead, codes, times).free());
  row.objects_ns = measure(() => new LeadHistory(lead, activities).free(), 400);
  row.held_ns = measure(() => {
    rules.precheckInto(held, record, 221, "U-1", nowMs, otpMs);
    if (!held.allowed) sink += held.failedRules.length + held.failureMessages.length;
  });
  // The clock moving on a second each call, as an app deciding each second.
  row.held_ticking_ns = measure((i) => {
    rules.precheckInto(held, record, 221, "U-1", nowMs + i * 1000, otpMs);
    if (!held.allowed) sink += held.failedRules.length + held.failureMessages.length;
  });
  // Evaluated anew on each call (two histories of the same activities in
  // turn), as after each new activity: the figures made again, the lists kept.
  const twin = LeadHistory.fromColumns(lead, codes, times);
  row.held_evaluated_ns = measure((i) => {
    rules.precheckInto(held, i % 2 ? twin : record, 221, "U-1", nowMs, otpMs);
    if (!held.allowed) sink += held.failedRules.length + held.failureMessages.length;
  });
  twin.free();
  row.decide_ns = measure(() => {
    const v = rules.decide(record, 221, "U-1", nowMs, otpMs);
    if (!v.allowed) sink += v.failedRules.length + v.failureMessages.length;
  });
  row.lazy_ns = measure(() => {
    const d = rules.precheckFor(record, 221, "U-1", nowMs, otpMs);
    if (!d.allowed) sink += d.failedRules.length + d.failureMessages.length;
    d.free();
  });
  // One-shot from the app's plain data: the settings text (read once, then
  // recognised), the lead, the history as columns; a plain Decision back.
  const columns = { eventCodes: codes, createdOn: times };
  row.one_shot_columns_ns = measure(() => {
    sink += precheck(seedDual, lead, columns, input, nowMs).failures.length;
  }, 400);
  row.one_shot_ns = measure(() => {
    sink += precheck(seedDual, lead, activities, input, nowMs).failures.length;
  }, 400);
  held.free();
  record.free();
  print(JSON.stringify(row));
}
if (sink < 0) print(sink);
