import pLimit, { type LimitFunction } from 'p-limit';
import { LucidError } from '../../shared/errors.js';
import type { GroupProgressEvent, MemberAction, MemberResult } from '../../shared/schemas/services.js';
import { sleep } from '../system/sleep.js';
import type { Fleet } from './fleet.js';
import type { Direction, GroupMember } from './group-plan.js';
import { decide, prerequisites, type Outcome } from './group-rules.js';

/** Docker calls of one group operation in flight at once; a member waiting for its health holds none. */
export const DOCKER_CALLS = 4;
const HEALTH_POLL_MS = 250;

/** A member's state as a start or a health wait sees it. */
export interface MemberState {
  state: string;
  status: string;
  health: string;
}

/**
 * What a run does to one member (`id`: what plays it). Containers by default; a stack group's
 * members are swarm services, started by scaling up and stopped by scaling to 0.
 */
export interface MemberActions {
  start(member: GroupMember, id: string): Promise<{ changed: boolean; after: MemberState }>;
  stop(member: GroupMember, id: string, stopTimeout: number): Promise<{ changed: boolean }>;
  get(member: GroupMember, id: string): Promise<MemberState>;
  /** The manager's own container: never stopped. */
  isSelf(member: GroupMember, id: string): boolean;
}

export function containerActions(fleet: Fleet): MemberActions {
  return {
    start: (member, id) => fleet.on(member.host).transition(id, 'start', 0),
    stop: (member, id, stopTimeout) => fleet.on(member.host).transition(id, 'stop', stopTimeout),
    get: (member, id) => fleet.on(member.host).get(id),
    isSelf: (member, id) => fleet.on(member.host).isSelf(id),
  };
}

export interface ExecutionOptions {
  group: string;
  direction: Direction;
  /** Grace period of a stop, in seconds. */
  stopTimeout: number;
  fleet: Fleet;
  /** How members are acted on; the containers of `fleet` when left out. */
  actions?: MemberActions;
  emit(event: GroupProgressEvent): void;
}

/** One member's part of a run: its level (for progress events) and the Docker call bound of the run. */
interface Step {
  member: GroupMember;
  level: number;
  options: ExecutionOptions;
  actions: MemberActions;
  docker: LimitFunction;
}

function messageOf(err: unknown): string {
  return err instanceof LucidError ? err.message : 'internal error';
}

/**
 * Runs every member as soon as its own prerequisites are done (not the whole level before it),
 * so a slow member holds up only what waits for it. A
 * member whose prerequisites did not all succeed is skipped; unrelated members go ahead. Results
 * come in the levels' order, whatever order the members finished in.
 */
export async function executeLevels(levels: readonly GroupMember[][], options: ExecutionOptions): Promise<MemberResult[]> {
  const waitsFor = prerequisites(levels.flat(), options.direction);
  const docker = pLimit(DOCKER_CALLS);
  const actions = options.actions ?? containerActions(options.fleet);
  const runs = new Map<string, Promise<MemberResult>>();
  // A member's prerequisites sit on earlier levels, so their runs exist by the time it is reached.
  for (const [level, members] of levels.entries()) {
    for (const member of members) {
      const before = (waitsFor.get(member.service) ?? []).flatMap((service) => runs.get(service) ?? []);
      runs.set(
        member.service,
        Promise.all(before).then((settled) => runMember({ member, level, options, actions, docker }, settled)),
      );
    }
  }
  return Promise.all(runs.values());
}

async function runMember(step: Step, before: readonly Outcome[]): Promise<MemberResult> {
  const began = performance.now();
  const { direction } = step.options;
  const decision = decide(step.member, direction, before, (id) => step.actions.isSelf(step.member, id));
  const container = step.member.container;
  if (decision.step === 'skip') return report(step, began, 'skipped', decision.reason);
  if (decision.step === 'fail') return report(step, began, 'failed', decision.reason);
  if (decision.step === 'missing' || container === null) return report(step, began, 'missing');
  return direction === 'start' ? startMember(step, container.id, began) : stopMember(step, container.id, began);
}

function emitStep(step: Step, what: GroupProgressEvent['step'], error?: string): void {
  step.options.emit({
    group: step.options.group,
    service: step.member.service,
    host: step.member.host,
    containerId: step.member.container?.id ?? null,
    step: what,
    level: step.level,
    ...(error !== undefined ? { error } : {}),
  });
}

function report(step: Step, began: number, action: MemberAction, error?: string): MemberResult {
  emitStep(step, action, error);
  return {
    service: step.member.service,
    host: step.member.host,
    containerId: step.member.container?.id ?? null,
    action,
    ...(error !== undefined ? { error } : {}),
    durationMs: Math.round(performance.now() - began),
  };
}

async function startMember(step: Step, id: string, began: number): Promise<MemberResult> {
  emitStep(step, 'starting');
  try {
    const { changed, after } = await step.docker(() => step.actions.start(step.member, id));
    if (after.state !== 'running') return report(step, began, 'failed', `not running after start: ${after.status}`);
    if (after.health !== 'none' && after.health !== 'healthy') {
      emitStep(step, 'waiting-healthy');
      const problem = await waitHealthy(step, id);
      if (problem !== undefined) return report(step, began, 'failed', problem);
    }
    return report(step, began, changed ? 'started' : 'already-running');
  } catch (err) {
    return report(step, began, 'failed', messageOf(err));
  }
}

async function stopMember(step: Step, id: string, began: number): Promise<MemberResult> {
  emitStep(step, 'stopping');
  try {
    const { changed } = await step.docker(() => step.actions.stop(step.member, id, step.options.stopTimeout));
    return report(step, began, changed ? 'stopped' : 'already-stopped');
  } catch (err) {
    return report(step, began, 'failed', messageOf(err));
  }
}

/**
 * Polls inspect until the healthcheck passes; bounded by the member's timeout. An unhealthy
 * report is not final before the timeout (a service may fail its first checks while it boots),
 * a container that stops is. Only the inspect itself counts against the Docker call bound.
 */
async function waitHealthy(step: Step, id: string): Promise<string | undefined> {
  const timeoutSeconds = step.member.healthTimeoutSeconds;
  const deadline = performance.now() + timeoutSeconds * 1000;
  for (;;) {
    const details = await step.docker(() => step.actions.get(step.member, id));
    if (details.state !== 'running') return `stopped while waiting to become healthy: ${details.status}`;
    if (details.health === 'healthy') return undefined;
    const remaining = deadline - performance.now();
    if (remaining <= 0) return `not healthy within ${timeoutSeconds} s (health: ${details.health})`;
    await sleep(Math.min(HEALTH_POLL_MS, remaining));
  }
}
