import type { HealthDetails, HealthSummary, Ready } from '../../shared/schemas/health.js';
import type { ComposeAvailability } from '../compose/availability.js';
import { MIN_API_VERSION } from '../docker/api-version.js';
import type { DockerHealth, DockerStatus } from '../docker/health.js';

export interface HealthServiceDeps {
  /** The default host's probe: what readiness and the summary speak of. */
  docker: () => DockerHealth;
  compose: ComposeAvailability;
  platform: string;
  environment: string;
  version: string;
  /** When this manager started (ms since the epoch): an embedding app's process may be older. */
  startedAt: number;
}

/** Why the manager cannot serve Docker operations right now, or undefined when it can. */
export function notReadyReason(status: DockerStatus): string | undefined {
  if (!status.checked) return 'Docker has not been checked yet';
  if (!status.reachable) return status.lastError ?? 'Docker daemon is not reachable';
  if (!status.compatible) {
    return `Docker API ${status.apiVersion ?? 'unknown'} is older than the oldest supported, ${MIN_API_VERSION}`;
  }
  return undefined;
}

/** The probes. None of them asks Docker on the spot except before the first background ping. */
export class HealthService {
  constructor(private readonly deps: HealthServiceDeps) {}

  summary(): HealthSummary {
    const ok = notReadyReason(this.deps.docker().status) === undefined;
    return { status: ok ? 'ok' : 'degraded', docker: this.deps.docker().status.reachable ? 'up' : 'down' };
  }

  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  async ready(): Promise<Ready> {
    const status = await this.dockerStatus();
    const reason = notReadyReason(status);
    const docker = status.reachable ? 'up' : 'down';
    return reason === undefined ? { ready: true, docker } : { ready: false, docker, reason };
  }

  async details(): Promise<HealthDetails> {
    const [status, compose] = await Promise.all([this.dockerStatus(), this.deps.compose.get()]);
    const unhealthy = notReadyReason(status) !== undefined;
    return {
      status: unhealthy ? 'unhealthy' : compose.available ? 'healthy' : 'degraded',
      version: this.deps.version,
      uptimeSeconds: Math.round((Date.now() - this.deps.startedAt) / 1000),
      docker: {
        reachable: status.reachable,
        serverVersion: status.serverVersion,
        apiVersion: status.apiVersion,
        minApiVersion: status.minApiVersion,
        compatible: status.compatible,
        latencyMs: status.latencyMs,
        ...(status.lastError !== undefined ? { lastError: status.lastError } : {}),
      },
      compose: { available: compose.available, variant: compose.variant, version: compose.version },
      platform: this.deps.platform,
      environment: this.deps.environment,
    };
  }

  /** Right after start there is no ping result yet: take one now rather than answer "unknown". */
  private dockerStatus(): Promise<DockerStatus> {
    const status = this.deps.docker().status;
    return status.checked ? Promise.resolve(status) : this.deps.docker().check();
  }
}
