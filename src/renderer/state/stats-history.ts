import { useEffect, useState } from 'preact/hooks';
import type { BatchStats } from '../../shared/schemas/live.js';
import type { ClientApi } from '../client/api.js';
import { errorOf } from '../client/errors.js';

/** Five minutes of the manager's batches, one every 2 s. */
const KEEP_SAMPLES = 150;
const KEEP_SECONDS = KEEP_SAMPLES * 2;
const RETRY_MS = [1000, 2000, 5000, 10_000];

/** One container's recent figures, oldest first; times in seconds since the epoch. */
export interface Series {
  t: number[];
  cpu: number[];
  memory: number[];
}

type Listener = (series: Series) => void;

/**
 * The recent CPU and memory of every running container, fed by the manager's batch stream and
 * kept outside the component tree: a batch touches only the charts that listen for its
 * containers (the rows on screen), never the list of a thousand rows.
 */
export class StatsHistory {
  private readonly series = new Map<string, Series>();
  private readonly listeners = new Map<string, Set<Listener>>();

  get(id: string): Series | undefined {
    return this.series.get(id);
  }

  /** Calls `listener` with each new sample of `id`; returns the unsubscribe. */
  listen(id: string, listener: Listener): () => void {
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(id);
    };
  }

  add(batch: BatchStats): void {
    let newest = 0;
    const grown: [string, Series][] = [];
    for (const s of batch.stats) {
      const t = Date.parse(s.timestamp) / 1000;
      newest = Math.max(newest, t);
      let series = this.series.get(s.id);
      if (!series) this.series.set(s.id, (series = { t: [], cpu: [], memory: [] }));
      // The same sample again (no new one from the daemon since the last batch) adds no point.
      if (series.t.length > 0 && (series.t[series.t.length - 1] as number) >= t) continue;
      series.t.push(t);
      series.cpu.push(s.cpuPercent);
      series.memory.push(s.memoryUsageBytes);
      if (series.t.length > KEEP_SAMPLES) for (const a of [series.t, series.cpu, series.memory]) a.splice(0, a.length - KEEP_SAMPLES);
      grown.push([s.id, series]);
    }
    // Containers that stopped (or went away) keep their last minutes until those have passed.
    for (const [id, series] of this.series) {
      if ((series.t[series.t.length - 1] ?? 0) < newest - KEEP_SECONDS) this.series.delete(id);
    }
    for (const [id, series] of grown) for (const listener of this.listeners.get(id) ?? []) listener(series);
  }
}

/**
 * Feeds `history` from `stats.watch` on every host while `active`: a batch every 2 s, no polling.
 * A lost stream is reopened after a growing pause; the history stays meanwhile.
 */
export function useStatsStream(client: ClientApi, history: StatsHistory, active: boolean): string | undefined {
  const [problem, setProblem] = useState<string | undefined>();
  useEffect(() => {
    if (!active) return;
    let disposed = false;
    let attempt = 0;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let unsubscribe: (() => void) | undefined;
    const open = () => {
      if (disposed) return;
      unsubscribe = client.stats.watch(
        { host: '*' },
        (batch) => {
          attempt = 0;
          history.add(batch);
        },
        {
          onReady: () => setProblem(undefined),
          onEnd: (err) => {
            if (disposed) return;
            setProblem(err ? `${errorOf(err).code}: ${errorOf(err).message}` : 'the stream ended');
            retry = setTimeout(open, RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)]);
          },
        },
      );
    };
    open();
    return () => {
      disposed = true;
      clearTimeout(retry);
      unsubscribe?.();
    };
  }, [client, history, active]);
  return problem;
}
