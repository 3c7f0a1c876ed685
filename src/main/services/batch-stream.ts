import type { BatchStats, WatchBatchStatsOutput } from '../../shared/schemas/live.js';
import type { OperationContext } from '../model/context.js';
import { isShutdown } from '../model/shutdown.js';
import { sleep } from '../system/sleep.js';

/** How often a batch goes out: the daemon samples about once a second; a GUI's small charts need less. */
export const BATCH_INTERVAL_MS = 2000;

/**
 * Batch stats as a stream: the latest live samples every BATCH_INTERVAL_MS until the caller
 * leaves. Each batch keeps the collectors' demand alive, so their streams stay open while anyone
 * watches and close a linger after the last one left. A caller whose queue is full misses
 * batches rather than piling them up (the next one supersedes them); a batch that fails (a host
 * down in a single-host watch) is skipped, the stream goes on.
 */
export async function streamBatches(
  ctx: OperationContext,
  batch: () => Promise<BatchStats>,
  intervalMs: number = BATCH_INTERVAL_MS,
): Promise<WatchBatchStatsOutput> {
  let batches = 0;
  ctx.ready();
  while (!ctx.signal.aborted) {
    const started = Date.now();
    const answer = await batch().catch(() => undefined);
    if (answer && !ctx.signal.aborted && !ctx.streamFull) {
      ctx.emit(answer);
      batches++;
    }
    await sleep(Math.max(0, intervalMs - (Date.now() - started)), { signal: ctx.signal });
  }
  return { batches, reason: isShutdown(ctx.signal) ? 'shutdown' : 'cancelled' };
}
