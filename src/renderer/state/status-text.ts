import { humanDuration } from '../../shared/human-duration.js';
import type { ContainerSummary } from '../../shared/schemas/containers.js';

/** Docker's status words, with the uptime counted here from `startedAt` rather than frozen at the last change. */
export function statusText(c: Pick<ContainerSummary, 'state' | 'status' | 'startedAt' | 'health'>, now: number): string {
  if (c.state !== 'running' || c.startedAt === null) return c.status;
  const health = c.health === 'none' ? '' : ` (${c.health === 'starting' ? 'health: starting' : c.health})`;
  return `Up ${humanDuration(Math.max(0, now - Date.parse(c.startedAt)))}${health}`;
}
