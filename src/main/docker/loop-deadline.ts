/** The longest a single tick may count: a stalled loop's late tick is worth no more than this. */
const TICK_MS = 100;

/**
 * A deadline that counts only time the event loop was free to serve the request it guards. A
 * timer fires late when the loop was blocked (a long synchronous job, a GC pause): measured by
 * the wall clock, the request would seem to have waited the whole stall, although its answer may
 * lie unread in the socket. Here time passes in ticks of TICK_MS, each counting at most twice
 * its length, so a 3 s stall costs the deadline 0.2 s, and the daemon is timed, not the loop.
 */
export class LoopTimeDeadline {
  private spent = 0;
  private last = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private done = false;

  constructor(
    private budgetMs: number,
    private readonly onExpire: () => void,
  ) {
    this.arm();
  }

  /** Shortens what is left to at most `ms` (never lengthens it). */
  tighten(ms: number): void {
    this.budgetMs = Math.min(this.budgetMs, this.spent + ms);
  }

  cancel(): void {
    this.done = true;
    clearTimeout(this.timer);
  }

  private arm(): void {
    this.timer = setTimeout(() => this.tick(), Math.max(1, Math.min(TICK_MS, this.budgetMs - this.spent)));
  }

  private tick(): void {
    if (this.done) return;
    const now = performance.now();
    this.spent += Math.min(now - this.last, 2 * TICK_MS);
    this.last = now;
    if (this.spent >= this.budgetMs) {
      this.done = true;
      this.onExpire();
      return;
    }
    this.arm();
  }
}
