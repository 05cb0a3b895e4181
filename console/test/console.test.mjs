// The console in a real browser: Debian's Chromium, headless, driven over the
// DevTools protocol by playwright-core, against recrules-host serving the real
// Lapps (scripts/console-test.sh starts it and sets CONSOLE_BASE).
//
// Each page is tested as a person uses it: the settings editor shows a typed
// error at its line with its help and saves once fixed; the simulator explains
// a refusal by the creation limit; the lead page plays a recording.
// Screenshots go to CONSOLE_SCREENSHOTS (target/console-test/screenshots by
// default; scripts/console-screenshots.sh points it at docs/).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const BASE = process.env.CONSOLE_BASE;
const ORG = process.env.CONSOLE_ORG || "demo";
const KEY = process.env.CONSOLE_KEY || "demo-key";
const ADMIN = process.env.CONSOLE_ADMIN || "demo-admin";
const SHOTS = process.env.CONSOLE_SCREENSHOTS || "../target/console-test/screenshots";
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
assert.ok(BASE, "CONSOLE_BASE names the host (scripts/console-test.sh sets it)");
mkdirSync(SHOTS, { recursive: true });

// seed-dual.json's first entry, with one mistake: `Solo` is not a mode (line 4).
const SETTINGS = `{
"RecordingEnabled": true,
"Message": "Keep the phone between you",
"Mode": "Solo",
"Data": [
{
"MeetingStartEventCode": 209,
"MeetingEndEventCode": 210,
"DisplayName": "Meeting",
"MeetingEndFormErrorMessage": "Please add the 'Appointment Start' activity first",
"RecordingStartTimeField": "mx_Custom_1",
"RecordingEndTimeField": "mx_Custom_2",
"RecordingDurationField": "mx_Custom_3",
"Validations": {
"ActivityCreationLimitValidation": {
"TimeIntervalInDays": 30,
"ActivityCount": 1,
"RestrictedActivity": 209,
"DisplayMessage": "Only one meeting a month"
}
}
}
]
}`;

/** A WAV file: `seconds` of a 440 Hz tone, 8 kHz mono, 16 bits. */
function wav(seconds) {
  const rate = 8000;
  const samples = rate * seconds;
  const b = Buffer.alloc(44 + samples * 2);
  b.write("RIFF", 0);
  b.writeUInt32LE(36 + samples * 2, 4);
  b.write("WAVE", 8);
  b.write("fmt ", 12);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write("data", 36);
  b.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return b;
}

async function call(method, path, { body, headers = {}, key = KEY } = {}) {
  const r = await fetch(BASE + path, { method, body, headers: { "x-org-id": ORG, "x-api-key": key, ...headers } });
  const text = await r.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: r.status, json, text };
}
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

let browser;
let page;
let profile;

test("the console in headless Chromium", async (t) => {
  profile = mkdtempSync(join(tmpdir(), "recrules-console-chromium-"));
  // A new empty profile (this machine's network is closed: nothing to fetch).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1200, height: 900 },
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
    ],
  });
  browser = context;
  // What the page and its service worker ask of the recordings route.
  const recordingRequests = [];
  context.on("request", (request) => {
    if (new URL(request.url()).pathname.startsWith("/recordings/")) recordingRequests.push(request);
  });
  page = context.pages()[0] || (await context.newPage());
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));

  await t.test("keys are kept for the tab only, never in the URL", async () => {
    await page.goto(`${BASE}/console/#settings`);
    await page.fill("#org", ORG);
    await page.fill("#api-key", KEY);
    await page.fill("#admin-key", ADMIN);
    await page.waitForSelector('body[data-rules="ready"]');
    const stored = await page.evaluate(() => ({ session: sessionStorage.length, local: localStorage.length, url: location.href, cookie: document.cookie }));
    assert.equal(stored.local, 0);
    assert.equal(stored.cookie, "");
    assert.equal(stored.session, 1);
    assert.ok(!stored.url.includes(KEY) && !stored.url.includes(ADMIN), stored.url);
  });

  await t.test("settings: a typed error shows at its line with its help; the server's 422 too; fixed, it saves", async () => {
    await page.click("#editor .cm-content");
    await page.keyboard.press("Control+A");
    await page.keyboard.press("Delete");
    await page.keyboard.insertText(SETTINGS);
    const item = page.locator('#diagnostics li.error[data-line="4"]');
    await item.waitFor();
    assert.equal(await item.getAttribute("data-column"), "1");
    assert.equal(await item.getAttribute("data-path"), "Mode");
    assert.match(await item.textContent(), /`Solo` is not a mode/);
    assert.match(await item.locator(".help").textContent(), /SingleActivity/);
    // The editor marks the member itself: `"Mode": "Solo"` on line 4.
    const marked = page.locator(".cm-lintRange-error");
    await marked.first().waitFor();
    assert.equal(await marked.first().textContent(), '"Mode": "Solo"');
    const markedLine = await page.evaluate(() => {
      const range = document.querySelector(".cm-lintRange-error");
      return [...document.querySelectorAll(".cm-content .cm-line")].indexOf(range.closest(".cm-line")) + 1;
    });
    assert.equal(markedLine, 4);
    await page.screenshot({ path: join(SHOTS, "console-settings-error.png") });

    await page.click("#save-settings");
    await page.waitForSelector('#settings-status[data-status="422"]');
    const served = page.locator('#server-diagnostics li.error[data-line="4"][data-path="Mode"]');
    await served.waitFor();
    assert.match(await served.textContent(), /help: .*SingleActivity/);

    // Fix it: a click on the diagnostic selects the member; type the right one.
    await item.click();
    await page.keyboard.insertText('"Mode": "DualActivity"');
    await page.waitForSelector('#diag-summary[data-errors="0"]');
    await page.click("#save-settings");
    await page.waitForSelector('#settings-status[data-status="200"]');
    const stored = await call("GET", "/settings");
    assert.equal(stored.status, 200);
    assert.equal(stored.json.Mode, "DualActivity");
    await page.screenshot({ path: join(SHOTS, "console-settings.png") });
  });

  const recording = wav(2);
  await t.test("a meeting over HTTP: lead, validate, Start, upload, End", async () => {
    const lead = await call("POST", "/leads", { body: JSON.stringify({ id: "L-1", fields: { Phone: "+919800000001" }, activities: [] }) });
    assert.equal(lead.status, 201, lead.text);
    const decision = await call("POST", "/validate", { body: JSON.stringify({ lead: "L-1", activity_code: 209, user: "U-1" }) });
    assert.equal(decision.json.allowed, true, decision.text);
    const start = await call("POST", "/meetings/start", { body: JSON.stringify({ lead: "L-1", activity_code: 209, user: "U-1" }), headers: { "idempotency-key": "console-start-1" } });
    assert.equal(start.status, 201, start.text);
    const sha = createHash("sha256").update(recording).digest("hex");
    const up = await call("PUT", "/recordings/rec-1", { body: recording, headers: { "x-content-sha256": sha, "content-type": "audio/wav" } });
    assert.equal(up.status, 201, up.text);
    const now = Date.now();
    const end = await call("POST", "/meetings/end", {
      headers: { "idempotency-key": "console-end-1" },
      body: JSON.stringify({
        lead: "L-1", activity_code: 210, user: "U-1",
        recordings: [{ id: "rec-1", started_at: iso(now - 5000), ended_at: iso(now - 3000), duration_s: 2, size_bytes: recording.length, sha256: sha }],
      }),
    });
    assert.equal(end.status, 201, end.text);
  });

  await t.test("simulator: a second meeting on the lead fails on the creation limit, explained", async () => {
    await page.goto(`${BASE}/console/#simulator`);
    await page.waitForSelector('#sim-entry option[value="209"]', { state: "attached" });
    await page.selectOption("#sim-entry", "209");
    await page.fill("#sim-lead", "L-1");
    await page.click("#sim-run");
    await page.waitForSelector(".verdict");
    assert.equal(await page.getAttribute(".verdict", "data-allowed"), "false");
    const row = page.locator('tr[data-rule="ActivityCreationLimitValidation"]');
    assert.equal(await row.getAttribute("data-passed"), "false");
    assert.equal((await row.locator(".count").textContent()).trim(), "1");
    assert.equal((await row.locator(".limit").textContent()).trim(), "1");
    assert.match(await row.locator(".window").textContent(), /^\d{4}-\d\d-\d\dT/);
    const retry = (await row.locator(".retry").textContent()).trim();
    assert.match(retry, /^\d{4}-\d\d-\d\dT/);
    assert.match(await page.textContent("#sim-again"), new RegExp(`May try again at ${retry}`));
    await page.screenshot({ path: join(SHOTS, "console-simulator.png"), fullPage: true });
  });

  await t.test("simulator: a pasted history under the limit is allowed", async () => {
    await page.check('input[name="sim-source"][value="pasted"]');
    await page.fill("#sim-history", JSON.stringify([{ id: "A-1", event_code: 209, created_on: "2020-01-01T00:00:00Z", user: "U-2" }]));
    await page.click("#sim-run");
    await page.waitForSelector('.verdict[data-allowed="true"]');
    await page.check('input[name="sim-source"][value="lead"]');
  });

  await t.test("lead: the End's fields and a recording that plays its first second", async () => {
    await page.goto(`${BASE}/console/#lead/L-1`);
    await page.waitForSelector('.activity[data-code="210"]');
    const end = page.locator('.activity[data-code="210"]');
    assert.equal((await end.locator('tr[data-field="mx_Custom_3"] td').textContent()).trim(), "0.03");
    assert.equal(await page.locator('.activity[data-code="209"]').count(), 1);
    assert.match(await end.textContent(), /Consent: /);
    const audio = end.locator('.recording[data-recording="rec-1"] audio');
    await audio.waitFor();
    await audio.evaluate((a) => a.play());
    await page.waitForFunction(() => {
      const a = document.querySelector('.recording[data-recording="rec-1"] audio');
      return a.readyState >= 2 && a.currentTime >= 1;
    }, null, { timeout: 60_000 });
    const state = await audio.evaluate((a) => ({ ready: a.readyState, error: a.error && a.error.code, duration: a.duration }));
    assert.ok(state.ready >= 2, JSON.stringify(state));
    assert.equal(state.error, null);
    assert.ok(Math.abs(state.duration - 2) < 0.1, JSON.stringify(state));
    await audio.evaluate((a) => a.pause());
    // The player streamed it: its requests went out with a Range (and the tab's keys,
    // added by the service worker, which answered 206).
    const sent = await Promise.all(recordingRequests.map(async (r) => ({ headers: await r.allHeaders(), status: (await r.response())?.status() })));
    assert.ok(sent.some((r) => r.headers.range && r.headers["x-api-key"] === KEY && r.status === 206), JSON.stringify(sent));
    await page.screenshot({ path: join(SHOTS, "console-lead.png"), fullPage: true });
  });

  await t.test("a wrong key is told, not crashed", async () => {
    await page.fill("#api-key", "wrong");
    await page.click("#lead-open");
    await page.waitForFunction(() => /Not opened: 401/.test(document.getElementById("lead-status").textContent));
    await page.fill("#api-key", KEY);
  });

  await t.test("the console's files: unknown paths 404 and other methods 405, never a 500", async () => {
    const page = await fetch(`${BASE}/console/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type"), /^text\/html/);
    assert.match(page.headers.get("content-security-policy"), /default-src 'self'/);
    const wasm = await fetch(`${BASE}/console/recrules_bg.wasm`);
    assert.equal(wasm.headers.get("content-type"), "application/wasm");
    for (const path of ["/console/nope", "/console/..%2F..%2FCargo.toml", "/console/app.js/x"]) {
      const r = await fetch(BASE + path);
      assert.equal(r.status, 404, path);
      assert.equal((await r.json()).error, "not_found");
    }
    const post = await fetch(`${BASE}/console/`, { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
    const head = await fetch(`${BASE}/console/app.js`, { method: "HEAD" });
    assert.equal(head.status, 200);
  });

  await t.test("no error in the page", () => {
    assert.deepEqual(pageErrors, []);
  });
});

test.after(async () => {
  if (browser) await browser.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});
