import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { GROUP_NAME, hostNameSchema } from '../../shared/schemas/common.js';
import { configProblems, readYamlFile } from './yaml-file.js';

export { GROUP_NAME };
const MEMBER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
const COMPOSE_FILE = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]+\.ya?ml$/;

const memberSchema = z.strictObject({
  name: z.string().regex(MEMBER_NAME, 'must be a container or service name'),
  depends_on: z.array(z.string()).default([]),
  healthTimeoutSeconds: z.number().int().min(1).max(3600).default(60),
  /** The host this member runs on; else its group's. */
  host: hostNameSchema.optional(),
});

const groupSchema = z
  .strictObject({
    name: z.string().regex(GROUP_NAME, 'must match ^[a-z0-9][a-z0-9_-]{0,62}$'),
    phase: z.number().int().min(1).max(99),
    description: z.string().default(''),
    depends_on: z.array(z.string()).default([]),
    /** The host of the group's compose project and of members that name none; else the default host. */
    host: hostNameSchema.optional(),
    compose: z
      .strictObject({
        project: z.string().regex(GROUP_NAME, 'must be a compose project name'),
        files: z.array(z.string().regex(COMPOSE_FILE, 'must be a relative .yml/.yaml path inside the projects folder')).min(1),
        /** Deployed as a swarm stack on the group's host (a swarm manager): start scales up, stop scales to 0. */
        stack: z.boolean().default(false),
      })
      .optional(),
    members: z.array(memberSchema).default([]),
  })
  .superRefine((group, ctx) => {
    const names = group.members.map((m) => m.name);
    group.members.forEach((member, i) => {
      if (names.indexOf(member.name) !== i) {
        ctx.addIssue({ code: 'custom', path: ['members', i, 'name'], message: `duplicate member "${member.name}"` });
      }
      member.depends_on.forEach((dep, j) => {
        if (!names.includes(dep)) {
          ctx.addIssue({ code: 'custom', path: ['members', i, 'depends_on', j], message: `unknown member "${dep}"` });
        }
      });
    });
    const cycle = findCycle(group.members);
    if (cycle) ctx.addIssue({ code: 'custom', path: ['members'], message: `dependency cycle: ${cycle.join(' -> ')}` });
  });

export const servicesConfigSchema = z
  .strictObject({ groups: z.array(groupSchema).min(1) })
  .superRefine((config, ctx) => {
    const names = config.groups.map((g) => g.name);
    config.groups.forEach((group, i) => {
      if (names.indexOf(group.name) !== i) {
        ctx.addIssue({ code: 'custom', path: ['groups', i, 'name'], message: `duplicate group "${group.name}"` });
      }
      group.depends_on.forEach((dep, j) => {
        if (!names.includes(dep)) {
          ctx.addIssue({ code: 'custom', path: ['groups', i, 'depends_on', j], message: `unknown group "${dep}"` });
        }
      });
    });
    const cycle = findCycle(config.groups);
    if (cycle) {
      const at = names.indexOf(cycle[0] ?? '');
      ctx.addIssue({ code: 'custom', path: ['groups', at, 'depends_on'], message: `group dependency cycle: ${cycle.join(' -> ')}` });
    }
    // Phases are the coarse order and depends_on refines it; the two must not contradict each other.
    config.groups.forEach((group, i) => {
      group.depends_on.forEach((dep, j) => {
        const other = config.groups.find((g) => g.name === dep);
        if (other !== undefined && other.phase > group.phase) {
          ctx.addIssue({
            code: 'custom',
            path: ['groups', i, 'depends_on', j],
            message: `group "${dep}" has a later phase (${other.phase}) than ${group.name} (${group.phase})`,
          });
        }
      });
    });
    // A compose project decides the group of its containers, so it may map to one group only.
    const projectOwner = new Map<string, string>();
    config.groups.forEach((group, i) => {
      if (!group.compose) return;
      const first = projectOwner.get(group.compose.project);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['groups', i, 'compose', 'project'],
          message: `compose project "${group.compose.project}" is already mapped to group ${first}`,
        });
      } else {
        projectOwner.set(group.compose.project, group.name);
      }
    });
    // A container name decides its group when it carries no label, so a name may sit in one group only.
    const owner = new Map<string, string>();
    config.groups.forEach((group, i) => {
      group.members.forEach((member, j) => {
        const first = owner.get(member.name);
        if (first !== undefined && first !== group.name) {
          ctx.addIssue({
            code: 'custom',
            path: ['groups', i, 'members', j, 'name'],
            message: `"${member.name}" is already a member of group ${first}`,
          });
        }
        owner.set(member.name, first ?? group.name);
      });
    });
  });

export type ServicesConfig = z.infer<typeof servicesConfigSchema>;
export type GroupConfig = ServicesConfig['groups'][number];
export type MemberConfig = GroupConfig['members'][number];

/** The first dependency cycle among members of a group, or among groups, as a closed path. */
function findCycle(nodes: readonly { name: string; depends_on: readonly string[] }[]): string[] | undefined {
  const deps = new Map(nodes.map((m) => [m.name, m.depends_on]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const dep of deps.get(name) ?? []) {
      const found = visit(dep);
      if (found) return found;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of deps.keys()) {
    const found = visit(name);
    if (found) return found;
  }
  return undefined;
}

/** The default shipped with the package, next to the env template. */
export const DEFAULT_SERVICES_CONFIG = fileURLToPath(new URL('../../../config/services.yml', import.meta.url));

/**
 * Reads and validates the services config. Any problem stops the manager at start with the file,
 * the path inside the document and what is wrong, e.g.
 * `services.yml: groups.1.members.0.depends_on.0: unknown member "x"`.
 */
export function loadServicesConfig(path: string = DEFAULT_SERVICES_CONFIG): ServicesConfig {
  const result = servicesConfigSchema.safeParse(readYamlFile(path, 'services config'));
  if (result.success) return result.data;
  throw configProblems(path, result.error.issues);
}

/**
 * Every host the services config names must be a configured host: checked at start (the manager
 * stops, naming the path) and on each hosts reload (a reload that drops a named host is refused).
 */
export function unknownHostProblems(config: ServicesConfig, hosts: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  config.groups.forEach((group, i) => {
    if (group.host !== undefined && !hosts.has(group.host)) problems.push(`groups.${i}.host: unknown host "${group.host}"`);
    group.members.forEach((member, j) => {
      if (member.host !== undefined && !hosts.has(member.host)) {
        problems.push(`groups.${i}.members.${j}.host: unknown host "${member.host}"`);
      }
    });
  });
  return problems;
}
