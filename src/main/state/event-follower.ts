import type { CircuitBreaker, DockerGateway } from '../docker/gateway.js';
import { readJsonLines, unrefStream } from '../docker/json-lines.js';
import type { Logger } from '../system/logging.js';
import { sleep, waitAtMost } from '../system/sleep.js';

const FIRST_BACKOFF_MS = 200;
/** Ceiling of the backoff, for reconnecting the stream and for retrying a failed refresh alike. */
const MAX_BACKOFF_MS = 3000;

/** What one refresh reads: everything, or the ids marked since the last refresh. */
export interface Refresh {
  /** Everything: after the stream (re)connected, after a failed refresh, or when the owner marked all. */
  full: boolean;
  /** The ids marked since the last refresh; empty when `full`, which covers them. */
  ids: readonly string[];
  /** The first refresh since the stream (re)connected or a refresh failed: once it succeeds the state is served again. */
  resync: boolean;
  /** The state was served before: what this refresh reads may contradict what readers saw, events may have been missed. */
  servedBefore: boolean;
}

/** The part of a followed state that is its own: what an event marks, how a refresh reads, what it publishes. */
export interface FollowedState<R> {
  /** One value of the event stream, unchecked: the owner parses it and marks what it makes stale. */
  onEvent(value: unknown): void;
  /** Reads what `work` names from Docker and applies it; rejects when Docker did not answer (retried with backoff). */
  read(work: Refresh): Promise<R>;
  /** Tells the owner's subscribers of a refresh that succeeded; `live` already counts it. */
  publish(result: R, work: Refresh): void;
  /** An error that says following is pointless (the engine is no swarm manager): refreshes stop until the next connection. */
  unfollowable?(err: unknown): boolean;
  /** Asked after the first refresh of a connection: how long to stay disconnected instead of following, or undefined to follow. */
  standBy?(): number | undefined;
  /** The stream closed: whatever of the owner runs only while following stops. */
  disconnected?(): void;
}

export interface EventFollowerOptions {
  /** The gateway's operation name for the stream (metrics, errors). */
  operation: string;
  /** Asked of the daemon itself, so it never sends what the owner would ignore. */
  filters: Readonly<Record<string, string[]>>;
  /** The daemon's health: a hung daemon keeps the stream open but silent, so while it is down the state is not served. */
  breaker?: Pick<CircuitBreaker, 'isOpen'> | undefined;
  /** Debug-log prefixes; `reconnecting` is warned once per outage, when given. */
  logs: { unavailable: string; refreshFailed: string; reconnecting?: string };
}

/**
 * Follows one engine's `/events` stream for a state kept in memory, instead of polling: an event
 * marks what it touched dirty and starts a refresh at once; refreshes run one at a time, and
 * whatever is marked while one runs folds into the next, which batches a burst. Each time the
 * stream (re)connects the whole state is read again, since the daemon keeps no events across its
 * own restart. Until that resync has succeeded — and whenever the stream is down, a refresh
 * failed or the health probe finds the daemon down — `live` is false and readers ask Docker.
 */
export class EventFollower<R> {
  private readonly closed = new AbortController();
  private readonly ids = new Set<string>();
  private full = true;
  private streamOpen = false;
  private synced = false;
  private everSynced = false;
  private started = false;
  private draining: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;
  /** Failed refreshes in a row: the retry backs off. */
  private retries = 0;
  private liveWaiters: Array<() => void> = [];

  constructor(
    private readonly gateway: DockerGateway,
    private readonly logger: Pick<Logger, 'warn' | 'debug'>,
    private readonly options: EventFollowerOptions,
    private readonly state: FollowedState<R>,
  ) {}

  /** Connects in the background; never throws, reconnects until `close()`. Calling it again does nothing. */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.follow();
  }

  async close(): Promise<void> {
    this.closed.abort();
    clearTimeout(this.timer);
    await this.draining?.catch(() => undefined);
  }

  /** True while the state follows Docker: stream open, the last resync succeeded, daemon answering. */
  get live(): boolean {
    return this.streamOpen && this.synced && !(this.options.breaker?.isOpen() ?? false);
  }

  /** Resolves once live, or once a refresh found the engine unfollowable, or after `ms`. */
  async waitLive(ms: number): Promise<void> {
    if (this.live) return;
    let waiter: (() => void) | undefined;
    const live = new Promise<void>((resolve) => {
      waiter = resolve;
      this.liveWaiters.push(resolve);
    });
    await waitAtMost(live, ms, { ref: false });
    this.liveWaiters = this.liveWaiters.filter((w) => w !== waiter);
  }

  /** Marks one id stale; `refreshSoon` or `refreshNow` reads it. */
  mark(id: string): void {
    this.ids.add(id);
  }

  /** Marks everything stale; the ids marked so far are dropped, since a full read covers them. */
  markAll(): void {
    this.ids.clear();
    this.full = true;
  }

  /** How many ids are marked and not yet being read. */
  get marked(): number {
    return this.ids.size;
  }

  /**
   * Waits, at most `maxWaitMs`, for the marked ids and the refresh under way, so a read right
   * after a change usually sees it; past the bound the caller answers with what it has.
   */
  async settle(maxWaitMs: number): Promise<void> {
    if (!this.live || (this.ids.size === 0 && !this.draining)) return;
    await waitAtMost(this.refreshNow(), maxWaitMs);
  }

  /** Starts a refresh without waiting for it; a retry already scheduled after a failure keeps its backoff. */
  refreshSoon(): void {
    this.schedule(0);
  }

  /** Runs refreshes one at a time; resolves once everything marked before the call is read. */
  async refreshNow(): Promise<void> {
    while (this.draining) await this.draining;
    if (!this.streamOpen || (!this.full && this.ids.size === 0)) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.draining = this.drain().finally(() => {
      this.draining = null;
    });
    await this.draining;
  }

  private async follow(): Promise<void> {
    let failures = 0;
    while (!this.closed.signal.aborted) {
      const connection = new AbortController();
      const stop = () => connection.abort();
      this.closed.signal.addEventListener('abort', stop, { once: true });
      let pause: number | undefined;
      try {
        const stream = await this.gateway.openStream(
          this.options.operation,
          (abortSignal) => this.gateway.docker.getEvents({ filters: this.options.filters, abortSignal }),
          { signal: connection.signal },
        );
        unrefStream(stream);
        this.streamOpen = true;
        this.full = true;
        const ended = readJsonLines(stream, connection.signal, (value) => this.state.onEvent(value));
        await this.refreshNow();
        pause = this.state.standBy?.();
        if (pause === undefined) {
          if (this.synced) failures = 0;
          await ended;
        }
      } catch (err) {
        this.logger.debug(`${this.options.logs.unavailable}: ${messageOf(err)}`);
      } finally {
        this.streamOpen = false;
        this.synced = false;
        this.state.disconnected?.();
        connection.abort();
        this.closed.signal.removeEventListener('abort', stop);
      }
      if (this.closed.signal.aborted) break;
      let wait = pause;
      if (wait === undefined) {
        wait = backoff(failures++);
        if (failures === 1 && this.options.logs.reconnecting) this.logger.warn(this.options.logs.reconnecting);
      }
      await sleep(wait, { signal: this.closed.signal, ref: false });
    }
  }

  private schedule(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refreshNow();
    }, ms);
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    while (this.streamOpen && !this.closed.signal.aborted && (this.full || this.ids.size > 0)) {
      const work: Refresh = {
        full: this.full,
        ids: this.full ? [] : [...this.ids],
        resync: !this.synced,
        servedBefore: this.everSynced,
      };
      this.full = false;
      this.ids.clear();
      let result: R;
      try {
        result = await this.state.read(work);
      } catch (err) {
        this.synced = false;
        if (this.state.unfollowable?.(err)) {
          this.streamOpen = false;
          // Whoever waits for the state hears at once that it will not come.
          this.wakeWaiters();
          return;
        }
        // A failed refresh leaves the state unreliable: it is not served until a resync succeeds.
        this.full = true;
        this.logger.debug(`${this.options.logs.refreshFailed}: ${messageOf(err)}`);
        this.schedule(backoff(this.retries++));
        return;
      }
      this.retries = 0;
      if (work.resync) {
        this.synced = true;
        this.everSynced = true;
        this.wakeWaiters();
      }
      this.state.publish(result, work);
    }
  }

  private wakeWaiters(): void {
    for (const wake of this.liveWaiters.splice(0)) wake();
  }
}

/** Doubles from FIRST_BACKOFF_MS up to MAX_BACKOFF_MS, jittered down to half so engines' followers spread out. */
function backoff(attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** attempt) * (0.5 + Math.random() / 2);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
