import { LucidError } from '../../shared/errors.js';
import { DEFAULT_STOP_TIMEOUT_SECONDS } from '../../shared/schemas/containers.js';
import type { ContainerSummary, HostReport } from '../../shared/schemas/containers.js';
import type { GroupOperationResult, GroupStatus } from '../../shared/schemas/services.js';
import type { SessionOutput } from '../../shared/schemas/session.js';
import { roleCovers } from '../../shared/permissions.js';
import type { ServicesConfig, GroupConfig } from '../config/services-config.js';
import type { OperationContext } from '../model/context.js';
import type { GroupResolver } from '../model/group-membership.js';
import type { Fleet } from './fleet.js';
import { containerActions, executeLevels } from './group-execution.js';
import { dependencyLevels, membersOf, planLevels, statusOf, type Direction, type GroupMember } from './group-plan.js';
import { stackSide, type StackGroupHosts } from './group-stack.js';
import { reachedState } from './group-rules.js';
import { phaseWarnings } from './group-warnings.js';

export interface GroupCommand {
  group: string;
  dryRun: boolean;
  /** Stop grace period in seconds; the API's default when a library caller leaves it out. */
  timeout?: number;
}

/** The service groups of the services config: status, and start/stop in dependency order. */
export class GroupService {
  /**
   * Groups with a start or stop under way: a second one would race the first member by member.
   * Held in this manager's memory only: another manager process on the same engine (a GUI next
   * to a headless server) has its own.
   */
  private readonly busy = new Set<string>();
  private readonly groups: readonly GroupConfig[];

  constructor(
    config: ServicesConfig,
    private readonly fleet: Fleet,
    private readonly resolver: GroupResolver,
    /** The swarm side of the hosts: groups whose compose project is a stack (`compose.stack`) act there. */
    private readonly stacks?: StackGroupHosts,
  ) {
    this.groups = config.groups.toSorted((a, b) => a.phase - b.phase);
  }

  /**
   * Status is read, like the container list, from each host's live snapshot. A group spans the
   * hosts its members name; `host` narrows the answer to the members on one of them.
   */
  async list(ctx: OperationContext, host?: string): Promise<{ groups: GroupStatus[]; hosts: HostReport[] }> {
    this.requireHostFilter(ctx, host);
    const { containers, hosts, unreachable } = await this.fleet.list(ctx, this.hostsOf(this.groups));
    const groups = await Promise.all(this.groups.map((group) => this.status(group, containers, unreachable, ctx, host)));
    return { groups, hosts };
  }

  async get(name: string, ctx: OperationContext, host?: string): Promise<GroupStatus> {
    const group = this.find(name);
    this.requireHostFilter(ctx, host);
    const { containers, unreachable } = await this.fleet.list(ctx, this.hostsOf([group]));
    return this.status(group, containers, unreachable, ctx, host);
  }

  private async status(
    group: GroupConfig,
    containers: readonly ContainerSummary[],
    unreachable: ReadonlySet<string>,
    ctx: OperationContext,
    host?: string,
  ): Promise<GroupStatus> {
    const { members: all, unknownHost } = await this.membersOf(group, containers, ctx);
    const members = all.filter((m) => host === undefined || host === '*' || m.host === host);
    return statusOf(group, members, unknownHost === undefined ? unreachable : new Set([...unreachable, unknownHost]));
  }

  /**
   * A stack group's members are its stack's services on its host; when the cluster cannot be read
   * (the host is down, or no manager) they are shown as the host's unreachable members are.
   */
  private async membersOf(
    group: GroupConfig,
    containers: readonly ContainerSummary[],
    ctx: OperationContext,
  ): Promise<{ members: GroupMember[]; unknownHost?: string }> {
    if (!group.compose?.stack || !this.stacks) return { members: membersOf(group, containers, this.resolver) };
    const host = this.resolver.hostOfGroup(group);
    try {
      this.fleet.requireAccess(ctx, host, 'read');
      return { members: (await stackSide(group, host, this.stacks, ctx, { live: true })).members };
    } catch {
      const members = group.members.map((m) => ({
        service: m.name,
        host,
        dependsOn: m.depends_on,
        healthTimeoutSeconds: m.healthTimeoutSeconds,
        container: null,
      }));
      return { members, unknownHost: host };
    }
  }

  /**
   * The hosts a group's members may be on: those the config names, and the default host. Members
   * that join by label may run anywhere, so every configured host is listed when none is named.
   */
  private hostsOf(groups: readonly GroupConfig[]): string[] | undefined {
    const named = new Set<string>([this.fleet.defaultHost()]);
    for (const group of groups) {
      named.add(this.resolver.hostOfGroup(group));
      for (const member of group.members) named.add(this.resolver.hostOfMember(member.name));
    }
    return named.size === 1 ? undefined : [...named];
  }

  start(command: GroupCommand, ctx: OperationContext): Promise<GroupOperationResult> {
    return this.operate('start', command, ctx);
  }

  stop(command: GroupCommand, ctx: OperationContext): Promise<GroupOperationResult> {
    return this.operate('stop', command, ctx);
  }

  /** Who calls, with the configured groups its role may control: what a GUI offers controls by. */
  session(ctx: OperationContext): SessionOutput {
    const identity = ctx.identity;
    if (identity === null) throw new LucidError('UNAUTHENTICATED', 'authentication required');
    return {
      sub: identity.sub,
      role: identity.role,
      expiresAt: identity.expiresAt === undefined ? null : new Date(identity.expiresAt * 1000).toISOString(),
      hosts: identity.hosts === undefined ? null : [...identity.hosts],
      controlGroups: this.groups.filter((group) => roleCovers(identity.role, group.name)).map((group) => group.name),
      controlUngrouped: roleCovers(identity.role, null),
    };
  }

  /** A host filter must name a configured host the caller may read: else it would answer nothing, silently. */
  private requireHostFilter(ctx: OperationContext, host: string | undefined): void {
    if (host !== undefined && host !== '*') this.fleet.requireAccess(ctx, host, 'read');
  }

  /** Refuses a group filter that names no configured group: it could never match anything. */
  requireKnown(name: string | undefined): void {
    if (name !== undefined) this.find(name);
  }

  private find(name: string): GroupConfig {
    const group = this.groups.find((g) => g.name === name);
    if (!group) throw new LucidError('GROUP_NOT_FOUND', `no service group ${name}`, { group: name });
    return group;
  }

  /**
   * Once the operation ran, the answer is always a result (per member, `ok` false when one did not
   * reach the requested state), never an error: clients read one shape. A group operation runs to
   * its end even when the caller goes away, so a group is never left half done by a closed window.
   */
  private async operate(direction: Direction, command: GroupCommand, ctx: OperationContext): Promise<GroupOperationResult> {
    const group = this.find(command.group);
    ctx.target = `group:${group.name}`;
    ctx.requireScope(group.name, 'the services');
    if (!command.dryRun) this.acquire(group.name);
    try {
      const { containers, unreachable } = await this.fleet.list(ctx, this.hostsOf(this.groups), { fresh: true });
      const stack = group.compose?.stack && this.stacks ? await this.stackGroup(group, ctx) : undefined;
      const members = stack?.members ?? membersOf(group, containers, this.resolver);
      const actions = stack?.actions ?? containerActions(this.fleet);
      for (const host of new Set(members.map((m) => m.host))) {
        this.fleet.requireAccess(ctx, host, 'control');
        if (unreachable.has(host)) {
          throw new LucidError('DOCKER_UNAVAILABLE', `host ${host} of group ${group.name} is not reachable: nothing was changed`, { host });
        }
      }
      // From here on the operation runs: a streaming caller gets progress, then the result.
      ctx.ready();
      const levels = dependencyLevels(members, direction);
      const warnings = phaseWarnings(direction, group, this.groups, containers, this.resolver);
      if (command.dryRun) {
        const plan = planLevels(levels, direction, (member, id) => actions.isSelf(member, id));
        const ok = reachedState(plan.flat().map((entry) => entry.expected), direction);
        return { group: group.name, ok, dryRun: true, warnings, results: [], plan };
      }
      const results = await executeLevels(levels, {
        group: group.name,
        direction,
        stopTimeout: command.timeout ?? DEFAULT_STOP_TIMEOUT_SECONDS,
        fleet: this.fleet,
        actions,
        emit: (event) => ctx.emit(event),
      });
      const failures = results.filter((r) => !reachedState([r.action], direction)).length;
      if (failures > 0) ctx.reportFailures(failures);
      return { group: group.name, ok: failures === 0, dryRun: false, warnings, results };
    } finally {
      if (!command.dryRun) this.busy.delete(group.name);
    }
  }

  /** The caller must be allowed to control the stack's host before its cluster is read; a host that is no manager is refused here. */
  private async stackGroup(group: GroupConfig, ctx: OperationContext) {
    const host = this.resolver.hostOfGroup(group);
    this.fleet.requireAccess(ctx, host, 'control');
    return stackSide(group, host, this.stacks as StackGroupHosts, ctx);
  }

  private acquire(name: string): void {
    if (this.busy.has(name)) {
      throw new LucidError('OPERATION_IN_PROGRESS', `another start or stop of group ${name} is under way`, { group: name });
    }
    this.busy.add(name);
  }
}
