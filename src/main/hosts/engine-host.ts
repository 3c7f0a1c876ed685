import type { HostReport } from '../../shared/schemas/containers.js';
import { isActiveManager } from '../../shared/host-swarm.js';
import type { HostSwarm } from '../../shared/schemas/hosts.js';
import type { HostSpec } from '../config/host-spec.js';
import type { EngineConnection } from '../docker/engine-connection.js';
import { DockerGateway } from '../docker/gateway.js';
import { DockerHealth } from '../docker/health.js';
import type { ReadBudget } from '../docker/read-budget.js';
import { swarmOfInfo } from '../docker/swarm-role.js';
import { ContainerCensus, censusSource } from '../metrics/census.js';
import type { ManagerMetrics } from '../metrics/registry.js';
import type { GroupOf, Placement } from '../model/container-mapping.js';
import { HostRemovedReason } from '../model/shutdown.js';
import { ContainerService } from '../services/containers.js';
import { LiveStatsService } from '../services/live-stats.js';
import { snapshotCensusSource } from '../state/census-source.js';
import { ContainerCache } from '../state/container-cache.js';
import { StatsCollector } from '../state/stats-collector.js';
import { prefixedLogger, type Logger } from '../system/logging.js';
import { withoutDirectories } from './down-reason.js';

/**
 * How often a reachable engine is asked its swarm role again: Docker sends no event of a `swarm
 * init`, a join, a promotion or a leave, and the role decides whether the host shows a cluster (a
 * new role found is announced like a state change). One `/info` per half minute is cheap.
 */
const SWARM_ROLE_REFRESH_MS = 30_000;

export interface EngineHostSettings {
  timeoutMs: number;
  statsLingerMs: number;
  logReadMaxBytes: number;
  followBacklogMaxBytes: number;
  /** Shared by every host: the bound on log text held is the process's. */
  readBudget: ReadBudget;
  /** The manager's own container, protected on the engine it runs on (a local socket). */
  selfContainerId: string | undefined;
  knownGroups: readonly string[];
  /** How often the swarm role is read again while the host is up (default SWARM_ROLE_REFRESH_MS; tests shorten it). */
  swarmRoleRefreshMs?: number;
}

/** A host's state and its engine's swarm role, as they are right after a change of either. */
export type HostStateListener = (report: HostReport, swarm: HostSwarm | null) => void;

export interface EngineHostDeps {
  definition: HostSpec;
  connection: EngineConnection;
  settings: EngineHostSettings;
  metrics: ManagerMetrics;
  logger: Logger;
  groupOf: GroupOf;
}

/**
 * One engine and everything the manager keeps for it: the connection, a gateway with its own
 * deadline and circuit breaker (the health probe), the event-driven snapshot, batch stats and the
 * container services. A host that is down fails only its own operations.
 */
export class EngineHost {
  readonly name: string;
  readonly gateway: DockerGateway;
  readonly health: DockerHealth;
  readonly cache: ContainerCache;
  readonly statsCollector: StatsCollector;
  readonly containers: ContainerService;
  readonly liveStats: LiveStatsService;
  readonly census: ContainerCensus;
  private swarmRole: HostSwarm | null = null;
  /** Counts role reads begun (and the host going down): an answer overtaken by a later one is dropped. */
  private roleReads = 0;
  private readonly stateListeners = new Set<HostStateListener>();
  private lastReport: HostReport;
  private lastSwarm: HostSwarm | null = null;
  private readonly unwatch: Array<() => void> = [];
  private readonly removal = new AbortController();

  constructor(private readonly deps: EngineHostDeps) {
    const { definition, connection, settings, metrics, logger } = deps;
    this.name = definition.name;
    const place: Placement = { host: definition.name, groupOf: deps.groupOf };
    const hostLogger = prefixedLogger(logger, `host ${definition.name}: `);
    // The breaker is the health monitor, which probes through the gateway: wired in two steps.
    let health: DockerHealth | undefined;
    this.gateway = new DockerGateway(connection.docker, {
      timeoutMs: settings.timeoutMs,
      observer: metrics.forHost(definition.name),
      breaker: {
        isOpen: () => health?.isOpen() ?? false,
        suspect: () => health?.suspect(),
        onOpen: (listener) => health?.onOpen(listener) ?? (() => {}),
      },
    });
    health = new DockerHealth(this.gateway, hostLogger);
    this.health = health;
    this.cache = new ContainerCache(this.gateway, hostLogger, { place, breaker: health });
    const local = definition.endpoint.kind === 'unix' || definition.endpoint.kind === 'npipe';
    this.containers = new ContainerService(this.gateway, {
      selfContainerId: local ? settings.selfContainerId : undefined,
      place,
      cache: this.cache,
      logReadMaxBytes: settings.logReadMaxBytes,
      followBacklogMaxBytes: settings.followBacklogMaxBytes,
      readBudget: settings.readBudget,
    });
    this.statsCollector = new StatsCollector(this.gateway, this.cache, settings.statsLingerMs, place);
    this.liveStats = new LiveStatsService(this.gateway, this.containers, this.statsCollector);
    this.census = new ContainerCensus(snapshotCensusSource(this.cache, place, censusSource(this.gateway, place)), settings.knownGroups);
    this.lastReport = this.report();
  }

  get definition(): HostSpec {
    return this.deps.definition;
  }

  get connection(): EngineConnection {
    return this.deps.connection;
  }

  start(): void {
    this.unwatch.push(
      this.deps.connection.onLink(() => this.changed()),
      this.health.onReachabilityChange((reachable) => {
        // An engine that comes back may have joined, left or been promoted meanwhile.
        if (reachable) void this.readSwarmRole();
        else this.forgetSwarmRole();
        this.changed();
      }),
    );
    const roleRefresh = setInterval(() => {
      if (this.health.status.reachable) void this.readSwarmRole();
    }, this.deps.settings.swarmRoleRefreshMs ?? SWARM_ROLE_REFRESH_MS);
    roleRefresh.unref();
    this.unwatch.push(() => clearInterval(roleRefresh));
    this.health.start();
    this.cache.start();
  }

  /**
   * The host's state now: the link beneath first (an SSH host key, a TLS failure), then the
   * engine's answers. Every reader sees it, so file paths in a reason are cut to the file's name
   * (the manager's log has them whole).
   */
  report(): HostReport {
    const link = this.deps.connection.link();
    const status = this.health.status;
    if (link.state === 'down') return { name: this.name, state: 'down', reason: withoutDirectories(link.reason) };
    if (link.state === 'connecting' || !status.checked) return { name: this.name, state: 'connecting' };
    if (!status.reachable) return { name: this.name, state: 'down', reason: status.lastError ?? 'Docker daemon is not reachable' };
    return { name: this.name, state: 'up' };
  }

  /** The engine's swarm role, as `/info` said when it came up or at its last half-minute check (null: not known, or the host is not up). */
  get swarm(): HostSwarm | null {
    return this.report().state === 'up' ? this.swarmRole : null;
  }

  /** Whether the engine answers cluster operations (an active manager); null: not known. */
  get isSwarmManager(): boolean | null {
    const swarm = this.swarm;
    return swarm && isActiveManager(swarm);
  }

  /**
   * Called when the host's state or reason changes, or its engine's swarm role (role, state or node
   * id) does: a role check that finds the role as it was calls no one.
   */
  onState(listener: HostStateListener): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Aborted when a reload removes (or replaces) the host: streams from it end then. */
  get removed(): AbortSignal {
    return this.removal.signal;
  }

  /** `removed`: a reload took the host away (its streams end with HOST_NOT_FOUND), rather than the manager closing. */
  async close(removed = false): Promise<void> {
    if (removed) this.removal.abort(new HostRemovedReason(this.name));
    for (const unwatch of this.unwatch.splice(0)) unwatch();
    this.stateListeners.clear();
    await this.statsCollector.close();
    await this.cache.close();
    await this.health.close();
    await this.deps.connection.close();
    // Its series go with it: the host label takes only the names of hosts configured now.
    if (removed) await this.deps.metrics.removeHost(this.name);
  }

  private changed(): void {
    const next = this.report();
    const swarm = this.swarm;
    if (next.state === this.lastReport.state && next.reason === this.lastReport.reason && sameSwarm(swarm, this.lastSwarm)) return;
    this.lastReport = next;
    this.lastSwarm = swarm;
    for (const listener of [...this.stateListeners]) listener(next, swarm);
  }

  private forgetSwarmRole(): void {
    this.roleReads += 1;
    this.swarmRole = null;
  }

  private async readSwarmRole(): Promise<void> {
    const read = ++this.roleReads;
    let role: HostSwarm | null;
    try {
      // dockerode passes `abortSignal` on, though its typings list no options for info.
      const docker = this.gateway.docker as unknown as { info(options: { abortSignal: AbortSignal }): Promise<unknown> };
      const raw = await this.gateway.call('system.info', (abortSignal) => docker.info({ abortSignal }), { idempotent: true });
      role = swarmOfInfo(raw);
    } catch {
      role = null;
    }
    // A read begun before the host went down, or before a later read, would put back an older role.
    if (read !== this.roleReads) return;
    this.swarmRole = role;
    this.changed();
  }
}

function sameSwarm(a: HostSwarm | null, b: HostSwarm | null): boolean {
  if (a === null || b === null) return a === b;
  return a.role === b.role && a.state === b.state && a.nodeId === b.nodeId;
}
