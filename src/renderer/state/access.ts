import { roleCovers, roleHas, ROLES, type Role } from '../../shared/permissions.js';

/**
 * What the page offers, from the role in the token: a hint only, the server decides every call.
 * An identity the host app bound without a token has no role the page can read: it is offered
 * everything and the server's refusal is shown when it says no.
 */
export function isRole(value: string | undefined): value is Role {
  return (ROLES as readonly string[]).includes(value ?? '');
}

/** `hosts`: the token's narrowing, if any; a host's own access list is the server's to apply. */
export function mayControl(role: string | undefined, group: string | null, host?: string, hosts?: readonly string[]): boolean {
  if (host !== undefined && hosts !== undefined && !hosts.includes(host)) return false;
  if (!isRole(role)) return role === undefined;
  return roleHas(role, 'containers:control') && roleCovers(role, group);
}

export function mayControlGroups(role: string | undefined, group: string): boolean {
  if (!isRole(role)) return role === undefined;
  return roleHas(role, 'groups:control') && roleCovers(role, group);
}

export function mayControlCompose(role: string | undefined, group: string | null): boolean {
  if (!isRole(role)) return role === undefined;
  return roleHas(role, 'compose:control') && roleCovers(role, group);
}

export function mayReadAudit(role: string | undefined): boolean {
  return role === undefined || (isRole(role) && roleHas(role, 'audit:read'));
}

export function mayScale(role: string | undefined, group: string | null): boolean {
  if (!isRole(role)) return role === undefined;
  return roleHas(role, 'swarm:control') && roleCovers(role, group);
}
