import type { HostInfo, HostSwarm } from '../../shared/schemas/hosts.js';

/**
 * A host as the page shows it: its state and reason from the list answer and the `host` events,
 * and what `hosts.list` adds (address, versions, round trip) once read.
 */
export interface HostView {
  name: string;
  state: string;
  reason?: string | undefined;
  info?: HostInfo | undefined;
}

export type Hosts = ReadonlyMap<string, HostView>;

export function withHost(hosts: Hosts, name: string, patch: Partial<HostView>): Hosts {
  const next = new Map(hosts);
  const known = next.get(name) ?? { name, state: 'connecting' };
  const merged: HostView = { ...known, ...patch, name };
  if (patch.state === 'up') delete merged.reason;
  next.set(name, merged);
  return next;
}

/** The names of the hosts whose engine has that swarm role, in the list's order. */
export function hostsWithRole(hosts: Hosts, role: HostSwarm['role']): string[] {
  return [...hosts.values()].filter((h) => h.info?.swarm?.role === role).map((h) => h.name);
}

/** A host's swarm role in words: `manager`, `worker`, `no swarm`, with a state other than working (`worker (pending)`). */
export function swarmRoleText(swarm: HostSwarm | null | undefined): string {
  if (!swarm) return '—';
  const role = swarm.role === 'none' ? 'no swarm' : swarm.role;
  return swarm.state === 'active' || swarm.state === 'inactive' ? role : `${role} (${swarm.state})`;
}
