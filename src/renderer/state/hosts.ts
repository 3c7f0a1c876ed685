import { isActiveManager } from '../../shared/host-swarm.js';
import type { HostInfo, HostSwarm } from '../../shared/schemas/hosts.js';
import type { HostEvent } from '../../shared/schemas/live.js';

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

/**
 * A `host` event applied: its state and reason, and the swarm role it carries onto the host's
 * details when they are known (the Hosts table's Swarm column, the Swarm tab), so a `swarm init`,
 * join or leave shows without a reload. An event without `swarm` (an older manager) leaves the role.
 */
export function withHostEvent(hosts: Hosts, event: HostEvent): Hosts {
  const patch: Partial<HostView> = { state: event.state, reason: event.reason };
  const info = hosts.get(event.host)?.info;
  if (info && event.swarm !== undefined) {
    patch.info = { ...info, swarm: event.swarm, swarmManager: event.swarm && isActiveManager(event.swarm) };
  }
  return withHost(hosts, event.host, patch);
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
