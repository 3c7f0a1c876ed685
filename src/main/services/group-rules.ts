import type { MemberAction, PlannedStep } from '../../shared/schemas/services.js';
import type { Direction, GroupMember } from './group-plan.js';

/** The outcomes after which the members waiting on this one may go ahead. */
const SUCCESS: Record<Direction, ReadonlySet<MemberAction>> = {
  start: new Set(['started', 'already-running']),
  stop: new Set(['stopped', 'already-stopped', 'missing']),
};

/** Whether the group reached the requested state: the same test for a run's results and a plan's expectations. */
export function reachedState(actions: readonly MemberAction[], direction: Direction): boolean {
  return actions.every((action) => SUCCESS[direction].has(action));
}

export interface Outcome {
  service: string;
  action: MemberAction;
}

export interface Decision {
  step: PlannedStep;
  /** Why a member is skipped, failed or waited for; a skipped or failed member reports it as its error. */
  reason?: string;
}

/** Running containers with one of these states are acted upon by a stop. */
const STOPPABLE = new Set(['running', 'paused', 'restarting']);

/**
 * The members whose outcome a member waits for: on start its dependencies, on stop its
 * dependents (stopping a service something still uses is what the order is there to avoid).
 */
export function prerequisites(members: readonly GroupMember[], direction: Direction): Map<string, string[]> {
  const waitsFor = new Map<string, string[]>(members.map((m) => [m.service, direction === 'start' ? [...m.dependsOn] : []]));
  if (direction === 'stop') {
    for (const member of members) for (const dep of member.dependsOn) waitsFor.get(dep)?.push(member.service);
  }
  return waitsFor;
}

/**
 * What a group operation does with one member, from its container's state and the outcomes of
 * its prerequisites. The dry run and the real run both decide here, so a plan says what the run
 * does. A paused member is not unpaused by a start: someone paused it on purpose, and a group
 * start that resumed it would undo that behind their back; it fails instead and says so.
 */
export function decide(
  member: GroupMember,
  direction: Direction,
  before: readonly Outcome[],
  isProtected: (id: string) => boolean,
): Decision {
  const blocker = before.find((outcome) => !SUCCESS[direction].has(outcome.action));
  if (blocker !== undefined) {
    const role = direction === 'start' ? 'dependency' : 'dependent';
    return { step: 'skip', reason: `${role} ${blocker.service} ${blocker.action}` };
  }
  const container = member.container;
  if (container === null) return { step: 'missing' };
  if (direction === 'stop') {
    if (isProtected(container.id)) return { step: 'fail', reason: "the manager's own container cannot be stopped through its API" };
    return { step: STOPPABLE.has(container.state) ? 'stop' : 'none' };
  }
  switch (container.state) {
    case 'paused':
      return { step: 'fail', reason: 'paused: a group start does not unpause it; unpause it first' };
    case 'restarting':
      return { step: 'fail', reason: 'restarting: its restart policy is bringing it back after it exited; see its logs' };
    case 'dead':
    case 'removing':
      return { step: 'fail', reason: `${container.state}: cannot be started` };
    case 'running':
      if (container.health === 'starting') {
        return { step: 'wait-healthy', reason: `health: starting; waits up to ${member.healthTimeoutSeconds} s to become healthy` };
      }
      if (container.health === 'unhealthy') {
        return { step: 'wait-healthy', reason: `health: unhealthy; fails unless healthy within ${member.healthTimeoutSeconds} s` };
      }
      return { step: 'none' };
    default:
      return { step: 'start' };
  }
}

/**
 * The action a planned step ends in when no container changes state meanwhile: a member that is
 * unhealthy now stays so and fails at its timeout; one that is still starting becomes healthy.
 */
export function expectedAction(step: PlannedStep, member: GroupMember, direction: Direction): MemberAction {
  switch (step) {
    case 'start':
      return 'started';
    case 'stop':
      return 'stopped';
    case 'none':
      return direction === 'start' ? 'already-running' : 'already-stopped';
    case 'wait-healthy':
      return member.container?.health === 'unhealthy' ? 'failed' : 'already-running';
    case 'missing':
      return 'missing';
    case 'skip':
      return 'skipped';
    case 'fail':
      return 'failed';
  }
}
