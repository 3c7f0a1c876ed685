import type { RawContainerListItem } from '../docker/answers.js';
import { healthFromStatus, toState } from '../docker/container-state.js';
import { serviceOf } from './engine-state.js';
import { isOurs, type ProjectOrigin } from './ownership.js';

export type Readiness =
  | { ready: true; ignored: string[] }
  | { ready: false; failed: string; ignored: string[] }
  | { ready: false; failed?: undefined; waiting: string[]; ignored: string[] };

/**
 * What v2's `up --wait` checks, from the engine so that v1 can do it too: every container running,
 * and healthy where it has a healthcheck; an exited or unhealthy one fails. Only the project's own
 * containers of services it still has count: an orphan (its service since removed from the files)
 * or a container started from other files is reported as ignored, never waited for.
 */
export function readiness(
  all: RawContainerListItem[],
  origin: ProjectOrigin,
  known: string[],
  wanted: string[] | undefined,
): Readiness {
  const ignored: string[] = [];
  const counted: RawContainerListItem[] = [];
  for (const container of all) {
    const service = serviceOf(container);
    if (!isOurs(origin, container.Labels)) ignored.push(`${service} (started from other compose files)`);
    else if (!known.includes(service)) ignored.push(`${service} (orphan: no longer in the compose files)`);
    else if (wanted === undefined || wanted.includes(service)) counted.push(container);
  }
  const seen = new Set(counted.map(serviceOf));
  const waiting = (wanted ?? []).filter((s) => !seen.has(s)).map((s) => `${s} (no container yet)`);
  for (const container of counted) {
    const service = serviceOf(container);
    const state = toState(container.State);
    const health = healthFromStatus(container.Status);
    if (state === 'running' && health === 'unhealthy') return { ready: false, failed: `service ${service} is unhealthy`, ignored };
    if (state === 'running' && health === 'starting') waiting.push(`${service} (health: starting)`);
    else if (state === 'created' || state === 'restarting') waiting.push(`${service} (${state})`);
    else if (state !== 'running') return { ready: false, failed: `service ${service} is ${state}`, ignored };
  }
  return waiting.length === 0 ? { ready: true, ignored } : { ready: false, waiting, ignored };
}
