// How a React Native app uses the package (TypeScript, no native build;
// type-checked by `npm run typecheck` in CI). Metro resolves the package to
// its JavaScript build (dist/js/), which runs on Hermes without WebAssembly.
//
// Memory: `Rules`, `LeadHistory`, `PrecheckDecision` and `RecordingSession`
// live in the rules' memory until `free()`. Hermes before its 2026-03 line
// has no FinalizationRegistry, so nothing forgotten is ever freed there. This
// module therefore holds one of each per thing it stands for (the account's
// rules, the open lead, the record screen, the meeting), reuses it, frees it
// when that thing goes away, and takes plain results (`rules.decide`,
// `precheck`, `session.pending()`) where it needs no handle.
import {
  type Activity,
  type Answer,
  type Event,
  type Lead,
  type PendingRecording,
  type Platform,
  type Verdict,
  checkSettings,
  LeadHistory,
  otpResendCountdown,
  PrecheckDecision,
  precheck,
  RecordingSession,
  Rules,
} from "@recrules/rules";

/** What the app keeps between runs (AsyncStorage, MMKV, SQLite...), synchronously here for brevity. */
export interface Storage {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
}

/** The account's rules: read when the app starts or the settings change, freed when replaced. */
export class AccountRules {
  private current: Rules | null = null;

  /** Checks the settings the app downloaded; keeps the previous rules when they are invalid. */
  load(settingsText: string): boolean {
    const report = checkSettings(settingsText);
    for (const d of report.diagnostics) console.warn(`${d.severity} at ${d.path || "(root)"}: ${d.message}`);
    if (!report.valid || !report.settings) return false;
    const next = new Rules(settingsText);
    this.current?.free();
    this.current = next;
    return true;
  }

  get rules(): Rules {
    if (!this.current) throw new Error("settings not loaded");
    return this.current;
  }

  /** On logout. */
  free(): void {
    this.current?.free();
    this.current = null;
  }
}

/**
 * The open lead's history, kept while its screen is open: built once from
 * columns (codes and epoch milliseconds: no JSON, no date text), appended to
 * as activities are posted, freed when the screen closes.
 */
export class OpenLead {
  readonly history: LeadHistory;

  constructor(readonly lead: Lead, activities: Activity[]) {
    const codes = new Uint32Array(activities.length);
    const createdOn = new Float64Array(activities.length);
    activities.forEach((a, i) => {
      codes[i] = a.event_code;
      createdOn[i] = Date.parse(a.created_on);
    });
    // Ids and users are read by `planEnd` only (pairing Starts with Ends).
    this.history = LeadHistory.fromColumns(lead, codes, createdOn, activities.map((a) => a.id), activities.map((a) => a.user ?? null));
  }

  /** An activity the app just posted (or synced): no rebuild. */
  posted(activity: Activity): void {
    this.history.append(activity.event_code, activity.created_on, activity.id, activity.user ?? null);
  }

  close(): void {
    this.history.free();
  }
}

/** Before the record button starts: a plain verdict, nothing to free. */
export function mayRecord(rules: Rules, open: OpenLead, user: string, code: number, otpVerifiedAt?: number): Verdict {
  const verdict = rules.decide(open.history, code, user, Date.now(), otpVerifiedAt);
  if (!verdict.allowed) alertUser(verdict.failureMessages.join("\n")); // provisional: the server decides again
  else if (verdict.otpPhones?.length) alertUser(`An OTP will be sent to: ${verdict.otpPhones.join(", ")}`);
  return verdict;
}

/** From fresh data, without keeping anything (a form opened from a list): one call, a plain Decision. */
export function mayRecordOnce(settingsText: string, lead: Lead, codes: Uint32Array, createdOn: Float64Array, user: string, code: number): boolean {
  return precheck(settingsText, lead, { eventCodes: codes, createdOn }, { activity_code: code, user }, Date.now()).allowed;
}

/** While the record screen is open: one held decision, decided into each second; freed on close. */
export function watchRecordButton(rules: Rules, open: OpenLead, user: string, code: number, show: (allowed: boolean, messages: string[]) => void): () => void {
  const decision = new PrecheckDecision();
  const tick = () => {
    rules.precheckInto(decision, open.history, code, user, Date.now());
    show(decision.allowed, decision.failureMessages);
  };
  tick();
  const timer = setInterval(tick, 1000);
  return () => {
    clearInterval(timer);
    decision.free();
  };
}

/** The "Resend OTP in N s" label, updated every second while offline. */
export function resendLabel(lastAnswer: Answer, receivedAt: Date): string {
  const seconds = otpResendCountdown(lastAnswer, receivedAt, new Date());
  return seconds !== undefined && seconds > 0 ? `Resend OTP in ${seconds} s` : "Resend OTP";
}

const sessionKey = (leadId: string) => `recording-session:${leadId}`;

/**
 * The recording session of one meeting, persisted after every event so that
 * it survives the app being killed: on resume, Android has discarded what
 * was being recorded, iOS has kept it (the `app_killed` event says which).
 */
export class Meeting {
  private constructor(private readonly storage: Storage, private readonly leadId: string, private session: RecordingSession) {}

  /** The lead's session: resumed from storage after a restart (then told the app was killed), or a new one. */
  static open(storage: Storage, platform: Platform, leadId: string, code: number, taskId?: string): Meeting {
    const saved = storage.get(sessionKey(leadId));
    if (!saved) return new Meeting(storage, leadId, new RecordingSession(platform, leadId, code, taskId));
    const meeting = new Meeting(storage, leadId, RecordingSession.resume(saved));
    if (meeting.session.status() === "recording" || meeting.session.status() === "paused") {
      meeting.apply({ type: "app_killed", at: new Date().toISOString() });
    }
    return meeting;
  }

  /** Feeds one event, persists the session, does what it says; the pending recordings after it. */
  apply(event: Event): PendingRecording[] {
    try {
      for (const effect of this.session.apply(event)) {
        switch (effect.type) {
          case "kept": console.info(`keep file ${effect.id}`); break;
          case "discarded": console.info(`delete file ${effect.id}`); break;
          case "post_end": console.info(`post the End activity with ${effect.ids.join(", ")}`); break;
          case "close_task": console.info(`close task ${effect.task_id}`); break;
          case "show_notification": console.info("show the recording notification"); break;
        }
      }
    } catch (e) {
      // Refused (for example `pause` while idle): the session is unchanged.
      console.warn(`event refused (${(e as { code?: string }).code}): ${(e as Error).message}`);
    }
    this.storage.set(sessionKey(this.leadId), JSON.stringify(this.session));
    return this.session.pending();
  }

  /** The meeting is over and posted: forget it and free it. */
  finish(): void {
    if (this.session.status() === "posted") this.storage.remove(sessionKey(this.leadId));
    this.close();
  }

  /** The screen goes away (the state stays in storage). */
  close(): void {
    this.session.free();
  }
}

/** A whole meeting: check, record, a call cuts in, record again, the app is killed, resume; everything freed. */
export function meeting(storage: Storage, settingsText: string, lead: Lead, activities: Activity[], platform: Platform): PendingRecording[] {
  const account = new AccountRules();
  const open = new OpenLead(lead, activities);
  try {
    if (!account.load(settingsText) || !mayRecord(account.rules, open, "U-1", 221).allowed) return [];
    const first = Meeting.open(storage, platform, lead.id, 221, "T-1");
    first.apply({ type: "start", at: new Date().toISOString(), id: "rec-1" });
    first.apply({ type: "phone_call", at: new Date().toISOString() });
    first.apply({ type: "start", at: new Date().toISOString(), id: "rec-2" });
    // The app is killed here; its memory is gone. After the restart:
    first.close();
    const resumed = Meeting.open(storage, platform, lead.id, 221);
    const pending = resumed.apply({ type: "online", at: new Date().toISOString() });
    for (const p of pending) console.info(`${p.id}: ${p.duration_minutes} min, ${p.reason}`);
    resumed.close();
    return pending;
  } finally {
    open.close();
    account.free();
  }
}

declare function alertUser(text: string): void;
