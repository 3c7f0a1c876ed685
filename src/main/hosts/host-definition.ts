import type { Role } from '../../shared/permissions.js';
import type { EngineEndpoint } from '../docker/endpoint.js';

/** Which roles may read and control on a host (a hosts file entry's `access`). */
export interface HostAccess {
  read: readonly Role[];
  control: readonly Role[];
}

/** Every role reads; developers and admins control, within their group scope. */
export const DEFAULT_HOST_ACCESS: HostAccess = { read: ['user', 'developer', 'admin'], control: ['developer', 'admin'] };

/** One configured host: what a hosts file entry, or DOCKER_HOST alone, turns into. */
export interface HostDefinition {
  name: string;
  endpoint: EngineEndpoint;
  /** Shown to callers: no user info, no secrets. */
  url: string;
  isDefault: boolean;
  access: HostAccess;
}

/** Two definitions that reach the same engine the same way, with the same rules. */
export function sameDefinition(a: HostDefinition, b: HostDefinition): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
