import pLimit from 'p-limit';
import { z } from 'zod';
import { isLucidError } from '../../shared/errors.js';
import type { ContainerState } from '../../shared/schemas/containers.js';
import type { ContainerAction, LiveEvent } from '../../shared/schemas/live.js';
import { parseAnswer, rawContainerInspectSchema, type RawContainerInspect } from '../docker/answers.js';
import { toState } from '../docker/container-state.js';
import { actionOf, EVENT_FILTERS, eventTime, rawEventSchema } from '../docker/events.js';
import type { CircuitBreaker, DockerGateway } from '../docker/gateway.js';
import type { Placement } from '../model/container-mapping.js';
import type { Logger } from '../system/logging.js';
import { EventFollower, type Refresh } from './event-follower.js';
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
/** Parallel inspects during a refresh or a full resync. */
const INSPECT_CONCURRENCY = 8;
/** The longest a read waits for a change the snapshot has heard of but not applied yet. */
const SETTLE_MS = 200;

/** What a refresh read: whether the snapshot changed, and the events it answers. */
interface Applied {
  changed: boolean;
  batch: PendingEvent[];
}

/**
 * An in-memory snapshot of every container, kept current by Docker's event stream (an
 * EventFollower: refreshes one at a time, a full resync after every reconnect). An event marks its
 * container dirty; a refresh inspects the dirty containers, and a full one lists and inspects all.
 * Events go to subscribers once the snapshot reflects them, and a `resync` after a full re-read
 * that follows an earlier one: after a reconnect, events may have been missed.
 *
 * Memory: one parsed inspect per container, a name index, and bounded dirty / pending sets.
 */
export class ContainerCache {
  private readonly records = new Map<string, RawContainerInspect>();
  private readonly byName = new Map<string, string>();
  private readonly listeners = new Set<(event: LiveEvent) => void>();
  private readonly changeListeners = new Set<() => void>();
  private readonly place: Placement;
  private readonly follower: EventFollower<Applied>;

  private pending: PendingEvent[] = [];
  private changes = 0;

  constructor(
    private readonly gateway: DockerGateway,
    private readonly logger: Pick<Logger, 'warn' | 'info' | 'debug'>,
    options: ContainerCacheOptions = {},
  ) {
    this.place = options.place ?? { host: 'local', groupOf: () => null };
    this.follower = new EventFollower(
      gateway,
      logger,
      {
        operation: 'events.stream',
        filters: EVENT_FILTERS,
        breaker: options.breaker,
        logs: {
          unavailable: 'Docker event stream unavailable',
          refreshFailed: 'snapshot refresh failed',
          reconnecting: 'Docker event stream closed; reconnecting (snapshot paused)',
        },
      },
      {
        onEvent: (value) => this.onRawEvent(value),
        read: (work) => this.read(work),
        publish: (applied, work) => this.publish(applied, work),
      },
    );
  }

  /** Connects in the background; never throws, reconnects until `close()`. */
  start(): void {
    this.follower.start();
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.changeListeners.clear();
    await this.follower.close();
  }

  /** True while the snapshot follows Docker: stream open, the last resync succeeded, daemon answering. */
  get live(): boolean {
    return this.follower.live;
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
    await this.follower.waitLive(ms);
    return this.live;
  }

  /**
   * Waits, at most `maxWaitMs`, for changes the snapshot has heard of but not applied yet, so a
   * read right after a change usually sees it; past the bound it answers with what it has.
   */
  async settle(maxWaitMs = SETTLE_MS): Promise<void> {
    await this.follower.settle(maxWaitMs);
  }

  /** Re-inspects one container now: the manager's own changes are visible as soon as they return. */
  async refresh(id: string): Promise<void> {
    if (!this.live) return;
    this.follower.mark(id);
    await this.follower.refreshNow();
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
    this.follower.mark(id);
    if (this.follower.marked > MAX_DIRTY) this.follower.markAll();
    // No fixed delay: the refresh starts at once and a burst folds into the next one.
    this.follower.refreshSoon();
  }

  private takePending(): PendingEvent[] {
    const batch = this.pending;
    this.pending = [];
    return batch;
  }

  /** The events heard so far are answered by this refresh, or go out at once if it fails. */
  private async read(work: Refresh): Promise<Applied> {
    const batch = this.takePending();
    try {
      const changed = work.full ? await this.resyncAll() : await this.refreshIds(work.ids);
      if (changed) this.changes++;
      return { changed, batch };
    } catch (err) {
      this.emit(batch);
      throw err;
    }
  }

  private publish({ changed, batch }: Applied, work: Refresh): void {
    this.emit(batch);
    // A full re-read of a snapshot already served: events may have been missed (a reconnect), so subscribers read again.
    if (work.full && work.servedBefore) {
      this.broadcast({ type: 'resync', host: this.place.host, time: new Date().toISOString(), total: this.records.size });
    }
    if (changed) for (const listener of this.changeListeners) listener();
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

  private async refreshIds(ids: readonly string[]): Promise<boolean> {
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
