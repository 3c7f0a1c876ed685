import { auditEntrySchema, type AuditEntry, type AuditListInput, type AuditListOutput } from '../../shared/schemas/audit.js';
import type { Logger } from '../logging.js';
import { AuditFile } from './audit-file.js';
import { prepareOwnDirectory, type AuditLocation } from './location.js';

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

export interface AuditTrailOptions {
  locations: AuditLocation[];
  maxBytes: number;
  maxFiles: number;
  logger: Logger;
}

/**
 * The audit trail: one JSON line per entry, appended in completion order (so `time` ascends
 * through the file), read back newest first. Opening never fails: each location is tried in
 * turn, with a warning, and memory is the last resort.
 */
export class AuditTrail {
  private failing = false;

  private constructor(
    private readonly sink: Sink,
    /** The file in use, or null when the trail lives in memory. */
    readonly path: string | null,
    private readonly logger: Logger,
  ) {}

  static open(options: AuditTrailOptions): AuditTrail {
    const { locations, logger } = options;
    for (const [index, location] of locations.entries()) {
      try {
        if (location.shared) prepareOwnDirectory(location.path);
        const file = AuditFile.open(location.path, {
          maxBytes: options.maxBytes,
          maxFiles: options.maxFiles,
          onError: (err) => logger.error(`audit trail: flushing ${location.path} failed: ${describe(err)}`),
        });
        if (index > 0) {
          logger.warn(`audit trail in ${location.path}; set AUDIT_LOG_PATH to a persistent, writable file`);
        }
        return new AuditTrail(file, location.path, logger);
      } catch (err) {
        logger.warn(`audit trail: cannot use ${location.path}: ${describe(err)}`);
      }
    }
    logger.error('audit trail kept in memory only (last entries, lost on exit): no writable location');
    return new AuditTrail(new MemorySink(), null, logger);
  }

  /** Never throws: a full disk must not turn an allowed call into a failed one. */
  record(entry: AuditEntry): void {
    try {
      this.sink.append(`${JSON.stringify(entry)}\n`);
      if (this.failing) this.logger.warn('audit trail: writing works again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.logger.error(`audit trail: write failed, entries are being lost: ${describe(err)}`);
      this.failing = true;
    }
  }

  async list(input: AuditListInput): Promise<AuditListOutput> {
    const sinceMs = input.since === undefined ? undefined : toMillis(input.since);
    const entries: AuditEntry[] = [];
    for (const line of this.sink.linesNewestFirst()) {
      const entry = parseLine(line);
      if (entry === undefined) continue;
      if (sinceMs !== undefined && Date.parse(entry.time) < sinceMs) break;
      if (input.sub !== undefined && entry.sub !== input.sub) continue;
      entries.push(entry);
      if (entries.length >= input.limit) break;
    }
    return { entries };
  }

  close(): void {
    try {
      this.sink.close();
    } catch (err) {
      this.logger.error(`audit trail: closing failed: ${describe(err)}`);
    }
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
