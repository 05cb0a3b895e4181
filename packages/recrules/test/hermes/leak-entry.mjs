// On Hermes 0.12 (no FinalizationRegistry: nothing is freed unless the app
// frees it): 100,000 decisions on a 200-activity history through the API
// shapes an app is told to use, then the memory they left. Prints one JSON
// line, which hermes.test.mjs checks:
//   - `decide` (a plain Verdict, nothing to free) and `precheckInto` one held
//     PrecheckDecision, alternately, with `now` moving on each time;
//   - every 100th decision, the example's scoped pattern: a LeadHistory made
//     from columns for one decision and freed in `finally`;
//   - then, as a control that the meter sees a leak, 2,000 `precheckFor`
//     decisions that are never freed.
// Memory: the wasm2js memory's size (what the rules allocate) and the live
// JS heap after a full collection (HermesInternal's statistics).
import { LeadHistory, PrecheckDecision, Rules } from "@recrules/rules";
import { memory } from "../../dist/js/recrules_bg.wasm.js";
import { seedDual } from "../fixtures.mjs";

const decisions = 100000;
const nowMs = Date.UTC(2026, 10, 20, 10, 0, 0);
const otpMs = nowMs - 3 * 60000;
const lead = { id: "L-1", fields: { Phone: "+919800000001" } };
const codes = new Uint32Array(200);
const times = new Float64Array(200);
const kinds = [167, 154, 221, 222, 100, 101];
for (let i = 0; i < 200; i++) {
  codes[i] = kinds[i % kinds.length];
  times[i] = nowMs - 37 * i * 60000;
}

function usage() {
  gc();
  return { wasm: memory.buffer.byteLength, heap: HermesInternal.getInstrumentedStats().js_allocatedBytes };
}

const rules = new Rules(seedDual);
const record = LeadHistory.fromColumns(lead, codes, times);
const held = new PrecheckDecision();
let sink = 0;
function decideOnce(i) {
  const now = nowMs + i * 1000;
  if (i % 100 === 99) {
    const scoped = LeadHistory.fromColumns(lead, codes, times);
    try {
      sink += rules.decide(scoped, 221, "U-1", now, otpMs).failureMessages.length;
    } finally {
      scoped.free();
    }
  } else if (i % 2 === 0) {
    const verdict = rules.decide(record, 221, "U-1", now, otpMs);
    sink += verdict.allowed ? 1 : verdict.failedRules.length;
  } else {
    rules.precheckInto(held, record, 221, "U-1", now, otpMs);
    sink += held.allowed ? 1 : held.failedRules.length;
  }
}

// Warm-up: the allocator's free lists and the glue's caches fill once.
for (let i = 0; i < 2000; i++) decideOnce(i);
const before = usage();
const started = Date.now();
for (let i = 0; i < decisions; i++) decideOnce(i);
const ms = Date.now() - started;
const after = usage();
for (let i = 0; i < 2000; i++) {
  // Not freed: what the control measures.
  sink += rules.precheckFor(record, 221, "U-1", nowMs + i, otpMs).failureCount;
}
const leaked = usage();
print(JSON.stringify({
  finalizationRegistry: typeof FinalizationRegistry,
  decisions,
  ms,
  before,
  after,
  leaked,
  sink,
}));
