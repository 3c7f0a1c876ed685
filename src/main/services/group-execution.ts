import { LucidError } from '../../shared/errors.js';
import type { GroupProgressEvent, MemberAction, MemberResult } from '../../shared/schemas/services.js';
import { mapBounded } from './bounded.js';
import type { ContainerService } from './containers.js';
import type { Direction, GroupMember } from './group-plan.js';

/** Members of one level act together, but never more than this many Docker calls at once. */
const PARALLEL_PER_LEVEL = 4;
const HEALTH_POLL_MS = 250;

/** The outcomes after which the members waiting on this one may go ahead. */
export const SUCCESS: Record<Direction, ReadonlySet<MemberAction>> = {
  start: new Set(['started', 'already-running']),
  stop: new Set(['stopped', 'already-stopped', 'missing']),
};

export interface ExecutionOptions {
  group: string;
  direction: Direction;
  /** Grace period of a stop, in seconds. */
  stopTimeout: number;
  containers: ContainerService;
  emit(event: GroupProgressEvent): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function messageOf(err: unknown): string {
  return err instanceof LucidError ? err.message : 'internal error';
}

/**
 * Runs the levels in order. A member whose prerequisites did not all succeed is skipped: on
 * start its dependencies, on stop its dependents (stopping a service something still uses is
 * what the order is there to avoid). Unrelated members go ahead.
 */
export async function executeLevels(levels: readonly GroupMember[][], options: ExecutionOptions): Promise<MemberResult[]> {
  const waitsFor = prerequisites(levels.flat(), options.direction);
  const outcome = new Map<string, MemberAction>();
  const results: MemberResult[] = [];
  for (const [level, members] of levels.entries()) {
    const settled = await mapBounded(members, PARALLEL_PER_LEVEL, (member) => {
      const blocker = (waitsFor.get(member.service) ?? []).find((name) => !SUCCESS[options.direction].has(outcome.get(name) ?? 'skipped'));
      if (blocker !== undefined) {
        const role = options.direction === 'start' ? 'dependency' : 'dependent';
        return Promise.resolve(report(member, level, options, performance.now(), 'skipped', `${role} ${blocker} ${outcome.get(blocker)}`));
      }
      return options.direction === 'start' ? startMember(member, level, options) : stopMember(member, level, options);
    });
    for (const result of settled) {
      outcome.set(result.service, result.action);
      results.push(result);
    }
  }
  return results;
}

function prerequisites(members: readonly GroupMember[], direction: Direction): Map<string, string[]> {
  const waitsFor = new Map<string, string[]>(members.map((m) => [m.service, direction === 'start' ? [...m.dependsOn] : []]));
  if (direction === 'stop') {
    for (const member of members) for (const dep of member.dependsOn) waitsFor.get(dep)?.push(member.service);
  }
  return waitsFor;
}

function emitStep(member: GroupMember, level: number, options: ExecutionOptions, step: GroupProgressEvent['step'], error?: string): void {
  options.emit({
    group: options.group,
    service: member.service,
    containerId: member.container?.id ?? null,
    step,
    level,
    ...(error !== undefined ? { error } : {}),
  });
}

function report(
  member: GroupMember,
  level: number,
  options: ExecutionOptions,
  began: number,
  action: MemberAction,
  error?: string,
): MemberResult {
  emitStep(member, level, options, action, error);
  return {
    service: member.service,
    containerId: member.container?.id ?? null,
    action,
    ...(error !== undefined ? { error } : {}),
    durationMs: Math.round(performance.now() - began),
  };
}

async function startMember(member: GroupMember, level: number, options: ExecutionOptions): Promise<MemberResult> {
  const began = performance.now();
  if (member.container === null) return report(member, level, options, began, 'missing');
  const id = member.container.id;
  emitStep(member, level, options, 'starting');
  try {
    const { changed, after } = await options.containers.transition(id, 'start', 0);
    if (after.state !== 'running') return report(member, level, options, began, 'failed', `not running after start: ${after.status}`);
    if (after.health !== 'none' && after.health !== 'healthy') {
      emitStep(member, level, options, 'waiting-healthy');
      const problem = await waitHealthy(options.containers, id, member.healthTimeoutSeconds);
      if (problem !== undefined) return report(member, level, options, began, 'failed', problem);
    }
    return report(member, level, options, began, changed ? 'started' : 'already-running');
  } catch (err) {
    return report(member, level, options, began, 'failed', messageOf(err));
  }
}

async function stopMember(member: GroupMember, level: number, options: ExecutionOptions): Promise<MemberResult> {
  const began = performance.now();
  if (member.container === null) return report(member, level, options, began, 'missing');
  emitStep(member, level, options, 'stopping');
  try {
    const { changed } = await options.containers.transition(member.container.id, 'stop', options.stopTimeout);
    return report(member, level, options, began, changed ? 'stopped' : 'already-stopped');
  } catch (err) {
    return report(member, level, options, began, 'failed', messageOf(err));
  }
}

/**
 * Polls inspect until the healthcheck passes; bounded by the member's timeout. An unhealthy
 * report is not final before the timeout (a service may fail its first checks while it boots),
 * a container that stops is.
 */
async function waitHealthy(containers: ContainerService, id: string, timeoutSeconds: number): Promise<string | undefined> {
  const deadline = performance.now() + timeoutSeconds * 1000;
  for (;;) {
    const details = await containers.get(id);
    if (details.state !== 'running') return `stopped while waiting to become healthy: ${details.status}`;
    if (details.health === 'healthy') return undefined;
    const remaining = deadline - performance.now();
    if (remaining <= 0) return `not healthy within ${timeoutSeconds} s (health: ${details.health})`;
    await sleep(Math.min(HEALTH_POLL_MS, remaining));
  }
}
