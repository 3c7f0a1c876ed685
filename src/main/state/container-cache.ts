import pLimit from 'p-limit';
import { z } from 'zod';
import { isLucidError } from '../../shared/errors.js';
import type { ContainerState } from '../../shared/schemas/containers.js';
import type { ContainerAction, LiveEvent } from '../../shared/schemas/live.js';
import { parseAnswer, rawContainerInspectSchema, type RawContainerInspect } from '../docker/answers.js';
import { toState } from '../docker/container-state.js';
import { actionOf, EVENT_FILTERS, eventTime, rawEventSchema } from '../docker/events.js';
import type { CircuitBreaker, DockerGateway } from '../docker/gateway.js';
import { readJsonLines, unrefStream } from '../docker/json-lines.js';
import type { Placement } from '../model/container-mapping.js';
import type { Logger } from '../system/logging.js';
import { sleep, waitAtMost } from '../system/sleep.js';
import { summaryFromInspect } from './render.js';

const listedIdsSchema = z.array(z.object({ Id: z.string() }));

export interface ContainerCacheOptions {
  /** The host, and group membership for the `group` of events. */
  place?: Placement;
  /**
   * The daemon's health. A hung daemon keeps the event stream open but silent, so while the
   * health probe finds it down the snapshot is not served: readers then get Docker's 503 like
   * every other call, instead of a list that claims a daemon nobody can reach.
   */
  breaker?: Pick<CircuitBreaker, 'isOpen'>;
}

interface PendingEvent {
  action: ContainerAction;
  id: string;
  time: string;
  /** What the snapshot knew before the change: a removed container's name and group come from here. */
  prior: RawContainerInspect | undefined;
  attributes: Record<string, string>;
}

/** A burst larger than this is answered with a full resync rather than one inspect per id. */
const MAX_DIRTY = 2000;
/** Events held back until the snapshot has taken them in; past this they go out at once. */
const MAX_PENDING = 10_000;
const FIRST_BACKOFF_MS = 200;
/** Ceiling of the reconnect backoff after the event stream dropped. */
const MAX_BACKOFF_MS = 3000;
/** Parallel inspects during a refresh or a full resync. */
const INSPECT_CONCURRENCY = 8;
/** The longest a read waits for a change the snapshot has heard of but not applied yet. */
const SETTLE_MS = 200;

/**
 * An in-memory snapshot of every container, kept current by Docker's event stream instead of
 * polling. An event marks its container dirty and starts a refresh at once (inspect of the dirty
 * containers); events arriving while one runs are folded into the next, which batches a burst.
 * Each time the stream (re)connects, the whole snapshot
 * is rebuilt, since the daemon keeps no events across its own restart. Until that resync has
 * succeeded — and whenever the stream is down — `live` is false and readers ask Docker directly.
 *
 * Memory: one parsed inspect per container, a name index, and bounded dirty / pending sets.
 */
export class ContainerCache {
  private readonly records = new Map<string, RawContainerInspect>();
  private readonly byName = new Map<string, string>();
  private readonly listeners = new Set<(event: LiveEvent) => void>();
  private readonly changeListeners = new Set<() => void>();
  private liveWaiters: Array<() => void> = [];
  private readonly closed = new AbortController();
  private readonly place: Placement;
  private readonly breaker: Pick<CircuitBreaker, 'isOpen'> | undefined;

  private dirty = new Set<string>();
  private needFull = true;
  private pending: PendingEvent[] = [];
  private draining: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;
  private streamOpen = false;
  private synced = false;
  private everSynced = false;
  private retries = 0;
  private changes = 0;

  constructor(
    private readonly gateway: DockerGateway,
    private readonly logger: Pick<Logger, 'warn' | 'info' | 'debug'>,
    options: ContainerCacheOptions = {},
  ) {
    this.place = options.place ?? { host: 'local', groupOf: () => null };
    this.breaker = options.breaker;
  }

  /** Connects in the background; never throws, reconnects until `close()`. */
  start(): void {
    void this.connectLoop();
  }

  async close(): Promise<void> {
    this.closed.abort();
    clearTimeout(this.timer);
    this.listeners.clear();
    this.changeListeners.clear();
    await this.draining?.catch(() => undefined);
  }

  /** True while the snapshot follows Docker: stream open, the last resync succeeded, daemon answering. */
  get live(): boolean {
    return this.streamOpen && this.synced && !(this.breaker?.isOpen() ?? false);
  }

  /** Grows by one for every refresh that changed something; answers cached per version stay valid. */
  get version(): number {
    return this.changes;
  }

  all(): IterableIterator<RawContainerInspect> {
    return this.records.values();
  }

  /** How many containers are in each state, as the list would map them. */
  countByState(): Partial<Record<ContainerState, number>> {
    const counts: Partial<Record<ContainerState, number>> = {};
    for (const raw of this.records.values()) {
      const state = toState(raw.State.Status);
      counts[state] = (counts[state] ?? 0) + 1;
    }
    return counts;
  }

  running(): RawContainerInspect[] {
    return [...this.records.values()].filter((r) => r.State.Status === 'running');
  }

  /** A full id or an exact name; prefixes are left to Docker, whose rules for them are subtle. */
  lookup(ref: string): RawContainerInspect | undefined {
    const byId = this.records.get(ref);
    if (byId) return byId;
    const id = this.byName.get(ref);
    return id === undefined ? undefined : this.records.get(id);
  }

  /** Resolves true once the snapshot is live, or false after `ms` (Docker down, first sync slow). */
  async waitLive(ms: number): Promise<boolean> {
    if (this.live) return true;
    let waiter: (() => void) | undefined;
    const live = new Promise<void>((resolve) => {
      waiter = resolve;
      this.liveWaiters.push(resolve);
    });
    await waitAtMost(live, ms, { ref: false });
    this.liveWaiters = this.liveWaiters.filter((w) => w !== waiter);
    return this.live;
  }

  /**
   * Waits, at most `maxWaitMs`, for changes the snapshot has heard of but not applied yet, so a
   * read right after a change usually sees it; past the bound it answers with what it has.
   */
  async settle(maxWaitMs = SETTLE_MS): Promise<void> {
    if (!this.live || (this.dirty.size === 0 && !this.draining)) return;
    await waitAtMost(this.kick(), maxWaitMs);
  }

  /** Re-inspects one container now: the manager's own changes are visible as soon as they return. */
  async refresh(id: string): Promise<void> {
    if (!this.live) return;
    this.dirty.add(id);
    await this.kick();
  }

  /** Receives every container event once the snapshot reflects it, and a `resync` after a reconnect. */
  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called after every refresh that changed the snapshot. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private async connectLoop(): Promise<void> {
    let failures = 0;
    while (!this.closed.signal.aborted) {
      const connection = new AbortController();
      const stop = () => connection.abort();
      this.closed.signal.addEventListener('abort', stop, { once: true });
      try {
        const stream = await this.gateway.openStream(
          'events.stream',
          (abortSignal) => this.gateway.docker.getEvents({ filters: EVENT_FILTERS, abortSignal }),
          { signal: connection.signal },
        );
        unrefStream(stream);
        this.streamOpen = true;
        this.needFull = true;
        const ended = readJsonLines(stream, connection.signal, (value) => this.onRawEvent(value));
        await this.kick();
        if (this.synced) failures = 0;
        await ended;
      } catch (err) {
        this.logger.debug(`Docker event stream unavailable: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        this.streamOpen = false;
        this.synced = false;
        connection.abort();
        this.closed.signal.removeEventListener('abort', stop);
      }
      if (this.closed.signal.aborted) break;
      const wait = this.backoff(failures++);
      if (failures === 1) this.logger.warn(`Docker event stream closed; reconnecting (snapshot paused)`);
      await sleep(wait, { signal: this.closed.signal, ref: false });
    }
  }

  private backoff(attempt: number): number {
    const base = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** attempt);
    return base * (0.5 + Math.random() / 2);
  }

  private onRawEvent(value: unknown): void {
    const parsed = rawEventSchema.safeParse(value);
    if (!parsed.success) return;
    const action = actionOf(parsed.data);
    if (action === null) return;
    const id = parsed.data.Actor.ID;
    this.pending.push({
      action,
      id,
      time: eventTime(parsed.data),
      prior: this.records.get(id),
      attributes: parsed.data.Actor.Attributes ?? {},
    });
    if (this.pending.length > MAX_PENDING) this.emit(this.takePending());
    this.dirty.add(id);
    if (this.dirty.size > MAX_DIRTY) {
      this.dirty.clear();
      this.needFull = true;
    }
    // No fixed delay: the refresh starts at once and a burst folds into the next one.
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.kick();
    }, ms);
    this.timer.unref();
  }

  /** Runs refreshes one at a time; resolves once everything marked before the call is refreshed. */
  private async kick(): Promise<void> {
    while (this.draining) await this.draining;
    if (!this.streamOpen || (!this.needFull && this.dirty.size === 0)) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.draining = this.drain().finally(() => {
      this.draining = null;
    });
    await this.draining;
  }

  private takePending(): PendingEvent[] {
    const batch = this.pending;
    this.pending = [];
    return batch;
  }

  private async drain(): Promise<void> {
    while (this.streamOpen && !this.closed.signal.aborted && (this.needFull || this.dirty.size > 0)) {
      const full = this.needFull;
      const ids = [...this.dirty];
      this.needFull = false;
      this.dirty.clear();
      const batch = this.takePending();
      let changed: boolean;
      try {
        changed = full ? await this.resyncAll() : await this.refreshIds(ids);
      } catch (err) {
        // A failed refresh leaves the snapshot unreliable: stop serving it until a resync succeeds.
        this.synced = false;
        this.needFull = true;
        this.emit(batch);
        this.logger.debug(`snapshot refresh failed: ${err instanceof Error ? err.message : String(err)}`);
        this.schedule(this.backoff(this.retries++));
        return;
      }
      this.retries = 0;
      if (changed) this.changes++;
      this.emit(batch);
      if (full) {
        if (this.everSynced) this.broadcast({ type: 'resync', host: this.place.host, time: new Date().toISOString(), total: this.records.size });
        this.everSynced = true;
        this.synced = true;
        for (const wake of this.liveWaiters.splice(0)) wake();
      }
      if (changed) for (const listener of this.changeListeners) listener();
    }
  }

  private async inspect(id: string): Promise<RawContainerInspect | null> {
    try {
      const raw = await this.gateway.call(
        'containers.inspect',
        (abortSignal) => this.gateway.docker.getContainer(id).inspect({ abortSignal }),
        { idempotent: true, notFound: 'CONTAINER_NOT_FOUND', what: 'container' },
      );
      return parseAnswer(rawContainerInspectSchema, raw);
    } catch (err) {
      if (isLucidError(err) && err.code === 'CONTAINER_NOT_FOUND') return null;
      throw err;
    }
  }

  private async refreshIds(ids: string[]): Promise<boolean> {
    const fresh = await pLimit(INSPECT_CONCURRENCY).map(ids, (id) => this.inspect(id));
    let changed = false;
    ids.forEach((id, i) => {
      changed = this.apply(id, fresh[i] ?? null) || changed;
    });
    return changed;
  }

  private async resyncAll(): Promise<boolean> {
    const listed = await this.gateway.call(
      'containers.list',
      (abortSignal) => this.gateway.docker.listContainers({ all: true, abortSignal }),
      { idempotent: true },
    );
    const ids = parseAnswer(listedIdsSchema, listed).map((c) => c.Id);
    const fresh = await pLimit(INSPECT_CONCURRENCY).map(ids, (id) => this.inspect(id));
    const seen = new Set(ids);
    let changed = false;
    for (const id of [...this.records.keys()]) {
      if (!seen.has(id)) changed = this.apply(id, null) || changed;
    }
    ids.forEach((id, i) => {
      changed = this.apply(id, fresh[i] ?? null) || changed;
    });
    return changed;
  }

  private apply(id: string, raw: RawContainerInspect | null): boolean {
    const old = this.records.get(id);
    const oldName = old?.Name;
    if (oldName !== undefined && this.byName.get(oldName) === id) this.byName.delete(oldName);
    if (raw === null) {
      this.records.delete(id);
      return old !== undefined;
    }
    this.records.set(id, raw);
    this.byName.set(raw.Name, id);
    return old === undefined || JSON.stringify(old) !== JSON.stringify(raw);
  }

  private emit(batch: PendingEvent[]): void {
    if (batch.length === 0 || this.listeners.size === 0) return;
    const now = Date.now();
    for (const pending of batch) {
      const current = this.records.get(pending.id);
      const known = current ?? pending.prior;
      const summary = current ? summaryFromInspect(current, this.place, now) : null;
      const name = known?.Name ?? pending.attributes['name'] ?? '';
      // A container gone before it was ever inspected still has its labels in the event.
      const labels = known?.Config.Labels ?? pending.attributes;
      this.broadcast({
        type: 'container',
        host: this.place.host,
        action: pending.action,
        id: pending.id,
        name,
        group: summary?.group ?? this.place.groupOf({ name, labels, host: this.place.host }),
        time: pending.time,
        container: summary,
      });
    }
  }

  private broadcast(event: LiveEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.logger.warn(`event listener failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}
