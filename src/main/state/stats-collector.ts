import { LucidError } from '../../shared/errors.js';
import type { ContainerStats } from '../../shared/schemas/containers.js';
import type { BatchStats } from '../../shared/schemas/live.js';
import type { RawContainerInspect } from '../docker/answers.js';
import type { DockerGateway } from '../docker/gateway.js';
import { destroyStream, readJsonLines, unrefStream } from '../docker/json-lines.js';
import { isEmptyFrame, openStatsStream, previousSample, statsFrameSchema, statsOfFrame } from '../docker/stats-stream.js';
import type { Placement } from '../model/container-mapping.js';
import { waitAtMost } from '../system/sleep.js';
import type { ContainerCache } from './container-cache.js';

/** How long a cold batch request waits for first samples; the daemon's second frame comes after ~2 s. */
const COLD_WAIT_MS = 2500;

/** One container's `stats?stream=true`, keeping only its latest sample. */
class StatsFeed {
  latest: ContainerStats | undefined;
  readonly ready: Promise<void>;
  /** Settles once the Docker stream is closed. */
  readonly ended: Promise<void>;
  private readonly controller = new AbortController();
  private markReady: () => void = () => {};

  constructor(gateway: DockerGateway, container: { id: string; name: string; host: string; startedAt: number }, onEnd: () => void) {
    this.ready = new Promise((resolve) => {
      this.markReady = resolve;
    });
    this.ended = this.run(gateway, container).finally(() => {
      this.markReady();
      onEnd();
    });
  }

  private async run(gateway: DockerGateway, container: { id: string; name: string; host: string; startedAt: number }): Promise<void> {
    const signal = this.controller.signal;
    let stream: NodeJS.ReadableStream;
    try {
      stream = await openStatsStream(gateway, container.id, signal);
    } catch {
      return;
    }
    unrefStream(stream);
    await readJsonLines(stream, signal, (value) => {
      const frame = statsFrameSchema.safeParse(value);
      if (!frame.success) return;
      if (isEmptyFrame(frame.data)) {
        destroyStream(stream);
        return;
      }
      this.latest = statsOfFrame(frame.data, container);
      if (previousSample(frame.data)) this.markReady();
    });
  }

  close(): void {
    this.controller.abort();
  }
}

/**
 * Batch stats from live samples. Docker has no "stats of everything" call, and a one-off sample
 * costs a collection cycle per container, so while there is demand the collector keeps one stats
 * stream per running container in scope and answers from the latest frames. Demand is a batch
 * request in the last `lingerMs`; after that every stream is closed and nothing runs at all.
 */
export class StatsCollector {
  private readonly feeds = new Map<string, StatsFeed>();
  /** Group (or `*` for all) → until when someone wants its containers sampled. */
  private readonly demand = new Map<string, number>();
  private expiry: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly gateway: DockerGateway,
    private readonly cache: ContainerCache,
    private readonly lingerMs: number,
    private readonly place: Placement,
  ) {}

  /** Open stats streams to the daemon (0 when nobody asked lately). */
  get openFeeds(): number {
    return this.feeds.size;
  }

  async batch(group: string | undefined): Promise<Omit<BatchStats, 'hosts'>> {
    if (!(await this.cache.waitLive(COLD_WAIT_MS))) {
      throw new LucidError('DOCKER_UNAVAILABLE', 'the container state is not available (Docker unreachable)');
    }
    await this.cache.settle();
    this.want(group ?? '*');
    const inScope = this.inScope().filter((raw) => group === undefined || this.groupOf(raw) === group);
    const feeds = inScope.flatMap((raw) => this.feeds.get(raw.Id) ?? []);
    await waitAtMost(Promise.all(feeds.map((feed) => feed.ready)), COLD_WAIT_MS);
    // The linger counts from the answer, not from the question: a cold answer takes seconds.
    this.demand.set(group ?? '*', Date.now() + this.lingerMs);
    const stats = feeds.flatMap((feed) => feed.latest ?? []);
    return { stats, running: inScope.length };
  }

  /** Drops all demand and resolves once every stats stream is closed. */
  async close(): Promise<void> {
    clearTimeout(this.expiry);
    this.expiry = undefined;
    this.demand.clear();
    const open = [...this.feeds.values()];
    this.sync();
    await Promise.all(open.map((feed) => feed.ended));
  }

  private want(key: string): void {
    // Covers the wait for first samples too; the answer sets the linger proper.
    this.demand.set(key, Date.now() + COLD_WAIT_MS + this.lingerMs);
    this.unsubscribe ??= this.cache.onChange(() => this.sync());
    this.sync();
    this.scheduleExpiry();
  }

  private scheduleExpiry(): void {
    if (this.expiry) return;
    const next = Math.min(...this.demand.values());
    this.expiry = setTimeout(() => {
      this.expiry = undefined;
      const now = Date.now();
      for (const [key, until] of this.demand) if (until <= now) this.demand.delete(key);
      this.sync();
      if (this.demand.size > 0) this.scheduleExpiry();
    }, Math.max(0, next - Date.now()));
    this.expiry.unref();
  }

  private groupOf(raw: RawContainerInspect): string | null {
    return this.place.groupOf({ name: raw.Name, labels: raw.Config.Labels ?? {}, host: this.place.host });
  }

  /** Running containers some current demand covers. */
  private inScope(): RawContainerInspect[] {
    if (this.demand.size === 0) return [];
    const everything = this.demand.has('*');
    return this.cache.running().filter((raw) => everything || this.demand.has(this.groupOf(raw) ?? ''));
  }

  /** Opens a feed per container in scope and closes the rest; with no demand, closes everything. */
  private sync(): void {
    const wanted = new Map(this.inScope().map((raw) => [raw.Id, raw]));
    for (const [id, feed] of this.feeds) {
      if (!wanted.has(id)) {
        feed.close();
        this.feeds.delete(id);
      }
    }
    for (const [id, raw] of wanted) {
      if (this.feeds.has(id)) continue;
      const container = { id, name: raw.Name, host: this.place.host, startedAt: Date.parse(raw.State.StartedAt ?? '') };
      const feed: StatsFeed = new StatsFeed(this.gateway, container, () => {
        if (this.feeds.get(id) === feed) this.feeds.delete(id);
      });
      this.feeds.set(id, feed);
    }
    if (this.demand.size === 0) {
      this.unsubscribe?.();
      this.unsubscribe = undefined;
    }
  }
}
