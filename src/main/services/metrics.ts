import { createHash, timingSafeEqual } from 'node:crypto';
import { LucidError } from '../../shared/errors.js';
import type { ComposeAvailability } from '../compose/availability.js';
import type { DockerHealth } from '../docker/health.js';
import type { ContainerCensus } from '../metrics/census.js';
import type { ManagerMetrics } from '../metrics/registry.js';
import type { OperationContext } from '../model/context.js';
import { nodeFromRaw, serviceFromRaw } from '../model/swarm-mapping.js';
import type { SwarmState } from '../state/swarm-state.js';

/** What the gauges read of one host. */
export interface HostMetricsSource {
  name: string;
  census: ContainerCensus;
  docker: Pick<DockerHealth, 'status'>;
  /** The live cluster, on a host whose engine is a swarm manager. */
  swarm?: Pick<SwarmState, 'live' | 'waitLive' | 'nodeList' | 'serviceList'> | undefined;
}

/** The first scrape after start may come before the swarm state has formed: it waits this long for it. */
const SWARM_LIVE_WAIT_MS = 2000;

export interface MetricsServiceDeps {
  metrics: ManagerMetrics;
  /** The configured hosts, as of this scrape. */
  hosts: () => readonly HostMetricsSource[];
  compose: ComposeAvailability;
  /** When set, a scrape needs this bearer token (or a signed-in caller with system:read). */
  token: string | undefined;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compared as digests: equal length, constant time, whatever the caller sent. */
function sameSecret(offered: string | undefined, expected: string): boolean {
  return offered !== undefined && timingSafeEqual(digest(offered), digest(expected));
}

export class MetricsService {
  constructor(private readonly deps: MetricsServiceDeps) {}

  async scrape(ctx: OperationContext): Promise<string> {
    const { token, metrics, hosts, compose } = this.deps;
    if (token !== undefined && !sameSecret(ctx.bearer, token) && !(await ctx.callerMay('system:read'))) {
      throw new LucidError('UNAUTHENTICATED', 'metrics need the metrics token (Authorization: Bearer)');
    }
    const healthy: Record<string, number> = {};
    await Promise.all(
      hosts().map(async ({ name, census, docker, swarm }) => {
        await this.scrapeSwarm(name, swarm);
        const counts = await census.counts();
        metrics.setDockerUp(name, docker.status.reachable);
        if (!counts) return;
        metrics.setContainerCounts(name, counts.byState);
        for (const [group, count] of Object.entries(counts.healthyByGroup)) healthy[group] = (healthy[group] ?? 0) + count;
      }),
    );
    metrics.setHealthyByGroup(healthy);
    metrics.setComposeAvailable(compose.peek()?.available ?? false);
    return metrics.exposition();
  }

  /** The swarm gauges come from the live state only: a scrape never lists a cluster of its own. */
  private async scrapeSwarm(host: string, swarm: HostMetricsSource['swarm']): Promise<void> {
    const live = swarm !== undefined && (swarm.live || (await swarm.waitLive(SWARM_LIVE_WAIT_MS)));
    if (!swarm || !live) {
      this.deps.metrics.setSwarm(host, null);
      return;
    }
    this.deps.metrics.setSwarm(host, {
      nodes: swarm.nodeList().map(nodeFromRaw),
      services: swarm.serviceList().map((raw) => {
        const { name, replicas } = serviceFromRaw(raw, null);
        return { name, ...replicas };
      }),
    });
  }
}
