import type { RunningProcess } from './process.js';

/** Every live compose process of every driver, for the one `exit` hook. */
const everywhere = new Set<RunningProcess>();
let hooked = false;

/**
 * On `exit` no timer fires any more and nothing can be awaited: each live tree gets SIGTERM and
 * SIGKILL at once, so no compose run outlives the manager (Electron quitting, `process.exit`).
 * A manager killed with SIGKILL runs no code at all; its compose runs end on their own.
 */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const running of everywhere) running.killNow();
  });
}

/** The compose processes one driver has started and not yet seen end. */
export class LiveProcesses {
  private readonly live = new Set<RunningProcess>();

  track(running: RunningProcess): void {
    hookExit();
    this.live.add(running);
    everywhere.add(running);
    void running.done.finally(() => {
      this.live.delete(running);
      everywhere.delete(running);
    });
  }

  /** Stops every run (SIGTERM, SIGKILL after the grace) and resolves once each has answered. */
  async close(): Promise<void> {
    const running = [...this.live];
    for (const r of running) r.stop();
    await Promise.all(running.map((r) => r.done));
  }
}
