export const ROLES = ['user', 'developer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'containers:read',
  'logs:read',
  'stats:read',
  'containers:control',
  'groups:read',
  'groups:control',
  'compose:read',
  'compose:control',
  'audit:read',
  'system:read',
  'swarm:read',
  'swarm:control',
  /** A node's availability moves every task on it, whatever group they are in: admins only. */
  'nodes:control',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Marks an operation that needs no identity at all (probes, metrics). */
export const PUBLIC = 'public' as const;
export type OperationAccess = Permission | typeof PUBLIC;

export const GROUP_NAMES = ['foundation', 'core', 'application', 'support'] as const;
export type GroupName = (typeof GROUP_NAMES)[number];

const READ: Permission[] = [
  'containers:read',
  'logs:read',
  'stats:read',
  'groups:read',
  'compose:read',
  'system:read',
  'swarm:read',
];
const CONTROL: Permission[] = ['containers:control', 'groups:control', 'compose:control', 'swarm:control'];

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  user: new Set(READ),
  developer: new Set([...READ, ...CONTROL]),
  admin: new Set([...READ, ...CONTROL, 'audit:read', 'nodes:control']),
};

/**
 * Which groups a role may control. `null` stands for "in no group": only admins may touch those,
 * because an unlabelled container may be anything on the host, the manager itself included.
 */
export const ROLE_SCOPE: Record<Role, ReadonlySet<GroupName | null>> = {
  user: new Set(),
  developer: new Set(['foundation', 'core', 'application']),
  admin: new Set([...GROUP_NAMES, null]),
};

export function roleHas(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

/** Admins reach every group, also one added to the services config beyond the four phases. */
export function roleCovers(role: Role, group: string | null): boolean {
  return role === 'admin' || (ROLE_SCOPE[role] as ReadonlySet<string | null>).has(group);
}
