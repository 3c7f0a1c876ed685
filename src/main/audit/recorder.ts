import type { ErrorCode } from '../../shared/errors.js';
import type { AuditEntry, AuditResult } from '../../shared/schemas/audit.js';
import { rateLimitDetailsSchema } from '../../shared/schemas/rate-limit.js';
import type { AdmittedCall, CallHooks, SettledCall, StartingCall } from '../core/manager.js';
import { rateLimitKey } from '../limits/rate-limiter.js';
import type { FoldStore, FoldWindow } from './fold-store.js';
import type { AuditTrail } from './trail.js';

/** Refusals aimed at the caller, as opposed to failures of the operation itself. */
const DENIALS: ReadonlySet<ErrorCode> = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED', 'SELF_PROTECTED']);

/**
 * How often windows that ended are looked for, to write their summaries, and the counts of open
 * windows are saved: a `kill -9` loses at most this much of them.
 */
const SWEEP_MS = 1_000;

/**
 * Good sign-ins cost no rate budget (a busy window must be able to renew its token), so their
 * repeats are folded instead: the first of a subject from one client per minute is written.
 */
const SIGN_IN_WINDOW_MS = 60_000;

/** The repeats of one line (a caller's RATE_LIMITED refusal, a sign-in) in one window after the first, which was written. */
interface Suppression {
  windowEndsMs: number;
  first: AuditEntry;
  last: AuditEntry;
  operations: Set<string>;
  count: number;
}

/**
 * Decides what the trail keeps: every control operation, whatever its outcome, every successful
 * sign-in (whose identity the window keeps), and every refusal — except that a caller over its
 * rate limit gets one RATE_LIMITED line per window, and a subject signing in again and again from
 * one client one sign-in line a minute; when the window ends, one `suppressed` line counts the
 * repeats in between. A flood then costs two lines a minute per caller instead of one per request.
 * A control call gets two lines: its intent, on disk before Docker is asked, and its outcome.
 * The counts of open windows are saved every second to `store`; a run killed before writing
 * their summaries has them written by the next one.
 */
export class AuditRecorder implements CallHooks {
  private readonly limited = new Map<string, Suppression>();
  private readonly sweep: NodeJS.Timeout;
  /** Counts changed since the store was last written. */
  private unsaved = false;

  constructor(
    private readonly trail: Pick<AuditTrail, 'record' | 'recordDurable'>,
    private readonly now: () => number = Date.now,
    private readonly store?: Pick<FoldStore, 'save' | 'load'>,
  ) {
    if (store) this.summariseLeftovers(store.load());
    this.sweep = setInterval(() => {
      this.flush();
      if (this.unsaved) this.save();
    }, SWEEP_MS);
    this.sweep.unref();
  }

  /** Resolves once the intent is on disk: the runner asks Docker only then. */
  starting(call: StartingCall): Promise<void> {
    return this.trail.recordDurable({
      ...this.baseOf(call),
      target: call.target ?? null,
      ...(call.host !== undefined ? { host: call.host } : {}),
      result: 'started',
      code: null,
      durationMs: 0,
    });
  }

  settled(call: SettledCall): void {
    const code = call.error?.code ?? null;
    const denied = code !== null && DENIALS.has(code);
    const succeeded = code === null && call.op.auditSuccess === true;
    if (call.op.kind !== 'control' && !denied && !succeeded) return;
    const entry = this.entryOf(call, code, denied);
    if (code === 'RATE_LIMITED' && this.suppress(call, entry)) return;
    if (succeeded && this.fold(`sign-in|${entry.transport}|${entry.client}|${entry.sub}|${entry.role}`, entry, SIGN_IN_WINDOW_MS)) return;
    this.trail.record(entry);
  }

  /** Writes the summary of every window that has ended (of all of them when `all`). */
  flush(all = false): void {
    const now = this.now();
    for (const [key, open] of this.limited) {
      if (all || now >= open.windowEndsMs) this.summarise(key, open);
    }
  }

  /** Writes the summaries of every window still open: the trail is closed after this. */
  async close(): Promise<void> {
    clearInterval(this.sweep);
    this.flush(true);
    if (this.unsaved) this.save();
  }

  private entryOf(call: SettledCall, code: ErrorCode | null, denied: boolean): AuditEntry {
    const result = resultOf(call, code, denied);
    return {
      ...this.baseOf(call),
      target: call.target ?? null,
      ...(call.host !== undefined ? { host: call.host } : {}),
      result,
      code,
      durationMs: Math.round(call.durationMs * 10) / 10,
      ...(result === 'partial' ? { failures: call.failures } : {}),
    };
  }

  /** Who, how and when: what an intent and its outcome share. */
  private baseOf(call: AdmittedCall) {
    return {
      time: new Date(this.now()).toISOString(),
      sub: call.identity?.sub ?? null,
      role: call.identity?.role ?? null,
      transport: call.meta.transport,
      operation: call.name,
      client: call.meta.client,
      requestId: call.meta.requestId,
      ...(call.meta.clientRequestId !== undefined ? { clientRequestId: call.meta.clientRequestId } : {}),
      ...(call.meta.origin !== undefined ? { origin: call.meta.origin } : {}),
    };
  }

  /** The windows a killed run left open: their counts are summarised now, as its close would have. */
  private summariseLeftovers(windows: FoldWindow[]): void {
    for (const window of windows) {
      this.summarise(window.key, { ...window, operations: new Set(window.operations) });
    }
    this.save();
  }

  private save(): void {
    this.unsaved = false;
    const windows: FoldWindow[] = [];
    for (const [key, open] of this.limited) {
      if (open.count > 0) windows.push({ key, windowEndsMs: open.windowEndsMs, first: open.first, last: open.last, operations: [...open.operations], count: open.count });
    }
    this.store?.save(windows);
  }

  /** True when the refusal is only counted: its caller already has its RATE_LIMITED line in this window. */
  private suppress(call: SettledCall, entry: AuditEntry): boolean {
    const details = rateLimitDetailsSchema.safeParse(call.error?.details);
    if (!details.success) return false;
    const key = `${details.data.policy}|${call.meta.transport}|${rateLimitKey(call.identity, call.meta)}`;
    return this.fold(key, entry, details.data.retryAfterSeconds * 1000);
  }

  /** True when `entry` is only counted: a line of the same key was written in this window. */
  private fold(key: string, entry: AuditEntry, windowMs: number): boolean {
    const now = this.now();
    const open = this.limited.get(key);
    if (open !== undefined && now < open.windowEndsMs) {
      open.count++;
      open.last = entry;
      open.operations.add(entry.operation);
      this.unsaved = true;
      return true;
    }
    if (open !== undefined) this.summarise(key, open);
    const windowEndsMs = now + windowMs;
    this.limited.set(key, { windowEndsMs, first: entry, last: entry, operations: new Set(), count: 0 });
    return false;
  }

  private summarise(key: string, open: Suppression): void {
    this.limited.delete(key);
    if (open.count === 0) return;
    const { last } = open;
    // Saved right after this line is written, or a crash could have the next run write it again.
    this.unsaved = true;
    this.trail.record({
      time: new Date(this.now()).toISOString(),
      sub: last.sub,
      role: last.role,
      transport: last.transport,
      operation: open.operations.size === 1 ? last.operation : '*',
      target: null,
      result: 'suppressed',
      code: open.first.code,
      durationMs: 0,
      client: last.client,
      // Links the summary to the line that opened the window.
      requestId: open.first.requestId,
      suppressed: open.count,
    });
  }
}

function resultOf(call: SettledCall, code: ErrorCode | null, denied: boolean): AuditResult {
  if (call.interrupted) return 'interrupted';
  if (code === null) return call.failures > 0 ? 'partial' : 'ok';
  return denied ? 'denied' : 'failed';
}
