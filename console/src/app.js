// The console: three pages over the Lapps' JSON routes on this origin, with
// the keys the person typed (kept in this tab's sessionStorage only).
import { EditorView, basicSetup } from "codemirror";
import { json } from "@codemirror/lang-json";
import { linter, lintGutter } from "@codemirror/lint";
import { EditorSelection } from "@codemirror/state";
// The npm package's web build (dist/web), instantiated here from the .wasm
// this component serves (wasm-bindgen's bundler glue, without a bundler that
// knows .wasm imports).
import * as bg from "../../packages/recrules/dist/web/recrules_bg.js";

const $ = (id) => document.getElementById(id);
const KEYS = "recrules.console.keys";

// ---- keys: this tab only -------------------------------------------------
function keys() {
  try {
    return JSON.parse(sessionStorage.getItem(KEYS) || "{}");
  } catch {
    return {};
  }
}
function saveKeys() {
  sessionStorage.setItem(KEYS, JSON.stringify({ org: $("org").value.trim(), key: $("api-key").value, admin: $("admin-key").value }));
}
function showKeys() {
  const k = keys();
  $("org").value = k.org || "";
  $("api-key").value = k.key || "";
  $("admin-key").value = k.admin || "";
}

/** A call to a Lapp route: `{status, body}` (body: parsed JSON, or the text). */
async function api(method, path, { admin = false, body, headers = {} } = {}) {
  const k = keys();
  const h = { "x-org-id": k.org || "", "x-api-key": (admin ? k.admin : k.key) || "", ...headers };
  let reply;
  try {
    reply = await fetch(path, { method, headers: h, body, cache: "no-store", credentials: "omit" });
  } catch (e) {
    return { status: 0, body: { error: "network", message: String(e) } };
  }
  const text = await reply.text();
  try {
    return { status: reply.status, body: text ? JSON.parse(text) : null, text };
  } catch {
    return { status: reply.status, body: { error: "not_json", message: text.slice(0, 200) }, text };
  }
}
const failure = (r) => `${r.status || "no answer"}: ${(r.body && (r.body.message || r.body.error)) || "request failed"}`;

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("data-") || k === "title" || k === "href") e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) e.append(c instanceof Node ? c : String(c));
  return e;
}

// ---- the rules, in this page -------------------------------------------------
let rulesReady;
function rules() {
  rulesReady ??= (async () => {
    const imports = { "./recrules_bg.js": bg };
    const { instance } = await WebAssembly.instantiateStreaming(fetch("/console/recrules_bg.wasm"), imports);
    bg.__wbg_set_wasm(instance.exports);
    instance.exports.__wbindgen_start();
    return bg;
  })();
  return rulesReady;
}

// ---- Settings ----------------------------------------------------------------
const STARTER = `{
  "RecordingEnabled": true,
  "Mode": "DualActivity",
  "Data": []
}
`;
let editor;
let checker = null;

/** The editor range of a diagnostic: its value at (line, column), from 1. */
function rangeOf(doc, d) {
  if (!d.line || d.line > doc.lines) return { from: 0, to: Math.min(1, doc.length) };
  const line = doc.line(d.line);
  const from = Math.min(line.from + Math.max(0, (d.column || 1) - 1), line.to);
  const rest = doc.sliceString(from, line.to);
  // The checker points at a member's key: mark the key and its value.
  const pair = /^("(?:[^"\\]|\\.)*")\s*:\s*("(?:[^"\\]|\\.)*"|[^,\]}\s{[]+)?/.exec(rest);
  const token = pair || /^("(?:[^"\\]|\\.)*"|[^,\]}\s:]+)/.exec(rest);
  const to = token ? from + token[0].length : Math.min(from + 1, line.to);
  return { from, to: Math.max(to, from) };
}

function where(d) {
  return d.line ? `line ${d.line}, column ${d.column || 1}` : "whole text";
}

/** Lists diagnostics under the editor; a click puts the cursor on one. */
function listDiagnostics(ul, diagnostics, okText) {
  ul.replaceChildren();
  if (!diagnostics.length) {
    ul.append(el("li", { class: "ok" }, okText));
    return;
  }
  for (const d of diagnostics) {
    const li = el(
      "li",
      { class: d.severity || "error", "data-line": d.line ?? "", "data-column": d.column ?? "", "data-path": d.path ?? "" },
      el("span", { class: "where" }, `${d.severity || "error"} at ${where(d)} · ${d.path || "(root)"}`),
      " ",
      el("span", { class: "message" }, d.message),
      d.help ? el("span", { class: "help" }, `help: ${d.help}`) : null,
    );
    li.addEventListener("click", () => {
      const r = rangeOf(editor.state.doc, d);
      editor.dispatch({ selection: EditorSelection.range(r.from, r.to), scrollIntoView: true });
      editor.focus();
    });
    ul.append(li);
  }
}

function lintSource(view) {
  if (!checker) return [];
  const doc = view.state.doc;
  let report;
  try {
    report = checker.checkSettings(doc.toString());
  } catch (e) {
    report = { valid: false, diagnostics: [{ severity: "error", path: "", message: String(e) }] };
  }
  const diagnostics = report.diagnostics || [];
  const errors = diagnostics.filter((d) => d.severity !== "warning").length;
  $("diag-summary").textContent = `(${errors} errors, ${diagnostics.length - errors} warnings)`;
  $("diag-summary").dataset.errors = String(errors);
  listDiagnostics($("diagnostics"), diagnostics, "No problem found: these settings are valid.");
  return diagnostics.map((d) => ({
    ...rangeOf(doc, d),
    severity: d.severity === "warning" ? "warning" : "error",
    source: d.path || "(root)",
    message: d.help ? `${d.message}\nhelp: ${d.help}` : d.message,
  }));
}

function setText(text) {
  editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text } });
}

async function loadSettings() {
  const r = await api("GET", "/settings");
  if (r.status === 200) {
    setText(r.text);
    $("settings-status").textContent = "Loaded the stored settings.";
  } else {
    $("settings-status").textContent = r.status === 404 ? "No settings stored yet." : `Not loaded: ${failure(r)}`;
  }
}

async function saveSettings() {
  $("settings-status").textContent = "Saving…";
  const r = await api("PUT", "/settings", { admin: true, body: editor.state.doc.toString(), headers: { "content-type": "application/json" } });
  const diagnostics = (r.body && Array.isArray(r.body.diagnostics) && r.body.diagnostics) || [];
  if (r.status === 200) {
    $("settings-status").textContent = "Saved.";
    listDiagnostics($("server-diagnostics"), diagnostics, "Stored: the server found no problem.");
  } else if (r.status === 422) {
    $("settings-status").textContent = "Refused (422): see the diagnostics below.";
    listDiagnostics($("server-diagnostics"), diagnostics, "Refused.");
  } else {
    $("settings-status").textContent = `Not saved: ${failure(r)}`;
    $("server-diagnostics").replaceChildren();
  }
  $("settings-status").dataset.status = String(r.status);
}

async function setupSettings() {
  editor = new EditorView({
    doc: STARTER,
    parent: $("editor"),
    extensions: [basicSetup, json(), lintGutter(), linter(lintSource, { delay: 150 })],
  });
  $("load-settings").addEventListener("click", loadSettings);
  $("save-settings").addEventListener("click", saveSettings);
  checker = await rules();
  // The stored settings when the tab already holds keys, else lint the starter
  // again now that the checker is loaded.
  const k = keys();
  if (k.org && k.key) await loadSettings();
  else setText(editor.state.doc.toString());
  document.body.dataset.rules = "ready";
}

// ---- Simulator -------------------------------------------------------------------
async function settingsText() {
  const r = await api("GET", "/settings");
  if (r.status === 200) return { text: r.text, from: "the stored settings" };
  return { text: editor.state.doc.toString(), from: "the editor's text" };
}

async function fillEntries() {
  const { text, from } = await settingsText();
  const report = (await rules()).checkSettings(text);
  const select = $("sim-entry");
  const previous = select.value;
  select.replaceChildren();
  for (const e of (report.settings && report.settings.Data) || []) {
    const code = e.MeetingStartEventCode ?? e.MeetingEndEventCode;
    const label = [e.MeetingStartEventCode, e.MeetingEndEventCode].filter((c) => c !== undefined).join(" → ");
    select.append(el("option", { value: String(code) }, `${label} ${e.DisplayName || ""} (${from})`));
  }
  if (previous) select.value = previous;
  return text;
}

const localToIso = (v) => (v ? new Date(v).toISOString().replace(/\.\d{3}Z$/, "Z") : undefined);
const show = (v) => (v === undefined || v === null ? "" : String(v));

async function simulate(event) {
  event.preventDefault();
  const out = $("sim-result");
  out.replaceChildren(el("p", {}, "Deciding…"));
  try {
    const text = await fillEntries();
    const input = { activity_code: Number($("sim-entry").value), user: $("sim-user").value.trim() || "U-1" };
    const lat = $("sim-lat").value.trim();
    const lon = $("sim-lon").value.trim();
    if (lat && lon) input.user_location = { lat: Number(lat), lon: Number(lon) };
    const otp = localToIso($("sim-otp").value);
    if (otp) input.otp_verified_at = otp;
    let fields = {};
    try {
      fields = JSON.parse($("sim-fields").value || "{}");
    } catch {
      throw new Error("Lead fields: not JSON");
    }
    let history;
    let leadId = "pasted";
    if (document.querySelector('input[name="sim-source"]:checked').value === "lead") {
      leadId = $("sim-lead").value.trim();
      const r = await api("GET", `/leads/${encodeURIComponent(leadId)}/activities`);
      if (r.status !== 200) throw new Error(`Lead ${leadId}: ${failure(r)}`);
      history = (r.body.activities || []).map((a) => {
        const x = a.activity || a;
        return { id: String(a.id ?? x.id ?? ""), event_code: x.event_code, created_on: x.created_on, user: x.user };
      });
    } else {
      try {
        history = JSON.parse($("sim-history").value || "[]");
      } catch {
        throw new Error("History: not JSON");
      }
    }
    const now = localToIso($("sim-now").value) || new Date();
    const decision = (await rules()).precheck(text, { id: leadId || "L", fields }, history, input, now);
    out.replaceChildren(renderDecision(decision, history.length));
  } catch (e) {
    out.replaceChildren(el("p", { class: "error" }, e && e.message ? e.message : String(e)));
  }
}

function renderDecision(d, historyLength) {
  const checks = [...(d.failures || []), ...(d.passed || [])];
  const rows = checks.map((c) =>
    el(
      "tr",
      { "data-rule": c.rule, "data-passed": String(c.passed) },
      el("td", {}, c.rule + (c.index !== undefined ? `[${c.index}]` : "")),
      el("td", {}, c.passed ? "passed" : "failed"),
      el("td", { class: "count" }, show(c.count)),
      el("td", { class: "limit" }, show(c.limit)),
      el("td", { class: "window" }, show(c.window_start)),
      el("td", { class: "retry" }, show(c.retry_at)),
      el("td", {}, c.distance_m !== undefined ? `${Math.round(c.distance_m)} m of ${show(c.radius_m)} m` : ""),
      el("td", {}, c.reason, c.passed ? "" : el("div", { class: "help" }, `shown: ${c.message}`)),
    ),
  );
  const retries = (d.failures || []).map((c) => c.retry_at);
  let again = "";
  if (!d.allowed) {
    again = retries.length && retries.every(Boolean)
      ? `May try again at ${retries.sort().at(-1)}.`
      : "Waiting alone does not lift every failure.";
  }
  return el(
    "div",
    {},
    el("p", { class: `verdict ${d.allowed ? "allowed" : "refused"}`, "data-allowed": String(d.allowed) }, d.allowed ? "Allowed" : "Refused"),
    el("p", {}, `Evaluated at ${d.evaluated_at} over ${historyLength} activities. `, el("span", { id: "sim-again" }, again)),
    d.message ? el("p", {}, `Message: ${d.message}`) : null,
    el(
      "table",
      {},
      el("thead", {}, el("tr", {}, ["Validation", "Result", "Count", "Limit", "Window start", "Retry at", "Distance", "Explanation"].map((h) => el("th", {}, h)))),
      el("tbody", {}, rows),
    ),
  );
}

// ---- Lead ------------------------------------------------------------------------
let workerReady;
/** The service worker that adds this tab's keys to the players' requests. */
function worker() {
  workerReady ??= (async () => {
    if (!("serviceWorker" in navigator)) throw new Error("this browser has no service workers: recordings cannot be played");
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "recrules-keys?" && event.ports[0]) {
        const k = keys();
        event.ports[0].postMessage({ org: k.org, key: k.key });
      }
    });
    await navigator.serviceWorker.register("/console/sw.js", { scope: "/console/" });
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
    }
  })();
  return workerReady;
}

function fieldTable(fields) {
  const entries = Object.entries(fields || {});
  if (!entries.length) return null;
  return el("table", { class: "fields" }, el("tbody", {}, entries.map(([k, v]) => el("tr", { "data-field": k }, el("th", {}, k), el("td", {}, show(v))))));
}

/** Why a recording's bytes are gone, in words. */
function removal(removed) {
  const why = removed.reason === "expired" ? `kept ${removed.retention_days} days (RecordingRetentionDays)` : `erased on request (erasure ${removed.erasure})`;
  return `Audio removed ${show(removed.at)}: ${why}. The activity keeps its fields.`;
}

function renderActivity(a) {
  const x = a.activity || a;
  const recordings = x.recordings || [];
  const attachments = a.attachments || x.attachments;
  const stateOf = (id) => {
    const list = Array.isArray(attachments) ? attachments : [];
    const found = list.find((t) => t.recording === id || t.id === id);
    return found ? found.state || found.status || JSON.stringify(found) : "kept by the Lapp";
  };
  // Bytes removed (retention, erasure): the listing says when and why; the recording answers 410.
  const removedOf = (r) => r.removed || (Array.isArray(attachments) ? (attachments.find((t) => t.recording === r.id) || {}).removed : undefined);
  const consent = x.consent ?? a.consent;
  return el(
    "div",
    { class: "activity", "data-activity": a.id, "data-code": show(x.event_code) },
    el("h3", {}, `Activity ${show(x.event_code)} · ${a.id}`),
    el("p", {}, `Created ${show(x.created_on)} by ${show(x.user) || "unknown"}`, x.start_activity_id ? ` · closes Start ${x.start_activity_id}` : ""),
    x.note ? el("p", { class: "hint" }, x.note) : null,
    fieldTable(x.fields),
    recordings.length ? el("p", {}, `Consent: ${consent === undefined ? "not recorded by the Lapp" : show(consent)}`) : null,
    recordings.map((r) =>
      el(
        "div",
        { class: "recording", "data-recording": r.id },
        el("p", {}, `Recording ${r.id}: ${show(r.started_at)} → ${show(r.ended_at)}, ${show(r.duration_s)} s, ${show(r.size_bytes)} bytes · attachment: ${stateOf(r.id)}`),
        removedOf(r)
          ? el("p", { class: "removed" }, removal(removedOf(r)))
          : el("audio", { controls: true, preload: "metadata", src: `/recordings/${encodeURIComponent(r.id)}` }),
      ),
    ),
  );
}

async function openLead(event) {
  event && event.preventDefault();
  const id = $("lead-id").value.trim();
  const box = $("lead-activities");
  box.replaceChildren();
  $("lead-status").textContent = "Loading…";
  const r = await api("GET", `/leads/${encodeURIComponent(id)}/activities`);
  if (r.status !== 200) {
    $("lead-status").textContent = `Not opened: ${failure(r)}`;
    return;
  }
  const list = (r.body && r.body.activities) || [];
  const hasRecordings = list.some((a) => ((a.activity || a).recordings || []).length);
  if (hasRecordings) {
    try {
      await worker();
    } catch (e) {
      $("lead-status").textContent = String(e.message || e);
      return;
    }
  }
  $("lead-status").textContent = `${list.length} activities`;
  box.replaceChildren(...list.map(renderActivity));
}

// ---- pages -------------------------------------------------------------------------
function route() {
  const page = (location.hash.replace(/^#/, "") || "settings").split("/")[0];
  const known = ["settings", "simulator", "lead"].includes(page) ? page : "settings";
  for (const p of document.querySelectorAll(".page")) p.hidden = p.id !== `page-${known}`;
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.page === known);
  if (known === "simulator") fillEntries().catch(() => {});
  // `#lead/L-1` opens that lead (a lead's id is no secret).
  const id = decodeURIComponent(location.hash.replace(/^#/, "").split("/").slice(1).join("/"));
  if (known === "lead" && id) {
    $("lead-id").value = id;
    openLead();
  }
}

showKeys();
for (const id of ["org", "api-key", "admin-key"]) $(id).addEventListener("input", saveKeys);
$("forget").addEventListener("click", () => {
  sessionStorage.removeItem(KEYS);
  showKeys();
});
$("sim-form").addEventListener("submit", simulate);
$("lead-form").addEventListener("submit", openLead);
window.addEventListener("hashchange", route);
route();
setupSettings().catch((e) => {
  $("settings-status").textContent = `The rules did not load: ${e.message || e}`;
});
