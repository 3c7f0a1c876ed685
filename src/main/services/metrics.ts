import { createHash, timingSafeEqual } from 'node:crypto';
import { LucidError } from '../../shared/errors.js';
import type { ComposeAvailability } from '../compose/availability.js';
import type { DockerHealth } from '../docker/health.js';
import type { ContainerCensus } from '../metrics/census.js';
import type { ManagerMetrics } from '../metrics/registry.js';
import type { OperationContext } from '../model/context.js';

export interface MetricsServiceDeps {
  metrics: ManagerMetrics;
  census: ContainerCensus;
  docker: DockerHealth;
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
    const { token, metrics, census, docker, compose } = this.deps;
    if (token !== undefined && !sameSecret(ctx.bearer, token) && !(await ctx.callerMay('system:read'))) {
      throw new LucidError('UNAUTHENTICATED', 'metrics need the metrics token (Authorization: Bearer)');
    }
    const counts = await census.counts();
    if (counts) metrics.setContainerCounts(counts);
    metrics.setDockerUp(docker.status.reachable);
    metrics.setComposeAvailable(compose.peek()?.available ?? false);
    return metrics.exposition();
  }
}
