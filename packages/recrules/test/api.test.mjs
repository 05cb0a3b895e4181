// The package's API beyond the vectors: the session persisted as JSON and
// resumed, the precheck's provisional flag, the OTP countdown, and thrown
// errors on bad input.
//
// The same file runs on React Native's Hermes too (test/hermes/): there
// `node:test`, `node:assert/strict`, ./build.mjs and ./fixtures.mjs are
// replaced by small stand-ins (test/hermes/shims/), so it reads no file itself.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  checkSettings,
  LeadHistory,
  otpResendCountdown,
  planEnd,
  precheck,
  PrecheckDecision,
  RecordingSession,
  Rules,
} from "@recrules/rules";
// The test build of the same build (dist/vectors/ or dist/vectors-js/, see
// build.mjs): the shipped package has no `runVector`.
import { assertBuild, build, runVector } from "./build.mjs";
import { seedDual } from "./fixtures.mjs";

const lead = { id: "L-1", fields: { Phone: "+919800000001" } };

test(`the package is its ${build} build${build === "js" ? ", in a Node without WebAssembly" : ""}`, () => {
  assertBuild();
});

test("a session persisted as JSON resumes where it was", () => {
  const session = new RecordingSession("ios", "L-1", 221, "T-9");
  assert.deepEqual(session.apply({ type: "start", at: "2026-11-20T10:00:00Z", id: "rec-1" }), []);
  assert.deepEqual(session.apply({ type: "stop", at: "2026-11-20T10:01:30Z", size_bytes: 1000 }), [{ type: "kept", id: "rec-1" }]);
  session.apply({ type: "start", at: new Date("2026-11-20T10:02:00Z"), id: "rec-2" });
  assert.equal(session.status(), "recording");

  // The app is killed: it saved the JSON text, and resumes from it.
  const saved = JSON.stringify(session);
  assert.deepEqual(JSON.parse(saved), session.state());
  const resumed = RecordingSession.resume(saved);
  assert.deepEqual(resumed.state(), session.state());
  assert.equal(resumed.status(), "recording");
  assert.deepEqual(RecordingSession.resume(session.state()).state(), session.state());

  // iOS keeps what was recorded when the app is killed.
  assert.deepEqual(resumed.apply({ type: "app_killed", at: "2026-11-20T10:03:00Z" }), [{ type: "kept", id: "rec-2" }]);
  const pending = resumed.pending();
  assert.deepEqual(pending.map((p) => [p.id, p.reason, p.duration_minutes, p.task_id]), [
    ["rec-1", "form_not_submitted", "1.50", "T-9"],
    ["rec-2", "form_not_submitted", "1.00", "T-9"],
  ]);
  assert.equal(resumed.taskOpen(), true);
  // The original is untouched by what the resumed copy did.
  assert.equal(session.status(), "recording");
});

test("strings beyond ASCII cross unchanged, both ways", () => {
  // UTF-8 both ways (the JavaScript build's own where the engine has none).
  const leadId = "L-é-₹-हिन्दी-𝄞";
  const session = new RecordingSession("android", leadId, 221, "T-☃");
  assert.throws(() => session.apply({ type: "start", at: "2026-11-20T10:00:00Z", id: "rec-ü-🎙" }),
    { message: "RecordingSession.apply: recording id `rec-ü-🎙` must be 1 to 128 letters, digits, `-`, `_` or `.`" });
  session.apply({ type: "start", at: "2026-11-20T10:00:00Z", id: "rec-1" });
  const state = session.state();
  assert.equal(state.lead_id, leadId);
  assert.equal(state.task_id, "T-☃");
  assert.deepEqual(RecordingSession.resume(JSON.stringify(session)).state(), state);
  assert.throws(() => new RecordingSession("ios", "L", "₹"), /^Error: new RecordingSession: argument `activityCode` is not valid: invalid type: string "₹"/);
});

test("a refused session event throws with its code and leaves the session as it was", () => {
  const session = new RecordingSession("android", "L-1", 221);
  const before = session.state();
  assert.throws(() => session.apply({ type: "pause", at: "2026-11-20T10:00:00Z" }), (e) => {
    assert.ok(e instanceof Error);
    assert.equal(e.code, "not_now");
    assert.equal(e.detail.error, "not_now");
    assert.match(e.message, /`pause` is not possible while idle/);
    return true;
  });
  assert.deepEqual(session.state(), before);
});

test("the device's precheck is provisional", () => {
  const history = [{ id: "A-1", event_code: 154, created_on: "2026-11-20T09:00:00Z", user: "U-1" }];
  const input = { activity_code: 221, user: "U-1", otp_verified_at: "2026-11-20T09:58:00Z" };
  const decision = precheck(seedDual, lead, history, input, "2026-11-20T10:00:00Z");
  assert.equal(decision.provisional, true);
  const rules = new Rules(checkSettings(seedDual).settings);
  const record = new LeadHistory(lead, history);
  const again = rules.precheck(record, input, new Date("2026-11-20T10:00:00Z"));
  assert.deepEqual(again.toJSON(), decision);
  assert.deepEqual(JSON.parse(JSON.stringify(again)), decision);
  assert.equal(again.allowed, decision.allowed);
  assert.equal(again.provisional, true);
  assert.equal(again.failureCount, decision.failures.length);
  assert.deepEqual(again.failedRules, decision.failures.map((f) => f.rule));
  assert.deepEqual(again.failureMessages, decision.failures.map((f) => f.message));
  assert.deepEqual(again.failures, decision.failures);
  assert.equal(again.message, decision.message);
  assert.deepEqual(again.otpPhones, decision.otp_phones);
  // `now` as milliseconds, and the input's fields as arguments.
  const nowMs = Date.parse("2026-11-20T10:00:00Z");
  assert.deepEqual(rules.precheck(record, input, nowMs).toJSON(), decision);
  const byFields = rules.precheckFor(record, 221, "U-1", nowMs, Date.parse(input.otp_verified_at));
  assert.deepEqual(byFields.toJSON(), decision);
  byFields.free();
  // Without the OTP, the same as the input without `otp_verified_at`.
  const noOtp = precheck(seedDual, lead, history, { activity_code: 221, user: "U-1" }, "2026-11-20T10:00:00Z");
  assert.deepEqual(rules.precheckFor(record, 221, "U-1", "2026-11-20T10:00:00Z").toJSON(), noOtp);
  assert.throws(() => rules.precheckFor(record, 221, "U-1", 1.5), /^Error: Rules\.precheckFor: argument `now` must be whole milliseconds/);
  assert.throws(() => rules.precheck(record, input, "noon"), /^Error: Rules\.precheck: argument `now` is not valid: /);
  // Into a decision already held: replaced by the new one; left as it was on an error.
  const held = rules.precheckFor(record, 221, "U-1", "2026-11-20T10:00:00Z");
  rules.precheckInto(held, record, 221, "U-1", nowMs, Date.parse(input.otp_verified_at));
  assert.deepEqual(held.toJSON(), decision);
  assert.deepEqual(held.failedRules, decision.failures.map((f) => f.rule));
  assert.throws(() => rules.precheckInto(held, record, 221, "U-1", 1.5), /^Error: Rules\.precheckInto: argument `now` must be whole milliseconds/);
  assert.deepEqual(held.toJSON(), decision);
  rules.precheckInto(held, record, 221, "U-1", "2026-11-20T10:00:00Z");
  assert.deepEqual(held.toJSON(), noOtp);
  assert.deepEqual(held.failedRules, noOtp.failures.map((f) => f.rule));
  assert.deepEqual(held.failureMessages, noOtp.failures.map((f) => f.message));
  held.free();
});

test("planEnd answers the stable JSON form", () => {
  const answer = planEnd(seedDual, lead, [], { activity_code: 222, user: "U-1", recordings: [] }, "2026-11-20T10:00:00Z");
  assert.equal(answer.ok, false);
  assert.equal(answer.error, "missing_start");
  assert.equal(typeof answer.message, "string");
});

test("the OTP countdown runs from the server's last answer", () => {
  const answer = {
    outcome: "sent",
    remaining_retry_count: 2,
    retry_after_s: 30,
    expires_in_s: 600,
    attempts_left: 5,
    phone_masked: "+91******0001",
    display_message: "m",
  };
  const received = "2026-11-20T10:00:00Z";
  assert.equal(otpResendCountdown(answer, received, "2026-11-20T10:00:29Z"), 1);
  assert.equal(otpResendCountdown(answer, received, new Date("2026-11-20T10:05:00Z")), 0);
  assert.equal(otpResendCountdown({ ...answer, retry_after_s: null }, received, received), undefined);
});

test("bad input throws an Error naming the function, the argument and what is wrong", () => {
  const cases = [
    [() => checkSettings(42), /^checkSettings: argument `text` must be a string, got number$/],
    [() => precheck(seedDual, lead, [{ id: "A", event_code: 1, created_on: "yesterday" }], { activity_code: 221, user: "U" }, "2026-11-20T10:00:00Z"),
      /^precheck: argument `history` is not valid at `\[0\]`: input contains invalid characters/],
    [() => precheck(seedDual, lead, [], { activity_code: "221", user: "U" }, "2026-11-20T10:00:00Z"),
      /^precheck: argument `input` is not valid: invalid type: string "221", expected u32$/],
    [() => precheck(seedDual, lead, [], { activity_code: 221, user: "U" }), /^precheck: argument `now` is missing$/],
    [() => precheck("{}", lead, [], { activity_code: 221, user: "U" }, "2026-11-20T10:00:00Z"),
      /^precheck: argument `settings` holds invalid settings: error at RecordingEnabled \(line 1, column 1\): missing required key `RecordingEnabled`/],
    [() => new Rules("{ not json"), /^new Rules: argument `settings` holds invalid settings: error at \(root\) \(line 1, column 3\): invalid JSON/],
    [() => new LeadHistory({ id: "L", extra: 1 }, []), /^new LeadHistory: argument `lead` is not valid: unknown field `extra`/],
    [() => new RecordingSession("windows", "L", 221), /^new RecordingSession: argument `platform` is not valid: unknown variant `windows`/],
    [() => new RecordingSession("ios", "L", -1), /^new RecordingSession: argument `activityCode` is not valid: invalid value: integer `-1`, expected u32$/],
    [() => new RecordingSession("ios", "L", 221).apply({ type: "jump", at: "2026-11-20T10:00:00Z" }),
      /^RecordingSession\.apply: argument `event` is not valid: unknown variant `jump`/],
    [() => RecordingSession.resume("{\"platform\": \"ios\""), /^RecordingSession\.resume: argument `state` is not valid: EOF while parsing an object at line 1 column 18$/],
    [() => runVector("[", null), /^runVector: argument `vector` is not valid: EOF while parsing a list/],
    [() => runVector({}, 7), /^runVector: argument `settingsText` must be a string, got number$/],
    [() => otpResendCountdown({ outcome: "sent" }, "2026-11-20T10:00:00Z", "2026-11-20T10:00:00Z"),
      /^otpResendCountdown: argument `answer` is not valid: missing field `phone_masked`$/],
    [() => { const cyclic = { id: "L" }; cyclic.self = cyclic; precheck(seedDual, cyclic, [], {}, "2026-11-20T10:00:00Z"); },
      /^precheck: argument `lead` cannot be turned into JSON: /],
  ];
  for (const [call, message] of cases) {
    assert.throws(call, (e) => {
      assert.ok(e instanceof Error, `not an Error: ${e}`);
      assert.match(e.message, message);
      return true;
    });
  }
});

test("a Rules method takes a LeadHistory, not a plain object", () => {
  const rules = new Rules(seedDual);
  assert.throws(() => rules.precheck(lead, { activity_code: 221, user: "U" }, "2026-11-20T10:00:00Z"), Error);
});

test("a history from columns, appended to, decides as the same activities as objects", () => {
  const rules = new Rules(seedDual);
  const nowMs = Date.parse("2026-11-20T10:00:00Z");
  const otpMs = nowMs - 3 * 60000;
  const activities = [];
  const kinds = [167, 154, 221, 222, 100, 101, 167, 167, 167];
  for (let i = 0; i < 40; i++) {
    const at = new Date(nowMs - 53 * i * 60000).toISOString();
    activities.push({ id: `A-${i}`, event_code: kinds[i % kinds.length], created_on: at, user: i % 2 ? "U-1" : "U-2" });
  }
  const objects = new LeadHistory(lead, activities);
  const codes = new Uint32Array(activities.map((a) => a.event_code));
  const times = new Float64Array(activities.map((a) => Date.parse(a.created_on)));
  const columns = LeadHistory.fromColumns(lead, codes, times, activities.map((a) => a.id), activities.map((a) => a.user));
  assert.equal(columns.length, 40);
  for (const at of [nowMs, nowMs + 86400000, nowMs + 2 * 86400000 + 1000]) {
    const expected = rules.precheckFor(objects, 221, "U-1", at, otpMs).toJSON();
    assert.deepEqual(rules.precheckFor(columns, 221, "U-1", at, otpMs).toJSON(), expected);
    // The one-shot with columns, and the plain verdict.
    const input = { activity_code: 221, user: "U-1", otp_verified_at: new Date(otpMs).toISOString() };
    assert.deepEqual(precheck(seedDual, lead, { eventCodes: codes, createdOn: times }, input, at), expected);
    const verdict = rules.decide(columns, 221, "U-1", at, otpMs);
    assert.deepEqual(verdict, {
      allowed: expected.allowed,
      failedRules: expected.failures.map((f) => f.rule),
      failureMessages: expected.failures.map((f) => f.message),
      ...(expected.message === undefined ? {} : { message: expected.message }),
      ...(expected.otp_phones === undefined ? {} : { otpPhones: expected.otp_phones }),
    });
  }
  // planEnd reads the ids and users.
  const end = { activity_code: 222, user: "U-1", recordings: [] };
  assert.deepEqual(rules.planEnd(columns, end, nowMs), rules.planEnd(objects, end, nowMs));
  // Appended, in any order: the same as built with them.
  const more = [{ id: "N-1", event_code: 167, created_on: "2026-11-20T09:59:00Z", user: "U-1" }, { id: "N-2", event_code: 154, created_on: "2026-11-01T00:00:00Z" }];
  for (const a of more) columns.append(a.event_code, a.created_on, a.id, a.user ?? null);
  const all = new LeadHistory(lead, [...activities, ...more]);
  assert.equal(columns.length, 42);
  assert.deepEqual(rules.precheckFor(columns, 221, "U-1", nowMs, otpMs).toJSON(), rules.precheckFor(all, 221, "U-1", nowMs, otpMs).toJSON());
  assert.throws(() => LeadHistory.fromColumns(lead, [1, 2], [nowMs]), /^Error: LeadHistory\.fromColumns: argument `createdOn` has 1 items, `eventCodes` 2/);
  assert.throws(() => LeadHistory.fromColumns(lead, [1], [0.5]), /^Error: LeadHistory\.fromColumns: argument `createdOn` is not valid at `\[0\]`: must be whole milliseconds/);
  assert.throws(() => LeadHistory.fromColumns(lead, [1], [0], [7]), /^Error: LeadHistory\.fromColumns: argument `ids` is not valid at `\[0\]`: must be a string/);
  assert.throws(() => precheck(seedDual, lead, { eventCodes: [1], createdOn: [] }, { activity_code: 221, user: "U" }, nowMs),
    /^Error: precheck: argument `history\.createdOn` has 0 items/);
  objects.free();
  columns.free();
  all.free();
  rules.free();
});

test("a held decision is made again when the history, the rules or the moment change what it says", () => {
  const rules = new Rules(seedDual);
  const now = Date.parse("2026-11-20T10:00:00Z");
  const otp = now - 3 * 60000;
  const minute = 60000;
  // Entry 221: fewer than 5 of code 167 in 2 days, one 154 in the last day,
  // an OTP that serves 15 minutes. Four 167, the oldest leaving the window
  // 10 minutes from now, and a 154.
  const twoDays = 2 * 24 * 60 * minute;
  const record = LeadHistory.fromColumns(
    lead,
    new Uint32Array([167, 167, 167, 167, 154]),
    new Float64Array([now - twoDays + 10 * minute, now - 5 * minute, now - 4 * minute, now - 3 * minute, now - 2 * minute]),
  );
  const held = new PrecheckDecision();
  // Each time, the held decision is the one made afresh.
  const decideAt = (rulesNow, history, at) => {
    rulesNow.precheckInto(held, history, 221, "U-1", at, otp);
    const fresh = rulesNow.precheckFor(history, 221, "U-1", at, otp);
    assert.deepEqual(held.toJSON(), fresh.toJSON());
    assert.deepEqual(held.failedRules, fresh.failedRules);
    fresh.free();
    return held.allowed;
  };
  assert.equal(decideAt(rules, record, now), true);
  // A fifth 167 appended: the same history object, another history.
  record.append(167, now - minute);
  assert.equal(decideAt(rules, record, now), false);
  assert.deepEqual(held.failedRules, ["ActivityCreationLimitValidation"]);
  // The clock moving on: still five until the oldest leaves, then four.
  assert.equal(decideAt(rules, record, now + 5 * minute), false);
  assert.equal(decideAt(rules, record, now + 10 * minute), false);
  assert.equal(decideAt(rules, record, now + 10 * minute + 1000), true);
  // ... and back.
  assert.equal(decideAt(rules, record, now), false);
  // The OTP no longer serving, 15 minutes after it was verified.
  assert.equal(decideAt(rules, record, otp + 15 * minute), true);
  assert.equal(decideAt(rules, record, otp + 15 * minute + 1), false);
  assert.deepEqual(held.failedRules, ["OTPValidation"]);
  // Other rules: recording turned off.
  const off = new Rules(JSON.stringify({ ...JSON.parse(seedDual), RecordingEnabled: false }));
  assert.equal(decideAt(off, record, otp + 15 * minute), false);
  assert.equal(held.failedRules[0], "RecordingEnabled");
  // Another history: no activity at all.
  const empty = LeadHistory.fromColumns(lead, new Uint32Array(0), new Float64Array(0));
  assert.equal(decideAt(rules, empty, now), false);
  assert.deepEqual(held.failedRules, ["ActivityPostedCountValidations"]);
  empty.free();
  off.free();
  held.free();
  record.free();
  rules.free();
});

test("a decision made before any precheck is undecided, then decided into", () => {
  const rules = new Rules(seedDual);
  const record = new LeadHistory(lead, []);
  const held = new PrecheckDecision();
  assert.equal(held.allowed, false);
  assert.equal(held.failureCount, 0);
  assert.deepEqual(held.failedRules, []);
  rules.precheckInto(held, record, 221, "U-1", "2026-11-20T10:00:00Z");
  const expected = rules.precheckFor(record, 221, "U-1", "2026-11-20T10:00:00Z").toJSON();
  assert.deepEqual(held.toJSON(), expected);
  assert.deepEqual(held.failureMessages, expected.failures.map((f) => f.message));
  // The lists read are copies: changing one changes nothing.
  held.failedRules.push("x");
  assert.deepEqual(held.failedRules, expected.failures.map((f) => f.rule));
  held.free();
  record.free();
  rules.free();
});
