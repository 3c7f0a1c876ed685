import { readFileSync } from 'node:fs';

/** Where no limit can be read (no /proc): the soft limit most Unix systems start a process with. */
export const FALLBACK_OPEN_FILE_LIMIT = 1024;

/** A limit shown as "unlimited": far more connections than one process should ever hold. */
const UNLIMITED = 1_048_576;

/** Never fewer descriptors kept out of the connections' reach than this. */
const MIN_HEADROOM = 256;

/**
 * The process's soft limit on open files (RLIMIT_NOFILE) from /proc/self/limits, or undefined
 * where there is none to read. Node has no getrlimit; it raises the soft limit to the hard one at
 * start on POSIX systems, and this reads the limit after that.
 */
export function readOpenFileLimit(read: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | undefined {
  let text: string;
  try {
    text = read();
  } catch {
    return undefined;
  }
  const soft = /^Max open files\s+(\d+|unlimited)\s/m.exec(text)?.[1];
  if (soft === undefined) return undefined;
  return soft === 'unlimited' ? UNLIMITED : Number(soft);
}

export interface ConnectionBudget {
  /** Open HTTP connections at most. */
  max: number;
  /** The open-file limit the cap was derived from. */
  openFileLimit: number;
  /** MAX_CONNECTIONS asked for more than the limit leaves room for, and was lowered. */
  lowered: boolean;
}

/**
 * The connection cap: below the open-file limit by a tenth of it (at least 256), which stays free
 * for the Docker sockets (one per call in flight, one per stats or events stream), compose pipes,
 * the audit files and the listening socket. Reaching the limit itself would make accept() fail and
 * every new connection — a health probe's too — be dropped at once.
 */
export function connectionBudget(configured: number | undefined, openFileLimit = readOpenFileLimit() ?? FALLBACK_OPEN_FILE_LIMIT): ConnectionBudget {
  const headroom = Math.max(MIN_HEADROOM, Math.ceil(openFileLimit / 10));
  const ceiling = Math.max(1, openFileLimit - headroom);
  if (configured === undefined) return { max: ceiling, openFileLimit, lowered: false };
  return { max: Math.min(configured, ceiling), openFileLimit, lowered: configured > ceiling };
}
