import { sleep } from './sleep.js';

/**
 * Retries `probe` until it returns a value other than undefined, or fails after `ms`. For reads
 * through the snapshot: a change made behind the manager's back (docker CLI, dockerode in a test)
 * shows within a second, not at once.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  ms = 1000,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(everyMs);
  }
}

/** Waits until `check` holds, or fails after `ms`; resolves with how long it took. */
export async function waitFor(what: string, ms: number, check: () => Promise<boolean> | boolean, everyMs = 100): Promise<number> {
  const started = Date.now();
  await eventually(async () => ((await check()) ? true : undefined), what, ms, everyMs);
  return Date.now() - started;
}
