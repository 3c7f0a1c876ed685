import { createHash, timingSafeEqual } from 'node:crypto';
import { LucidError } from '../../shared/errors.js';
import type { ComposeAvailability } from '../compose/availability.js';
import type { DockerHealth } from '../docker/health.js';
import type { ContainerCensus } from '../metrics/census.js';
import type { ManagerMetrics } from '../metrics/registry.js';
import type { OperationContext } from '../model/context.js';

/** What the gauges read of one host. */
export interface HostMetricsSource {
  name: string;
  census: ContainerCensus;
  docker: Pick<DockerHealth, 'status'>;
}

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
      hosts().map(async ({ name, census, docker }) => {
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
}
