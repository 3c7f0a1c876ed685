import type { HostView } from '../../src/renderer/state/hosts.js';
import type { HostInfo, HostSwarm } from '../../src/shared/schemas/hosts.js';

/** A host as the dashboard holds it once its details are read: up, with that swarm role. */
export function hostView(name: string, swarm: HostSwarm | null): HostView {
  const info: HostInfo = {
    name,
    url: `unix:///run/${name}.sock`,
    default: false,
    state: 'up',
    engineVersion: '20.10.24',
    apiVersion: '1.41',
    containers: { running: 2 },
    swarm,
    swarmManager: swarm ? swarm.role === 'manager' && swarm.state === 'active' : null,
    rttMs: 1,
    access: { read: true, control: true },
  };
  return { name, state: 'up', info };
}
