import type { ContainerSummary } from '../../shared/schemas/containers.js';
import type { GroupStatus, MemberAction, PlanEntry } from '../../shared/schemas/services.js';
import type { GroupConfig } from '../config/services-config.js';
import type { GroupResolver } from '../model/group-membership.js';
import { decide, expectedAction, prerequisites } from './group-rules.js';

/** Members that joined by label or compose project have no config entry, hence no own timeout. */
const DEFAULT_HEALTH_TIMEOUT_SECONDS = 60;

export interface GroupMember {
  service: string;
  /** Where the member runs: its configured host, or the host of the container that joined. */
  host: string;
  dependsOn: readonly string[];
  healthTimeoutSeconds: number;
  container: ContainerSummary | null;
}

export type Direction = 'start' | 'stop';

/**
 * The group's members, each with the container that plays it (null when none does): configured
 * members in config order, then containers that joined by label or compose project, by name.
 */
export function membersOf(group: GroupConfig, containers: readonly ContainerSummary[], resolver: GroupResolver): GroupMember[] {
  const byService = new Map<string, ContainerSummary>();
  for (const container of containers) {
    const membership = resolver.resolve(container);
    if (membership?.group !== group.name) continue;
    const current = byService.get(membership.service);
    if (current === undefined || outranks(container, current, membership.service)) byService.set(membership.service, container);
  }
  const declared = new Set(group.members.map((m) => m.name));
  const configured = group.members.map((m) => ({
    service: m.name,
    host: resolver.hostOfMember(m.name),
    dependsOn: m.depends_on,
    healthTimeoutSeconds: m.healthTimeoutSeconds,
    container: byService.get(m.name) ?? null,
  }));
  const joined = [...byService]
    .filter(([service]) => !declared.has(service))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, container]) => ({
      service,
      host: container.host,
      dependsOn: [],
      healthTimeoutSeconds: DEFAULT_HEALTH_TIMEOUT_SECONDS,
      container,
    }));
  return [...configured, ...joined];
}

/**
 * Several containers can claim one service (a leftover copy, a scaled compose service): the one
 * named like the service wins, then a running one, then the newest.
 */
function outranks(candidate: ContainerSummary, current: ContainerSummary, service: string): boolean {
  const rank = (c: ContainerSummary) => [c.name === service ? 1 : 0, c.state === 'running' ? 1 : 0, Date.parse(c.createdAt)];
  const [a, b] = [rank(candidate), rank(current)];
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return false;
}

/**
 * Start order: a member sits one level after its deepest dependency, so everything it needs is
 * up before it starts. Stop order is the reverse.
 */
export function dependencyLevels(members: readonly GroupMember[], direction: Direction): GroupMember[][] {
  const byService = new Map(members.map((m) => [m.service, m]));
  const depth = new Map<string, number>();
  const levelOf = (member: GroupMember): number => {
    const known = depth.get(member.service);
    if (known !== undefined) return known;
    const deps = member.dependsOn.flatMap((name) => byService.get(name) ?? []);
    const level = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(levelOf));
    depth.set(member.service, level);
    return level;
  };
  const levels: GroupMember[][] = [];
  for (const member of members) (levels[levelOf(member)] ??= []).push(member);
  return direction === 'start' ? levels : levels.reverse();
}

/**
 * The dry run: each member decided by the rules of the real run, in its order, with the expected
 * outcomes of its prerequisites standing in for the real ones.
 */
export function planLevels(
  levels: readonly GroupMember[][],
  direction: Direction,
  isProtected: (member: GroupMember, id: string) => boolean,
): PlanEntry[][] {
  const waitsFor = prerequisites(levels.flat(), direction);
  const expected = new Map<string, MemberAction>();
  return levels.map((level) =>
    level.map((member) => {
      const before = (waitsFor.get(member.service) ?? []).flatMap((service) => {
        const action = expected.get(service);
        return action === undefined ? [] : [{ service, action }];
      });
      const { step, reason } = decide(member, direction, before, (id) => isProtected(member, id));
      const action = expectedAction(step, member, direction);
      expected.set(member.service, action);
      return {
        service: member.service,
        host: member.host,
        containerId: member.container?.id ?? null,
        state: member.container?.state ?? 'missing',
        dependsOn: [...member.dependsOn],
        planned: step,
        expected: action,
        ...(reason !== undefined ? { reason } : {}),
      };
    }),
  );
}

/** `unreachable`: hosts whose containers are not known now; their members are `unknown`. */
export function statusOf(group: GroupConfig, members: readonly GroupMember[], unreachable: ReadonlySet<string> = new Set()): GroupStatus {
  const services = members.map((m) => ({
    name: m.service,
    host: m.host,
    containerId: m.container?.id ?? null,
    state: m.container?.state ?? (unreachable.has(m.host) ? ('unknown' as const) : ('missing' as const)),
    health: m.container?.health ?? ('none' as const),
    dependsOn: [...m.dependsOn],
  }));
  const running = services.filter((s) => s.state === 'running');
  return {
    name: group.name,
    phase: group.phase,
    description: group.description,
    dependsOn: group.depends_on,
    services,
    total: services.length,
    running: running.length,
    healthy: running.filter((s) => s.health === 'healthy' || s.health === 'none').length,
  };
}
