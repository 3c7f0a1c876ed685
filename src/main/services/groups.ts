import { LucidError } from '../../shared/errors.js';
import { DEFAULT_STOP_TIMEOUT_SECONDS } from '../../shared/schemas/containers.js';
import type { GroupOperationResult, GroupStatus } from '../../shared/schemas/services.js';
import type { ServicesConfig, GroupConfig } from '../config/services-config.js';
import type { OperationContext } from '../model/context.js';
import type { GroupResolver } from '../model/group-membership.js';
import type { ContainerService } from './containers.js';
import { executeLevels } from './group-execution.js';
import { dependencyLevels, membersOf, planLevels, statusOf, type Direction } from './group-plan.js';
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
    private readonly containers: ContainerService,
    private readonly resolver: GroupResolver,
  ) {
    this.groups = config.groups.toSorted((a, b) => a.phase - b.phase);
  }

  /** Status is read, like the container list, from the live snapshot when there is one. */
  async list(): Promise<GroupStatus[]> {
    const { containers } = await this.containers.listAnswer({ all: true });
    return this.groups.map((group) => statusOf(group, membersOf(group, containers, this.resolver)));
  }

  async get(name: string): Promise<GroupStatus> {
    const group = this.find(name);
    const { containers } = await this.containers.listAnswer({ all: true });
    return statusOf(group, membersOf(group, containers, this.resolver));
  }

  start(command: GroupCommand, ctx: OperationContext): Promise<GroupOperationResult> {
    return this.operate('start', command, ctx);
  }

  stop(command: GroupCommand, ctx: OperationContext): Promise<GroupOperationResult> {
    return this.operate('stop', command, ctx);
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
      // From here on the operation runs: a streaming caller gets progress, then the result.
      ctx.ready();
      const containers = await this.containers.list({ all: true });
      const levels = dependencyLevels(membersOf(group, containers, this.resolver), direction);
      const warnings = phaseWarnings(direction, group, this.groups, containers, this.resolver);
      if (command.dryRun) {
        const plan = planLevels(levels, direction, (id) => this.containers.isSelf(id));
        const ok = reachedState(plan.flat().map((entry) => entry.expected), direction);
        return { group: group.name, ok, dryRun: true, warnings, results: [], plan };
      }
      const results = await executeLevels(levels, {
        group: group.name,
        direction,
        stopTimeout: command.timeout ?? DEFAULT_STOP_TIMEOUT_SECONDS,
        containers: this.containers,
        emit: (event) => ctx.emit(event),
      });
      const failures = results.filter((r) => !reachedState([r.action], direction)).length;
      if (failures > 0) ctx.reportFailures(failures);
      return { group: group.name, ok: failures === 0, dryRun: false, warnings, results };
    } finally {
      if (!command.dryRun) this.busy.delete(group.name);
    }
  }

  private acquire(name: string): void {
    if (this.busy.has(name)) {
      throw new LucidError('OPERATION_IN_PROGRESS', `another start or stop of group ${name} is under way`, { group: name });
    }
    this.busy.add(name);
  }
}
