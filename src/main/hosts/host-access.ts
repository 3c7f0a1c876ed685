import { LucidError } from '../../shared/errors.js';
import type { HostAccess } from '../config/host-spec.js';
import type { Identity } from '../model/context.js';
import type { HostAccessKind } from '../services/fleet.js';

/**
 * Whether `identity` may act on a host this way: its role is in the host's list for it, and its
 * token's `hosts` claim (when there is one) names the host. Group scope is checked on top of this,
 * by the operation, as on a single host.
 */
export function hostAllows(identity: Identity | null, host: string, access: HostAccess, kind: HostAccessKind): boolean {
  if (identity === null) return false;
  if (identity.hosts !== undefined && !identity.hosts.includes(host)) return false;
  return access[kind].includes(identity.role);
}

export function requireHostAccess(identity: Identity | null, host: string, access: HostAccess, kind: HostAccessKind): void {
  if (identity === null) throw new LucidError('UNAUTHENTICATED', 'authentication required');
  if (hostAllows(identity, host, access, kind)) return;
  const why =
    identity.hosts !== undefined && !identity.hosts.includes(host)
      ? `the token is limited to hosts ${identity.hosts.join(', ') || '(none)'}`
      : `role ${identity.role} may not ${kind} there`;
  throw new LucidError('FORBIDDEN', `host ${host}: ${why}`, { host, role: identity.role });
}
