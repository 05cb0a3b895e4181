// How a mobile app uses the package (type-checked by `npm run typecheck`):
// a precheck before recording, the OTP resend countdown, and a recording
// session whose pending list survives the app being killed.
import {
  type Activity,
  type Answer,
  type Decision,
  type Effect,
  type Lead,
  type PendingRecording,
  checkSettings,
  LeadHistory,
  otpResendCountdown,
  RecordingSession,
  Rules,
} from "@recrules/rules";

/** What the app keeps on the phone between runs (AsyncStorage, MMKV, SQLite...). */
interface Storage {
  get(key: string): string | null;
  set(key: string, value: string): void;
}

/** The admin's settings, as the app downloaded them: checked once at start-up. */
export function loadRules(settingsText: string): Rules {
  const report = checkSettings(settingsText);
  for (const d of report.diagnostics) {
    console.warn(`${d.severity} at ${d.path || "(root)"}: ${d.message}`);
  }
  if (!report.valid || !report.settings) throw new Error("recording settings are invalid");
  return new Rules(report.settings);
}

/** Before the record button starts: may this user record with this lead now? */
// The decision stays in wasm memory: its fields are read one by one, without JSON.
export function mayRecord(rules: Rules, lead: Lead, activities: Activity[], user: string, code: number): Decision {
  const decision = rules.precheckFor(new LeadHistory(lead, activities), code, user, Date.now());
  try {
    if (!decision.allowed) {
      // Every failure has its own message (rule 13); the server decides again anyway.
      alertUser(decision.failureMessages.join("\n"));
    } else if (decision.otpPhones?.length) {
      alertUser(`An OTP will be sent to: ${decision.otpPhones.join(", ")}`);
    }
    // The whole decision in its JSON form, e.g. to log it.
    return decision.toJSON();
  } finally {
    decision.free();
  }
}

/** While the record screen is open: decide again each second, into one held decision (no garbage). */
export function watchRecordButton(rules: Rules, record: LeadHistory, user: string, code: number, show: (allowed: boolean) => void): () => void {
  const decision = rules.precheckFor(record, code, user, Date.now());
  const timer = setInterval(() => {
    rules.precheckInto(decision, record, code, user, Date.now());
    show(decision.allowed);
  }, 1000);
  return () => {
    clearInterval(timer);
    decision.free();
  };
}

/** The "Resend OTP in N s" label, updated every second while offline. */
export function resendLabel(lastAnswer: Answer, receivedAt: Date): string {
  const seconds = otpResendCountdown(lastAnswer, receivedAt, new Date());
  if (seconds === undefined) return "Resend OTP";
  return seconds > 0 ? `Resend OTP in ${seconds} s` : "Resend OTP";
}

const key = (leadId: string) => `recording-session:${leadId}`;

/** The lead's session: resumed from storage after a restart, or a new one. */
export function openSession(storage: Storage, platform: "android" | "ios", leadId: string, code: number, taskId?: string): RecordingSession {
  const saved = storage.get(key(leadId));
  return saved ? RecordingSession.resume(saved) : new RecordingSession(platform, leadId, code, taskId);
}

/** Feeds one event, persists the session, and does what it says. */
export function onEvent(storage: Storage, session: RecordingSession, leadId: string, event: Parameters<RecordingSession["apply"]>[0]): PendingRecording[] {
  let effects: Effect[];
  try {
    effects = session.apply(event);
  } catch (e) {
    // Refused (for example `pause` while idle): the session is unchanged.
    const code = (e as { code?: string }).code;
    console.warn(`event refused (${code}): ${(e as Error).message}`);
    return session.pending();
  }
  storage.set(key(leadId), JSON.stringify(session));
  for (const effect of effects) {
    switch (effect.type) {
      case "kept":
        console.info(`keep file ${effect.id}`);
        break;
      case "discarded":
        console.info(`delete file ${effect.id}`);
        break;
      case "post_end":
        console.info(`post the End activity with ${effect.ids.join(", ")}`);
        break;
      case "close_task":
        console.info(`close task ${effect.task_id}`);
        break;
      case "show_notification":
        console.info("show the recording notification");
        break;
    }
  }
  return session.pending();
}

/** A whole meeting: record, a phone call cuts in, record again, the app is killed, resume. */
export function meeting(storage: Storage, rules: Rules, lead: Lead, activities: Activity[]): PendingRecording[] {
  if (!mayRecord(rules, lead, activities, "U-1", 221).allowed) return [];
  let session = openSession(storage, "android", lead.id, 221, "T-1");
  onEvent(storage, session, lead.id, { type: "start", at: new Date().toISOString(), id: "rec-1" });
  onEvent(storage, session, lead.id, { type: "phone_call", at: new Date().toISOString() });
  onEvent(storage, session, lead.id, { type: "start", at: new Date().toISOString(), id: "rec-2" });
  onEvent(storage, session, lead.id, { type: "stop", at: new Date().toISOString(), size_bytes: 48_000 });
  // The app restarts: the pending list comes back from storage.
  session.free();
  session = openSession(storage, "android", lead.id, 221);
  const pending = session.pending();
  for (const p of pending) console.info(`${p.id}: ${p.duration_minutes} min, ${p.reason}`);
  return pending;
}

declare function alertUser(text: string): void;
