import { extname } from 'node:path';
import { auditEntrySchema, type AuditEntry, type AuditListInput, type AuditListOutput } from '../../shared/schemas/audit.js';
import type { Logger } from '../system/logging.js';
import { AuditFile } from './audit-file.js';
import { FoldStore, foldStorePath } from './fold-store.js';
import { prepareSharedLocation, type AuditLocation } from './location.js';

/** Without a writable place the trail is kept in memory, bounded, so that audit.list still answers. */
const MEMORY_ENTRIES = 10_000;

interface Sink {
  append(line: string): void;
  /** Appends and resolves once the line would survive a crash of the machine. */
  appendDurable(line: string): Promise<void>;
  linesNewestFirst(): Iterable<string>;
  close(): void;
}

class MemorySink implements Sink {
  private readonly lines: string[] = [];

  append(line: string): void {
    this.lines.push(line);
    if (this.lines.length > MEMORY_ENTRIES) this.lines.shift();
  }

  appendDurable(line: string): Promise<void> {
    this.append(line);
    return Promise.resolve();
  }

  *linesNewestFirst(): Generator<string> {
    for (let i = this.lines.length - 1; i >= 0; i--) yield this.lines[i] as string;
  }

  close(): void {}
}

/**
 * Entries without a subject (anonymous callers, bad tokens, refused IPC senders) go to a file of
 * their own beside the trail, with its own rotation: `audit.log` → `audit.unauthenticated.log`.
 */
export function unauthenticatedPath(path: string): string {
  const ext = extname(path);
  return ext === '' ? `${path}.unauthenticated` : `${path.slice(0, -ext.length)}.unauthenticated${ext}`;
}

export interface AuditTrailOptions {
  locations: AuditLocation[];
  maxBytes: number;
  maxFiles: number;
  logger: Logger;
}

/**
 * The audit trail: one JSON line per entry, appended in completion order (so `time` ascends
 * through each file), read back newest first. Entries of known subjects and those without one
 * are kept in two files, each rotated on its own budget, so that a flood of anonymous refusals
 * can never push an authenticated control entry out. Opening never fails: each location is
 * tried in turn, with a warning, and memory is the last resort.
 */
export class AuditTrail {
  private failing = false;
  /** The time of the last entry written, in milliseconds: see `stamp`. */
  private lastMs = 0;
  /** Where the recorder keeps its fold counts across a crash; none when the trail is in memory. */
  readonly folds: FoldStore | undefined;

  private constructor(
    private readonly known: Sink,
    private readonly unauthenticated: Sink,
    /** The file in use, or null when the trail lives in memory. */
    readonly path: string | null,
    private readonly logger: Logger,
  ) {
    this.folds =
      path === null
        ? undefined
        : new FoldStore(foldStorePath(path), (err) => logger.error(`audit trail: cannot keep refusal counts on disk: ${describe(err)}`));
  }

  static open(options: AuditTrailOptions): AuditTrail {
    const { locations, logger } = options;
    for (const [index, location] of locations.entries()) {
      try {
        if (location.shared) prepareSharedLocation(location.path);
        const known = openFile(location.path, options);
        let unauthenticated: AuditFile;
        try {
          unauthenticated = openFile(unauthenticatedPath(location.path), options);
        } catch (err) {
          known.close();
          throw err;
        }
        if (index > 0) {
          logger.warn(`audit trail in ${location.path}; set AUDIT_LOG_PATH to a persistent, writable file`);
        }
        const trail = new AuditTrail(known, unauthenticated, location.path, logger);
        const recovered = trail.recoverInterrupted();
        if (recovered > 0) {
          logger.warn(`audit trail: ${recovered} control call(s) in flight when the last run ended abruptly recorded as interrupted`);
        }
        return trail;
      } catch (err) {
        logger.warn(`audit trail: cannot use ${location.path}: ${describe(err)}`);
      }
    }
    logger.error('audit trail kept in memory only (last entries, lost on exit): no writable location');
    return new AuditTrail(new MemorySink(), new MemorySink(), null, logger);
  }

  /** Never throws: a full disk must not turn an allowed call into a failed one. */
  record(entry: AuditEntry): void {
    try {
      this.sinkOf(entry).append(lineOf(this.stamp(entry)));
      this.wrote();
    } catch (err) {
      this.failed(err);
    }
  }

  /**
   * Like `record`, and resolves once the entry is on disk (fdatasync), for a control call's intent
   * before Docker is asked. Never rejects: when the disk fails, the call goes ahead all the same
   * and the failure is logged, as for any other entry.
   */
  async recordDurable(entry: AuditEntry): Promise<void> {
    try {
      await this.sinkOf(entry).appendDurable(lineOf(this.stamp(entry)));
      this.wrote();
    } catch (err) {
      this.failed(err);
    }
  }

  /**
   * Gives each entry a time later than that of every entry this process wrote before it, a
   * millisecond later on a tie: entries land in two files, and reading them back merges the files
   * by time, so two entries of the same millisecond would otherwise come back in either order.
   * The shift only grows while more than a thousand entries a second are written.
   */
  private stamp(entry: AuditEntry): AuditEntry {
    const ms = Date.parse(entry.time);
    if (ms > this.lastMs) {
      this.lastMs = ms;
      return entry;
    }
    this.lastMs += 1;
    return { ...entry, time: new Date(this.lastMs).toISOString() };
  }

  private sinkOf(entry: AuditEntry): Sink {
    return entry.sub === null ? this.unauthenticated : this.known;
  }

  private wrote(): void {
    if (this.failing) this.logger.warn('audit trail: writing works again');
    this.failing = false;
  }

  private failed(err: unknown): void {
    if (!this.failing) this.logger.error(`audit trail: write failed, entries are being lost: ${describe(err)}`);
    this.failing = true;
  }

  /**
   * Writes an `interrupted` line for every control call whose intent has no outcome: calls in
   * flight when the previous process was killed (SIGKILL, OOM, power), which could write nothing
   * then. Whether Docker did what was asked is unknown; the line says so, and links to the intent
   * by its requestId. Only the trail of known subjects holds intents (a control call has passed
   * authentication), and only its newest lines: an intent left without an outcome is among the
   * last lines of the run that wrote it. Returns how many lines were written.
   */
  recoverInterrupted(): number {
    const dangling = danglingIntents(this.known.linesNewestFirst());
    const now = new Date().toISOString();
    for (const intent of dangling.reverse()) {
      this.record({ ...intent, time: now, result: 'interrupted', code: 'SHUTTING_DOWN', durationMs: 0 });
    }
    return dangling.length;
  }

  async list(input: AuditListInput): Promise<AuditListOutput> {
    const sinceMs = input.since === undefined ? undefined : toMillis(input.since);
    const sources = [entriesOf(this.known)];
    if (input.sub === undefined) sources.push(entriesOf(this.unauthenticated));
    const entries: AuditEntry[] = [];
    const outcomes = new Set<string>();
    for (const entry of mergeNewestFirst(sources)) {
      if (sinceMs !== undefined && Date.parse(entry.time) < sinceMs) break;
      if (input.sub !== undefined && entry.sub !== input.sub) continue;
      // An intent is news only while its call runs: once its outcome follows, the outcome says it all.
      if (entry.result !== 'started') outcomes.add(entry.requestId);
      else if (outcomes.delete(entry.requestId)) continue;
      entries.push(entry);
      if (entries.length >= input.limit) break;
    }
    return { entries };
  }

  /** Syncs and closes the files; never rejects (a failure is logged). */
  async close(): Promise<void> {
    for (const sink of [this.known, this.unauthenticated]) {
      try {
        sink.close();
      } catch (err) {
        this.logger.error(`audit trail: closing failed: ${describe(err)}`);
      }
    }
  }
}

function openFile(path: string, options: AuditTrailOptions): AuditFile {
  const { logger } = options;
  return AuditFile.open(path, {
    maxBytes: options.maxBytes,
    maxFiles: options.maxFiles,
    onError: (err) => logger.error(`audit trail: flushing ${path} failed: ${describe(err)}`),
    warn: (message) => logger.warn(message),
  });
}

function lineOf(entry: AuditEntry): string {
  return `${JSON.stringify(entry)}\n`;
}

/**
 * Lines read back when looking for intents without an outcome: about two files at the default
 * size. A run's last intents sit within its last lines, since control calls are rate-limited.
 */
const RECOVERY_LINES = 100_000;

const RESULT = /"result":"(\w+)"/;
const REQUEST_ID = /"requestId":"((?:[^"\\]|\\.)*)"/;

/**
 * Intents without an outcome, newest first. Lines are matched by pattern and only the intents
 * left over are parsed: a 10 MB trail is read at every start. An outcome consumes the newest
 * intent of its requestId before it, so an id used again in a later run (IPC ids restart at 1)
 * pairs with its own intent.
 */
function danglingIntents(linesNewestFirst: Iterable<string>): AuditEntry[] {
  const outcomes = new Map<string, number>();
  const dangling: AuditEntry[] = [];
  let read = 0;
  for (const line of linesNewestFirst) {
    if (++read > RECOVERY_LINES) break;
    const result = RESULT.exec(line)?.[1];
    const requestId = REQUEST_ID.exec(line)?.[1];
    if (result === undefined || requestId === undefined) continue;
    if (result !== 'started') {
      outcomes.set(requestId, (outcomes.get(requestId) ?? 0) + 1);
      continue;
    }
    const pending = outcomes.get(requestId) ?? 0;
    if (pending > 0) {
      outcomes.set(requestId, pending - 1);
      continue;
    }
    const intent = parseLine(line);
    if (intent !== undefined) dangling.push(intent);
  }
  return dangling;
}

function* entriesOf(sink: Sink): Generator<AuditEntry> {
  for (const line of sink.linesNewestFirst()) {
    const entry = parseLine(line);
    if (entry !== undefined) yield entry;
  }
}

/** Each source is newest first already: the merge keeps that order across them. */
function* mergeNewestFirst(sources: Iterator<AuditEntry>[]): Generator<AuditEntry> {
  const heads = sources.map((source) => source.next());
  for (;;) {
    let newest = -1;
    let newestMs = -Infinity;
    for (const [i, head] of heads.entries()) {
      if (head.done) continue;
      const ms = Date.parse(head.value.time);
      if (newest < 0 || ms > newestMs) {
        newest = i;
        newestMs = ms;
      }
    }
    if (newest < 0) return;
    const head = heads[newest] as IteratorYieldResult<AuditEntry>;
    yield head.value;
    heads[newest] = (sources[newest] as Iterator<AuditEntry>).next();
  }
}

/** A line cut short by a crash, or edited by hand into something else, is skipped. */
function parseLine(line: string): AuditEntry | undefined {
  try {
    const parsed = auditEntrySchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function toMillis(value: string | number): number {
  if (typeof value === 'number') return value * 1000;
  return /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
