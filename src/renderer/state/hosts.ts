import type { HostInfo } from '../../shared/schemas/hosts.js';

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
