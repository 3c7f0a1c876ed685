import { extname } from 'node:path';
import { auditEntrySchema, type AuditEntry, type AuditListInput, type AuditListOutput } from '../../shared/schemas/audit.js';
import type { Logger } from '../system/logging.js';
import { AuditFile } from './audit-file.js';
import { prepareSharedLocation, type AuditLocation } from './location.js';

/** Without a writable place the trail is kept in memory, bounded, so that audit.list still answers. */
const MEMORY_ENTRIES = 10_000;

interface Sink {
  append(line: string): void;
  linesNewestFirst(): Iterable<string>;
  close(): void;
}

class MemorySink implements Sink {
  private readonly lines: string[] = [];

  append(line: string): void {
    this.lines.push(line);
    if (this.lines.length > MEMORY_ENTRIES) this.lines.shift();
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

  private constructor(
    private readonly known: Sink,
    private readonly unauthenticated: Sink,
    /** The file in use, or null when the trail lives in memory. */
    readonly path: string | null,
    private readonly logger: Logger,
  ) {}

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
        return new AuditTrail(known, unauthenticated, location.path, logger);
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
      (entry.sub === null ? this.unauthenticated : this.known).append(`${JSON.stringify(entry)}\n`);
      if (this.failing) this.logger.warn('audit trail: writing works again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.logger.error(`audit trail: write failed, entries are being lost: ${describe(err)}`);
      this.failing = true;
    }
  }

  async list(input: AuditListInput): Promise<AuditListOutput> {
    const sinceMs = input.since === undefined ? undefined : toMillis(input.since);
    const sources = [entriesOf(this.known)];
    if (input.sub === undefined) sources.push(entriesOf(this.unauthenticated));
    const entries: AuditEntry[] = [];
    for (const entry of mergeNewestFirst(sources)) {
      if (sinceMs !== undefined && Date.parse(entry.time) < sinceMs) break;
      if (input.sub !== undefined && entry.sub !== input.sub) continue;
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
