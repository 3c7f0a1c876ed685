import type { HostSwarm } from './schemas/hosts.js';

/** Whether the engine answers cluster operations now: an active manager. Free of zod: the dashboard uses it too. */
export function isActiveManager(swarm: HostSwarm): boolean {
  return swarm.role === 'manager' && swarm.state === 'active';
}
