import { z } from 'zod';
import { isLucidError } from '../../shared/errors.js';
import { parseAnswer } from '../docker/answers.js';
import type { CircuitBreaker, DockerGateway } from '../docker/gateway.js';
import { swarmCall } from '../docker/swarm-calls.js';
import { listServices, serviceWithStatus } from '../docker/service-list.js';
import { rawNodeListSchema, type RawNode, type RawService } from '../docker/swarm-answers.js';
import type { Logger } from '../system/logging.js';
import { EventFollower, type Refresh } from './event-follower.js';

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
  /** How often converging services are read again while they move; once they stop moving it doubles, up to `maxFollowMs`. */
  followMs?: number;
  /** The longest wait between two reads of a service that has not converged. */
  maxFollowMs?: number;
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
/** A service stuck short of its replicas (no node fits, an image missing) is still watched this often: one small read. */
const MAX_FOLLOW_MS = 5000;
const RECONCILE_MS = 30_000;
/** Follow-ups that saw nothing move, at the base interval, before they back off. */
const QUICK_FOLLOW_UPS = 5;
/** An engine in no swarm, or a worker, is asked again this seldom: it may be promoted or join. */
const NOT_MANAGER_RETRY_MS = 30_000;
/** More services than this marked at once are read in one list rather than one by one. */
const MAX_SINGLE_READS = 8;

/**
 * The cluster as one swarm manager sees it — nodes and services with running / desired replicas —
 * kept from the manager's `/events` stream (an EventFollower: refreshes one at a time, a full
 * resync after every reconnect) instead of polled. Docker 20.10 reports service
 * create / update / remove and node changes (availability, state, role) there, but no task
 * events: a running count moves without a word. So:
 * - a service event re-reads that service; a node event re-reads the nodes and every service
 *   (a node going down or drained moves tasks);
 * - a container event of a task on the manager's own engine re-reads its service;
 * - while a service has not converged (running ≠ desired, or an update in progress) it is read
 *   again every second as long as something moves; after five reads that changed nothing the
 *   wait doubles, up to 5 s, so a running count is never more than a few seconds behind;
 * - every 30 s the whole cluster is read once, for a task that dies on a worker (no event reaches
 *   the manager for it).
 * Until a resync after (re)connecting succeeded, and while the engine is no manager, `live` is
 * false and readers ask Docker directly.
 */
export class SwarmState {
  private readonly services = new Map<string, RawService>();
  private readonly nodes = new Map<string, RawNode>();
  private readonly listeners = new Set<(batch: SwarmBatch) => void>();
  private readonly followBaseMs: number;
  private readonly maxFollowMs: number;
  private readonly reconcileMs: number;
  private readonly follower: EventFollower<SwarmChange[]>;

  /** The nodes are read with the next refresh; a resync reads them anyway. */
  private needNodes = false;
  private manager: boolean | null = null;
  private followTimer: NodeJS.Timeout | undefined;
  /** Follow-up reads since something last moved: the first few come at `followBaseMs`, later ones back off. */
  private followUps = 0;
  private changes = 0;
  private lastFull = 0;

  constructor(
    private readonly gateway: DockerGateway,
    private readonly logger: Pick<Logger, 'debug' | 'warn'>,
    options: SwarmStateOptions = {},
  ) {
    this.followBaseMs = options.followMs ?? FOLLOW_MS;
    this.maxFollowMs = Math.max(this.followBaseMs, options.maxFollowMs ?? MAX_FOLLOW_MS);
    this.reconcileMs = options.reconcileMs ?? RECONCILE_MS;
    this.follower = new EventFollower(
      gateway,
      logger,
      {
        operation: 'swarm.events',
        filters: EVENT_FILTERS,
        breaker: options.breaker,
        logs: { unavailable: 'swarm event stream unavailable', refreshFailed: 'swarm state refresh failed' },
      },
      {
        onEvent: (value) => this.onRawEvent(value),
        read: (work) => this.read(work),
        publish: (changes, work) => this.publish(changes, work),
        unfollowable: (err) => this.unfollowable(err),
        // An engine that answered as no manager has no swarm events to follow: it is asked again later.
        standBy: () => (this.manager === false ? NOT_MANAGER_RETRY_MS : undefined),
        disconnected: () => this.stopFollowUps(),
      },
    );
  }

  /** Connects in the background; never throws, reconnects until `close()`. Calling it again does nothing. */
  start(): void {
    this.follower.start();
  }

  async close(): Promise<void> {
    this.stopFollowUps();
    this.listeners.clear();
    await this.follower.close();
  }

  /** True while the state follows the cluster: stream open, last resync good, a manager, daemon answering. */
  get live(): boolean {
    return this.manager === true && this.follower.live;
  }

  /** Whether the engine answered as a swarm manager when last asked (null: not asked yet, or unreachable). */
  get isManager(): boolean | null {
    return this.manager;
  }

  /** Grows with every change of the kept nodes or services: an answer built from them is as old as its version. */
  get version(): number {
    return this.changes;
  }

  serviceList(): RawService[] {
    return [...this.services.values()];
  }

  nodeList(): RawNode[] {
    return [...this.nodes.values()];
  }

  /** Resolves true once live, or false after `ms` (no manager, Docker down, first sync slow). */
  async waitLive(ms: number): Promise<boolean> {
    await this.follower.waitLive(ms);
    return this.live;
  }

  /** Re-reads now what the manager itself just changed, so its next read sees it. */
  async refresh(what: { service?: string; nodes?: boolean; all?: boolean }): Promise<void> {
    if (!this.live) return;
    if (what.service !== undefined) this.follower.mark(what.service);
    if (what.all) this.follower.markAll();
    if (what.nodes) this.markNodes();
    await this.follower.refreshNow();
  }

  /** A container event of the manager's own engine: a task container moves its service's running count. */
  containerChanged(labels: Readonly<Record<string, string>> | undefined): void {
    const service = labels?.[SERVICE_ID_LABEL];
    if (service === undefined || !this.live) return;
    this.follower.mark(service);
    this.follower.refreshSoon();
  }

  /** Receives the changes of every refresh that changed something, and a resync batch after a reconnect. */
  subscribe(listener: (batch: SwarmBatch) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private onRawEvent(value: unknown): void {
    const parsed = rawSwarmEventSchema.safeParse(value);
    if (!parsed.success) return;
    if (parsed.data.Type === 'service') this.follower.mark(parsed.data.Actor.ID);
    // A node that goes down, drains or comes back moves tasks of any service.
    else this.markNodes();
    // Something happened: converging services are worth a quick look again.
    this.followUps = 0;
    this.follower.refreshSoon();
  }

  /** The nodes, and every service with them: a node's change moves tasks of any service. */
  private markNodes(): void {
    this.needNodes = true;
    this.follower.markAll();
  }

  private async read(work: Refresh): Promise<SwarmChange[]> {
    const nodes = this.needNodes || work.resync;
    const all = work.full || work.ids.length > MAX_SINGLE_READS;
    this.needNodes = false;
    const changes = [
      ...(nodes ? this.applyNodes(await this.readNodes()) : []),
      ...(all ? this.applyAllServices(await this.readServices()) : await this.readSome(work.ids)),
    ];
    this.manager = true;
    if (all) this.lastFull = Date.now();
    return changes;
  }

  /** No manager (any more): the state is emptied, and the stream is asked again only after a while. */
  private unfollowable(err: unknown): boolean {
    if (!isLucidError(err) || err.code !== 'NOT_SWARM_MANAGER') return false;
    this.manager = false;
    this.services.clear();
    this.nodes.clear();
    this.changes += 1;
    return true;
  }

  private publish(changes: SwarmChange[], work: Refresh): void {
    // The first sync is the starting point, not news; a later one (after a reconnect) may have missed events.
    if (changes.length > 0 || work.resync) this.changes += 1;
    // A count that moved means a convergence under way: its next step is worth a quick look.
    if (changes.length > 0) this.followUps = 0;
    const announce = work.resync ? work.servedBefore : changes.length > 0;
    if (announce) this.broadcast({ changes, resync: work.resync, time: new Date().toISOString() });
    this.planFollowUp();
  }

  private stopFollowUps(): void {
    clearTimeout(this.followTimer);
    this.followTimer = undefined;
  }

  /**
   * Converging services are read again soon, backing off (up to `maxFollowMs`) while nothing moves;
   * otherwise the next look is the reconcile, counted from the last full read.
   */
  private planFollowUp(): void {
    clearTimeout(this.followTimer);
    const converging = [...this.services.values()].filter(isConverging).map((s) => s.ID);
    const sinceFull = Date.now() - this.lastFull;
    const reconcileIn = Math.max(0, this.reconcileMs - sinceFull);
    const followMs = Math.min(this.maxFollowMs, this.followBaseMs * 2 ** Math.max(0, this.followUps - QUICK_FOLLOW_UPS));
    // Decided now, not when the timer fires: a timer may fire a millisecond early, and a reconcile
    // that then found itself not due would read nothing, publish nothing and plan no next look.
    const reconcile = converging.length === 0 || reconcileIn <= followMs;
    this.followUps = converging.length > 0 ? this.followUps + 1 : 0;
    this.followTimer = setTimeout(() => {
      this.followTimer = undefined;
      if (reconcile) this.markNodes();
      else for (const id of converging) this.follower.mark(id);
      void this.follower.refreshNow();
    }, reconcile ? reconcileIn : followMs);
    this.followTimer.unref();
  }

  private async readNodes(): Promise<RawNode[]> {
    return parseAnswer(rawNodeListSchema, await swarmCall(this.gateway, { operation: 'swarm.state.nodes', method: 'GET', path: '/nodes' }));
  }

  private async readServices(): Promise<RawService[]> {
    return listServices(this.gateway, 'swarm.state.services');
  }

  private async readSome(ids: readonly string[]): Promise<SwarmChange[]> {
    const answers = await Promise.all(ids.map(async (id) => [id, await serviceWithStatus(this.gateway, 'swarm.state.services', id)] as const));
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
