import { LucidError } from '../../shared/errors.js';

/** `details` of a LOG_READS_BUSY refusal. */
export interface ReadBudgetDetails {
  /** Bytes all log reads in flight may hold together (LOG_READS_MAX_BYTES). */
  limitBytes: number;
  /** Reads that were already waiting for room. */
  waiting: number;
}

interface Waiter {
  bytes: number;
  grant: () => void;
}

/**
 * The bytes all log reads in flight may hold together, taken by each read at its own limit before
 * it starts and given back when it ends: a set of reads, however many, never holds more than the
 * total. At most `maxInFlight` reads run at once as well: each decodes all the daemon sends for
 * it (a `tail` of 16 KB lines is megabytes), and a burst of them at once (a page opening 32
 * followers) stalls the event loop for everyone. A read that cannot start waits, first come first
 * served, up to `maxWaiting` reads and at most `maxWaitMs`; past either it is refused with
 * LOG_READS_BUSY (503), which says to retry.
 */
export class ReadBudget {
  private used = 0;
  private inFlight = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    readonly totalBytes: number,
    private readonly maxWaiting: number,
    private readonly maxWaitMs: number,
    private readonly maxInFlight: number,
  ) {}

  /** Bytes taken by reads in flight now. */
  get inUse(): number {
    return this.used;
  }

  /** Reads waiting for room now. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Takes `bytes` (at most the whole budget) for one read; resolves to the function that gives them back. */
  take(bytes: number, signal: AbortSignal): Promise<() => void> {
    const wanted = Math.min(bytes, this.totalBytes);
    if (this.waiters.length === 0 && this.fits(wanted)) return Promise.resolve(this.grant(wanted));
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.waiters.length >= this.maxWaiting) return Promise.reject(this.busy());
    return new Promise((resolve, reject) => {
      const leave = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
      };
      const waiter: Waiter = {
        bytes: wanted,
        grant: () => {
          leave();
          resolve(this.grant(wanted));
        },
      };
      const timer = setTimeout(() => {
        leave();
        reject(this.busy());
      }, this.maxWaitMs);
      const onAbort = () => {
        leave();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private busy(): LucidError {
    const details: ReadBudgetDetails = { limitBytes: this.totalBytes, waiting: this.waiters.length };
    return new LucidError('LOG_READS_BUSY', 'too many log reads in flight; retry shortly', details);
  }

  /** Counted the moment it is granted, so the next read sees the room as taken. */
  private grant(bytes: number): () => void {
    this.used += bytes;
    this.inFlight += 1;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.used -= bytes;
      this.inFlight -= 1;
      this.wake();
    };
  }

  private fits(bytes: number): boolean {
    return this.inFlight < this.maxInFlight && this.used + bytes <= this.totalBytes;
  }

  /** Lets waiting reads in, in order, while the first of them fits. */
  private wake(): void {
    for (let first = this.waiters[0]; first !== undefined && this.fits(first.bytes); first = this.waiters[0]) {
      first.grant();
    }
  }
}
