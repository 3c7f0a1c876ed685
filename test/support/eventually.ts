/**
 * Retries `probe` until it returns a value other than undefined, or fails after `ms`. For reads
 * through the snapshot: a change made behind the manager's back (docker CLI, dockerode in a test)
 * shows within a second, not at once.
 */
export async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, ms = 1000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
