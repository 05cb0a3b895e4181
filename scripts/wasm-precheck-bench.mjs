// `precheck` through the wasm package in Node, on the inputs of the native
// criterion bench (sdk/benches/precheck.rs): the Dual seed's entry 221, a
// lead with a phone, an OTP verified 3 minutes before `now`, and a history of
// N activities (codes 167, 154, 221, 222, 100, 101 in turn, one every 37
// minutes back from `now`). Settings and history are read once (`Rules`,
// `LeadHistory`), as the native bench builds them once.
//
// Usage: node scripts/wasm-precheck-bench.mjs [N...]   (default: 10 200 10000)
// Prints one JSON line per N: { n, ns_per_decision, one_shot_ns_per_decision }.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const { LeadHistory, Rules, precheck } = require(path.join(repo, "packages/recrules/dist/node/recrules.js"));

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

/** Median over `rounds` of the mean nanoseconds per call of `f`, after a warm-up. */
function measure(f, targetMs = 300, rounds = 7) {
  let iters = 1;
  for (;;) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < iters; i++) f();
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
    for (let i = 0; i < iters; i++) f();
    means.push(Number(process.hrtime.bigint() - t) / iters);
  }
  means.sort((a, b) => a - b);
  return means[Math.floor(rounds / 2)];
}

const sizes = process.argv.slice(2).map(Number);
const rules = new Rules(settingsText);
const settings = rules.settings;
for (const n of sizes.length ? sizes : [10, 200, 10_000]) {
  const h = history(n);
  const record = new LeadHistory(lead, h);
  const sample = rules.precheck(record, input, now);
  if (!sample.provisional || sample.passed.length + sample.failures.length !== 3) throw new Error(`unexpected decision: ${JSON.stringify(sample)}`);
  const nsPerDecision = measure(() => rules.precheck(record, input, now));
  const oneShot = measure(() => precheck(settings, lead, h, input, now), 300, 3);
  record.free();
  console.log(JSON.stringify({ n, ns_per_decision: Math.round(nsPerDecision), one_shot_ns_per_decision: Math.round(oneShot) }));
}
