import { roleHas, type Permission } from '../../shared/permissions.js';
import type { SessionOutput } from '../../shared/schemas/session.js';
import type { Hosts } from './hosts.js';

/**
 * What the page offers, from what the server said about the caller (`session.get`) and about each
 * host (`hosts.list`): a hint only, the server still decides every call. Nothing is read from the
 * token itself, so a window the host app bound without one is offered the same as a token would be.
 */
export interface Access {
  readonly session: SessionOutput;
  has(permission: Permission): boolean;
  /** The role's group scope: a configured group it may control, or no group (admins). */
  covers(group: string | null): boolean;
  /** Whether the host lets the caller control: its own answer in `hosts.list`, else the token's hosts claim. */
  controlOn(host: string): boolean;
}

export function accessOf(session: SessionOutput, hosts: Hosts): Access {
  const groups = new Set(session.controlGroups);
  return {
    session,
    has: (permission) => roleHas(session.role, permission),
    covers: (group) => (group === null ? session.controlUngrouped : groups.has(group)),
    controlOn: (host) => {
      const info = hosts.get(host)?.info;
      if (info) return info.access.control;
      return session.hosts === null || session.hosts.includes(host);
    },
  };
}

export function mayControl(a: Access, group: string | null, host: string): boolean {
  return a.has('containers:control') && a.covers(group) && a.controlOn(host);
}

export function mayControlGroups(a: Access, group: string): boolean {
  return a.has('groups:control') && a.covers(group);
}

export function mayControlCompose(a: Access, group: string | null): boolean {
  return a.has('compose:control') && a.covers(group);
}

/** Scale, roll back, restart a service; deploy or remove a stack. */
export function mayControlSwarm(a: Access, group: string | null, host: string): boolean {
  return a.has('swarm:control') && a.covers(group) && a.controlOn(host);
}

/** A node's availability moves every task on it, whatever their group. */
export function mayControlNodes(a: Access, host: string): boolean {
  return a.has('nodes:control') && a.controlOn(host);
}

export function mayReadAudit(a: Access): boolean {
  return a.has('audit:read');
}
