import { z } from 'zod';
import { isLucidError } from '../../shared/errors.js';
import { parseAnswer } from '../docker/answers.js';
import type { CircuitBreaker, DockerGateway } from '../docker/gateway.js';
import { readJsonLines, unrefStream } from '../docker/json-lines.js';
import { swarmCall } from '../docker/swarm-calls.js';
import { rawNodeListSchema, rawServiceListSchema, type RawNode, type RawService } from '../docker/swarm-answers.js';
import type { Logger } from '../system/logging.js';
import { sleep, waitAtMost } from '../system/sleep.js';

/** One object of the cluster that changed, as the state saw it: `after` null once it is gone. */
export type SwarmChange =
  | { kind: 'service'; action: ChangeAction; id: string; after: RawService | null; before: RawService | undefined }
  | { kind: 'node'; action: ChangeAction; id: string; after: RawNode | null; before: RawNode | undefined };
export type ChangeAction = 'create' | 'update' | 'remove';

/** The changes of one refresh; `resync`: the state was rebuilt after its stream (re)connected. */
export interface SwarmBatch {
  changes: SwarmChange[];
  resync: boolean;
  time: string;
}

export interface SwarmStateOptions {
  /** The daemon's health: while it is down the state is not served. */
  breaker?: Pick<CircuitBreaker, 'isOpen'>;
  /** How often converging services are read again, at first; later it doubles, up to `reconcileMs`. */
  followMs?: number;
  /** How often the whole cluster is read again, for what no event reports (a task dying on a worker). */
  reconcileMs?: number;
}

const rawSwarmEventSchema = z.object({
  Type: z.enum(['service', 'node']),
  Action: z.string(),
  Actor: z.object({ ID: z.string().min(1) }),
});

/** The manager's own event stream reports only these two kinds of cluster object. */
const EVENT_FILTERS = { type: ['service' as const, 'node' as const] };
/** The label swarm puts on every task container: its service. */
const SERVICE_ID_LABEL = 'com.docker.swarm.service.id';
const FOLLOW_MS = 1000;
const RECONCILE_MS = 30_000;
/** Follow-ups at the base interval before they back off: a deploy or a rescheduling converges in a few seconds. */
const QUICK_FOLLOW_UPS = 5;
/** An engine in no swarm, or a worker, is asked again this seldom: it may be promoted or join. */
const NOT_MANAGER_RETRY_MS = 30_000;
const FIRST_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 3000;
/** More services than this marked at once are read in one list rather than one by one. */
const MAX_SINGLE_READS = 8;

/**
 * The cluster as one swarm manager sees it — nodes and services with running / desired replicas —
 * kept from the manager's `/events` stream instead of polled. Docker 20.10 reports service
 * create / update / remove and node changes (availability, state, role) there, but no task
 * events: a running count moves without a word. So:
 * - a service event re-reads that service; a node event re-reads the nodes and every service
 *   (a node going down or drained moves tasks);
 * - a container event of a task on the manager's own engine re-reads its service;
 * - while a service has not converged (running ≠ desired, or an update in progress) it is read
 *   again every second (after five tries 2 s, 4 s … up to the reconcile interval) until it has;
 * - every 30 s the whole cluster is read once, for a task that dies on a worker (no event reaches
 *   the manager for it).
 * Until a resync after (re)connecting succeeded, and while the engine is no manager, `live` is
 * false and readers ask Docker directly.
 */
export class SwarmState {
  private readonly services = new Map<string, RawService>();
  private readonly nodes = new Map<string, RawNode>();
  private readonly listeners = new Set<(batch: SwarmBatch) => void>();
  private readonly closed = new AbortController();
  private liveWaiters: Array<() => void> = [];
  private readonly followBaseMs: number;
  private readonly reconcileMs: number;

  private dirtyServices = new Set<string>();
  private needAll = true;
  private needNodes = true;
  private streamOpen = false;
  private synced = false;
  private manager: boolean | null = null;
  private draining: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;
  private followTimer: NodeJS.Timeout | undefined;
  /** Follow-up reads since the last event: the first few come at `followBaseMs`, later ones back off. */
  private followUps = 0;
  private lastFull = 0;
  private retries = 0;
  private started = false;
  private everSynced = false;

  constructor(
    private readonly gateway: DockerGateway,
    private readonly logger: Pick<Logger, 'debug' | 'warn'>,
    private readonly options: SwarmStateOptions = {},
  ) {
    this.followBaseMs = options.followMs ?? FOLLOW_MS;
    this.reconcileMs = options.reconcileMs ?? RECONCILE_MS;
  }

  /** Connects in the background; never throws, reconnects until `close()`. Calling it again does nothing. */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.connectLoop();
  }

  async close(): Promise<void> {
    this.closed.abort();
    clearTimeout(this.timer);
    clearTimeout(this.followTimer);
    this.listeners.clear();
    await this.draining?.catch(() => undefined);
  }

  /** True while the state follows the cluster: stream open, last resync good, a manager, daemon answering. */
  get live(): boolean {
    return this.streamOpen && this.synced && this.manager === true && !(this.options.breaker?.isOpen() ?? false);
  }

  /** Whether the engine answered as a swarm manager when last asked (null: not asked yet, or unreachable). */
  get isManager(): boolean | null {
    return this.manager;
  }

  serviceList(): RawService[] {
    return [...this.services.values()];
  }

  nodeList(): RawNode[] {
    return [...this.nodes.values()];
  }

  /** Resolves true once live, or false after `ms` (no manager, Docker down, first sync slow). */
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

  /** Re-reads now what the manager itself just changed, so its next read sees it. */
  async refresh(what: { service?: string; nodes?: boolean; all?: boolean }): Promise<void> {
    if (!this.live) return;
    if (what.service !== undefined) this.dirtyServices.add(what.service);
    if (what.all) this.needAll = true;
    if (what.nodes) {
      this.needNodes = true;
      this.needAll = true;
    }
    await this.kick();
  }

  /** A container event of the manager's own engine: a task container moves its service's running count. */
  containerChanged(labels: Readonly<Record<string, string>> | undefined): void {
    const service = labels?.[SERVICE_ID_LABEL];
    if (service === undefined || !this.live) return;
    this.dirtyServices.add(service);
    this.schedule(0);
  }

  /** Receives the changes of every refresh that changed something, and a resync batch after a reconnect. */
  subscribe(listener: (batch: SwarmBatch) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async connectLoop(): Promise<void> {
    let failures = 0;
    while (!this.closed.signal.aborted) {
      const connection = new AbortController();
      const stop = () => connection.abort();
      this.closed.signal.addEventListener('abort', stop, { once: true });
      let wait: number | undefined;
      try {
        const stream = await this.gateway.openStream(
          'swarm.events',
          (abortSignal) => this.gateway.docker.getEvents({ filters: EVENT_FILTERS, abortSignal }),
          { signal: connection.signal },
        );
        unrefStream(stream);
        this.streamOpen = true;
        this.needAll = true;
        this.needNodes = true;
        const ended = readJsonLines(stream, connection.signal, (value) => this.onRawEvent(value));
        await this.kick();
        if (this.manager === false) wait = NOT_MANAGER_RETRY_MS;
        else {
          if (this.synced) failures = 0;
          await ended;
        }
      } catch (err) {
        this.logger.debug(`swarm event stream unavailable: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        this.streamOpen = false;
        this.synced = false;
        clearTimeout(this.followTimer);
        this.followTimer = undefined;
        connection.abort();
        this.closed.signal.removeEventListener('abort', stop);
      }
      if (this.closed.signal.aborted) break;
      await sleep(wait ?? this.backoff(failures++), { signal: this.closed.signal, ref: false });
    }
  }

  private backoff(attempt: number): number {
    return Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** attempt) * (0.5 + Math.random() / 2);
  }

  private onRawEvent(value: unknown): void {
    const parsed = rawSwarmEventSchema.safeParse(value);
    if (!parsed.success) return;
    if (parsed.data.Type === 'service') this.dirtyServices.add(parsed.data.Actor.ID);
    else {
      // A node that goes down, drains or comes back moves tasks of any service.
      this.needNodes = true;
      this.needAll = true;
    }
    // Something happened: converging services are worth a quick look again.
    this.followUps = 0;
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

  private async kick(): Promise<void> {
    while (this.draining) await this.draining;
    if (!this.streamOpen || (!this.needAll && !this.needNodes && this.dirtyServices.size === 0)) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.draining = this.drain().finally(() => {
      this.draining = null;
    });
    await this.draining;
  }

  private async drain(): Promise<void> {
    while (this.streamOpen && !this.closed.signal.aborted && (this.needAll || this.needNodes || this.dirtyServices.size > 0)) {
      const resync = !this.synced;
      const all = this.needAll || this.dirtyServices.size > MAX_SINGLE_READS;
      const nodes = this.needNodes;
      const ids = [...this.dirtyServices];
      this.needAll = false;
      this.needNodes = false;
      this.dirtyServices.clear();
      let changes: SwarmChange[];
      try {
        changes = [
          ...(nodes ? this.applyNodes(await this.readNodes()) : []),
          ...(all ? this.applyAllServices(await this.readServices()) : await this.readSome(ids)),
        ];
      } catch (err) {
        if (isLucidError(err) && err.code === 'NOT_SWARM_MANAGER') {
          this.manager = false;
          this.synced = false;
          this.services.clear();
          this.nodes.clear();
          this.streamOpen = false;
          // Whoever waits for the state hears at once that it will not come.
          for (const wake of this.liveWaiters.splice(0)) wake();
          return;
        }
        this.synced = false;
        this.needAll = true;
        this.needNodes = true;
        this.logger.debug(`swarm state refresh failed: ${err instanceof Error ? err.message : String(err)}`);
        this.schedule(this.backoff(this.retries++));
        return;
      }
      this.retries = 0;
      this.manager = true;
      if (all) this.lastFull = Date.now();
      // The first sync is the starting point, not news; a later one (after a reconnect) may have missed events.
      const announce = resync ? this.everSynced : changes.length > 0;
      if (resync) {
        this.synced = true;
        this.everSynced = true;
        for (const wake of this.liveWaiters.splice(0)) wake();
      }
      if (announce) this.broadcast({ changes, resync, time: new Date().toISOString() });
      this.planFollowUp();
    }
  }

  /**
   * Converging services are read again soon, backing off while nothing happens; otherwise the
   * next look is the reconcile, counted from the last full read.
   */
  private planFollowUp(): void {
    clearTimeout(this.followTimer);
    const converging = [...this.services.values()].filter(isConverging).map((s) => s.ID);
    const sinceFull = Date.now() - this.lastFull;
    const reconcileIn = Math.max(0, this.reconcileMs - sinceFull);
    const followMs = this.followBaseMs * 2 ** Math.max(0, this.followUps - QUICK_FOLLOW_UPS);
    const followIn = converging.length > 0 ? Math.min(followMs, reconcileIn) : reconcileIn;
    this.followUps = converging.length > 0 ? this.followUps + 1 : 0;
    this.followTimer = setTimeout(() => {
      this.followTimer = undefined;
      if (Date.now() - this.lastFull >= this.reconcileMs) {
        this.needAll = true;
        this.needNodes = true;
      } else for (const id of converging) this.dirtyServices.add(id);
      void this.kick();
    }, followIn);
    this.followTimer.unref();
  }

  private async readNodes(): Promise<RawNode[]> {
    return parseAnswer(rawNodeListSchema, await swarmCall(this.gateway, { operation: 'swarm.state.nodes', method: 'GET', path: '/nodes' }));
  }

  private async readServices(filters?: Record<string, string[]>): Promise<RawService[]> {
    const raw = await swarmCall(this.gateway, {
      operation: 'swarm.state.services',
      method: 'GET',
      path: '/services',
      query: { status: true, ...(filters ? { filters } : {}) },
    });
    return parseAnswer(rawServiceListSchema, raw);
  }

  /** Docker's id filter matches prefixes: each answer is kept only for its own id. */
  private async readSome(ids: readonly string[]): Promise<SwarmChange[]> {
    const answers = await Promise.all(ids.map(async (id) => [id, (await this.readServices({ id: [id] })).find((s) => s.ID === id)] as const));
    return answers.flatMap(([id, raw]) => this.applyService(id, raw ?? null));
  }

  private applyAllServices(list: readonly RawService[]): SwarmChange[] {
    const seen = new Set(list.map((s) => s.ID));
    const changes = [...this.services.keys()].filter((id) => !seen.has(id)).flatMap((id) => this.applyService(id, null));
    for (const raw of list) changes.push(...this.applyService(raw.ID, raw));
    return changes;
  }

  private applyService(id: string, raw: RawService | null): SwarmChange[] {
    const before = this.services.get(id);
    if (raw === null) this.services.delete(id);
    else this.services.set(id, raw);
    const action = changeOf(before, raw);
    return action === null ? [] : [{ kind: 'service', action, id, before, after: raw }];
  }

  private applyNodes(list: readonly RawNode[]): SwarmChange[] {
    const seen = new Set(list.map((n) => n.ID));
    const changes: SwarmChange[] = [];
    for (const [id, before] of this.nodes) {
      if (seen.has(id)) continue;
      this.nodes.delete(id);
      changes.push({ kind: 'node', action: 'remove', id, before, after: null });
    }
    for (const raw of list) {
      const before = this.nodes.get(raw.ID);
      this.nodes.set(raw.ID, raw);
      const action = changeOf(before, raw);
      if (action !== null) changes.push({ kind: 'node', action, id: raw.ID, before, after: raw });
    }
    return changes;
  }

  private broadcast(batch: SwarmBatch): void {
    for (const listener of this.listeners) {
      try {
        listener(batch);
      } catch (err) {
        this.logger.warn(`swarm event listener failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}

function changeOf<T>(before: T | undefined, after: T | null): ChangeAction | null {
  if (before === undefined) return after === null ? null : 'create';
  if (after === null) return 'remove';
  return JSON.stringify(before) === JSON.stringify(after) ? null : 'update';
}

/** Not where its specification wants it yet: fewer (or more) tasks running than desired, or an update rolling. */
function isConverging(service: RawService): boolean {
  const status = service.ServiceStatus;
  if (status && status.RunningTasks !== status.DesiredTasks) return true;
  const update = service.UpdateStatus?.State;
  return update === 'updating' || update === 'rollback_started';
}
