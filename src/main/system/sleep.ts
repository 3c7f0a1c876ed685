import { setTimeout as delay } from 'node:timers/promises';

export interface SleepOptions {
  /** Ends the wait early; the promise then resolves, so callers re-check their own state. */
  signal?: AbortSignal;
  /** false: the timer alone does not keep the process alive (background loops). */
  ref?: boolean;
}

/** Waits `ms`, or less when `signal` aborts; never rejects because of the abort. */
export async function sleep(ms: number, options: SleepOptions = {}): Promise<void> {
  try {
    await delay(ms, undefined, options);
  } catch (err) {
    if (!options.signal?.aborted) throw err;
  }
}

/** Waits for `work` or `ms`, whichever ends first, and leaves no timer behind; `work`'s rejection passes through. */
export async function waitAtMost(work: Promise<unknown>, ms: number, options: Omit<SleepOptions, 'signal'> = {}): Promise<void> {
  const done = new AbortController();
  try {
    await Promise.race([work, sleep(ms, { ...options, signal: done.signal })]);
  } finally {
    done.abort();
  }
}
