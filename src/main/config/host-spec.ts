import { displayUrl, type EngineEndpoint } from '../docker/endpoint.js';
import { ROLES, roleHas, type Role } from '../../shared/permissions.js';

/** Which roles may read and control on a host; a token's own role and group scope still apply. */
export interface HostAccess {
  read: Role[];
  control: Role[];
}

/** One Docker host, ready to connect to. */
export interface HostSpec {
  name: string;
  endpoint: EngineEndpoint;
  /** How the host may be shown: no user, no secrets, no file paths. */
  url: string;
  isDefault: boolean;
  access: HostAccess;
}

export interface HostsConfig {
  hosts: HostSpec[];
  /** The host of every operation that names none. */
  defaultHost: string;
}

/** Every role reads; the roles that may control anywhere control here too. */
export function defaultAccess(): HostAccess {
  return { read: [...ROLES], control: ROLES.filter((role) => roleHas(role, 'containers:control')) };
}

/** Why `access` cannot be as written, or undefined. */
export function accessProblem(access: HostAccess): { field: 'read' | 'control'; message: string } | undefined {
  for (const field of ['read', 'control'] as const) {
    const twice = access[field].find((role, i) => access[field].indexOf(role) !== i);
    if (twice !== undefined) return { field, message: `lists ${twice} twice` };
  }
  // Access per host narrows what a role may do; it cannot give a role a permission it lacks.
  const powerless = access.control.find((role) => !roleHas(role, 'containers:control'));
  if (powerless !== undefined) return { field: 'control', message: `${powerless} has no control permission on any host` };
  const blind = access.control.find((role) => !access.read.includes(role));
  if (blind !== undefined) return { field: 'control', message: `${blind} controls but does not read: add it to read` };
  return undefined;
}

export function hostSpec(name: string, endpoint: EngineEndpoint, isDefault: boolean, access: HostAccess = defaultAccess()): HostSpec {
  return { name, endpoint, url: displayUrl(endpoint), isDefault, access };
}
