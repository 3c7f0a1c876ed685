import { LucidError } from '../../shared/errors.js';
import type { LogsOutput } from '../../shared/schemas/containers.js';
import type {
  NodeAvailability,
  SwarmFollowLogsInput,
  SwarmLogsInput,
  SwarmNode,
  SwarmService,
  SwarmServiceControl,
  SwarmStack,
  SwarmTask,
} from '../../shared/schemas/swarm.js';
import { parseAnswer } from '../docker/answers.js';
import type { DockerGateway } from '../docker/gateway.js';
import { errorsField, readLogBounded, type LogQuery, type LogSource } from '../docker/log-read.js';
import type { ReadBudget } from '../docker/read-budget.js';
import { listServices, serviceWithStatus } from '../docker/service-list.js';
import { swarmCall } from '../docker/swarm-calls.js';
import {
  rawNodeListSchema,
  rawServiceSchema,
  rawTaskListSchema,
  STACK_LABEL,
  type RawService,
} from '../docker/swarm-answers.js';
import type { OperationContext } from '../model/context.js';
import { modeOf, nodeFromRaw, serviceFromRaw, stackOf, taskFromRaw } from '../model/swarm-mapping.js';
import { timePointSeconds } from '../../shared/schemas/common.js';
import { markReusable } from '../state/json-cache.js';
import type { SwarmState } from '../state/swarm-state.js';
import type { SwarmWatchOutput } from '../../shared/schemas/swarm-events.js';
import { followServiceLog, type FollowEnd } from './swarm-log-follow.js';
import { watchSwarm } from './swarm-watch.js';

const SERVICE = { notFound: 'SERVICE_NOT_FOUND', conflict: 'SERVICE_CONFLICT', what: 'swarm service' } as const;
/** A node has no conflict code of its own: Docker's 409 on it is Docker refusing the change. */
const NODE = { notFound: 'NODE_NOT_FOUND', conflict: 'DOCKER_ERROR', what: 'swarm node' } as const;
export const SERVICE_LOG: LogSource = { resource: 'services', notFound: SERVICE };

/** The service group that controls a stack (the group whose compose project it is), or null. */
export interface StackGroups {
  groupOf(stack: string): Promise<string | null>;
  /** The registered compose projects by name, with their groups. */
  projects(): Promise<ReadonlyMap<string, string | null>>;
}

export interface SwarmServiceOptions {
  stackGroups: StackGroups;
  /** Text one log read answers at most (LOG_READ_MAX_BYTES). */
  logReadMaxBytes: number;
  readBudget?: ReadBudget | undefined;
  /** The cluster kept from the manager's event stream: reads answer from it while it is live. */
  state?: SwarmState;
  /** The host's name, for events. */
  host?: string;
}

/** How long a subscriber waits for the live state to form before it is told what Docker says. */
const LIVE_WAIT_MS = 5000;
/** Answers kept per state version: one per stack filter in use, and a caller inventing filters cannot grow it past this. */
const MAX_KEPT_ANSWERS = 32;

export interface ServicesAnswer {
  readonly services: SwarmService[];
}

/** An update that lost a race with another writer (Docker's "update out of sequence") is tried again, this often. */
const UPDATE_ATTEMPTS = 3;

/**
 * The cluster as one swarm manager's engine sees it: nodes, services, tasks and stacks, and the
 * controls on them. One instance per host; a host whose engine is no manager answers
 * NOT_SWARM_MANAGER (Docker's own 503 on the cluster endpoints).
 */
export class SwarmCluster {
  /** The services answers built from one version of the live state and one read of the projects. */
  private kept: { version: number; projects: ReadonlyMap<string, string | null>; answers: Map<string, ServicesAnswer> } | undefined;

  constructor(
    private readonly gateway: DockerGateway,
    private readonly options: SwarmServiceOptions,
  ) {}

  async nodes(): Promise<SwarmNode[]> {
    const state = this.liveState();
    const raw = state
      ? state.nodeList()
      : parseAnswer(rawNodeListSchema, await swarmCall(this.gateway, { operation: 'swarm.nodes', method: 'GET', path: '/nodes' }));
    return raw.map(nodeFromRaw).sort((a, b) => a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id));
  }

  /** `fresh`: asked of Docker even while the live state could answer (a deploy waiting to converge). */
  async services(stack?: string, options: { fresh?: boolean } = {}): Promise<SwarmService[]> {
    const raw = await this.rawServices(stack, options.fresh);
    const projects = await this.options.stackGroups.projects();
    return raw.map((service) => {
      const name = stackOf(service);
      return serviceFromRaw(service, name === null ? null : (projects.get(name) ?? null));
    });
  }

  /**
   * The services list as answered to a reader: while the live state answers, the same object for
   * the same state version, projects and stack filter, so it is built and serialised once however
   * often it is asked.
   */
  async servicesAnswer(stack?: string): Promise<ServicesAnswer> {
    const state = this.liveState();
    if (!state) return { services: await this.services(stack) };
    const projects = await this.options.stackGroups.projects();
    const version = state.version;
    if (this.kept?.version !== version || this.kept.projects !== projects || this.kept.answers.size >= MAX_KEPT_ANSWERS) {
      this.kept = { version, projects, answers: new Map() };
    }
    const key = stack === undefined ? '' : `=${stack}`;
    let answer = this.kept.answers.get(key);
    if (answer === undefined) {
      answer = markReusable({ services: await this.services(stack) });
      this.kept.answers.set(key, answer);
    }
    return answer;
  }

  async tasks(ref: string): Promise<{ service: string; tasks: SwarmTask[] }> {
    const service = await this.inspect(ref);
    const [raw, nodes] = await Promise.all([
      swarmCall(this.gateway, { operation: 'swarm.tasks', method: 'GET', path: '/tasks', query: { filters: { service: [service.ID] } } }),
      this.nodes(),
    ]);
    const hostnames = new Map(nodes.map((node) => [node.id, node.hostname]));
    const tasks = parseAnswer(rawTaskListSchema, raw)
      // Docker's filter also matches services whose name starts with this one's: keep its own tasks.
      .filter((task) => task.ServiceID === service.ID)
      .map((task) => taskFromRaw(task, hostnames))
      .sort((a, b) => (a.slot ?? 0) - (b.slot ?? 0) || (b.updatedAt ?? '').localeCompare(a.updatedAt ?? ''));
    return { service: service.ID, tasks };
  }

  async stacks(): Promise<SwarmStack[]> {
    const [services, projects] = await Promise.all([this.rawServices(undefined), this.options.stackGroups.projects()]);
    const stacks = new Map<string, SwarmStack>();
    for (const service of services) {
      const name = stackOf(service);
      if (name === null) continue;
      const stack = stacks.get(name) ?? {
        name,
        services: 0,
        running: 0,
        desired: 0,
        ...(projects.has(name) ? { project: name } : {}),
        group: projects.get(name) ?? null,
      };
      const mapped = serviceFromRaw(service, null);
      stack.services += 1;
      stack.running += mapped.replicas.running;
      stack.desired += mapped.replicas.desired;
      stacks.set(name, stack);
    }
    return [...stacks.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async scale(ref: string, replicas: number, ctx: OperationContext): Promise<SwarmServiceControl> {
    return this.update(ref, ctx, (service) => {
      if (modeOf(service) !== 'replicated') {
        throw new LucidError('SERVICE_CONFLICT', `swarm service ${service.Spec.Name} is not replicated: it cannot be scaled`, {
          mode: modeOf(service),
        });
      }
      const spec = structuredClone(service.Spec) as Record<string, any>;
      spec['Mode'] = { ...spec['Mode'], Replicated: { ...spec['Mode']?.Replicated, Replicas: replicas } };
      return { spec };
    });
  }

  async rollback(ref: string, ctx: OperationContext): Promise<SwarmServiceControl> {
    return this.update(ref, ctx, (service) => {
      if (!service.PreviousSpec) {
        throw new LucidError('SERVICE_CONFLICT', `swarm service ${service.Spec.Name} has no previous specification to roll back to`);
      }
      return { spec: service.Spec, rollback: true };
    });
  }

  /** A rolling restart: every task is replaced, in the service's own update order and parallelism. */
  async restart(ref: string, ctx: OperationContext): Promise<SwarmServiceControl> {
    return this.update(ref, ctx, (service) => {
      const spec = structuredClone(service.Spec) as Record<string, any>;
      const template = spec['TaskTemplate'] ?? {};
      spec['TaskTemplate'] = { ...template, ForceUpdate: (service.Spec.TaskTemplate?.ForceUpdate ?? 0) + 1 };
      return { spec };
    });
  }

  async setAvailability(
    ref: string,
    availability: NodeAvailability,
    ctx: OperationContext,
  ): Promise<{ id: string; hostname: string; availability: NodeAvailability; changed: boolean }> {
    for (let attempt = 1; ; attempt++) {
      const raw = await this.resolveNode(ref);
      const node = nodeFromRaw(raw);
      ctx.target = node.hostname || node.id;
      if (node.availability === availability) return { id: node.id, hostname: node.hostname, availability, changed: false };
      try {
        await swarmCall(this.gateway, {
          operation: 'swarm.nodeUpdate',
          method: 'POST',
          path: `/nodes/${encodeURIComponent(node.id)}/update`,
          query: { version: raw.Version.Index },
          body: { ...raw.Spec, Availability: availability },
          ...NODE,
        });
      } catch (err) {
        if (attempt < UPDATE_ATTEMPTS && outOfSequence(err)) continue;
        throw err;
      }
      await this.options.state?.refresh({ nodes: true });
      return { id: node.id, hostname: node.hostname, availability, changed: true };
    }
  }

  /** At most `logReadMaxBytes` of the newest lines of all tasks together, as Docker merges them. */
  async logs(input: SwarmLogsInput, signal: AbortSignal): Promise<LogsOutput> {
    const service = await this.inspect(input.service);
    const tty = ttyOf(service);
    const { lines, cut, daemonErrors } = await readLogBounded(
      this.gateway,
      service.ID,
      tty,
      logQuery(input),
      this.options.logReadMaxBytes,
      signal,
      this.options.readBudget,
      SERVICE_LOG,
    );
    return { id: service.ID, lines, truncated: cut || lines.length >= input.tail, ...errorsField(daemonErrors) };
  }

  /** Streams the service's log across its tasks until the caller leaves or the service goes. */
  async followLogs(input: SwarmFollowLogsInput, ctx: OperationContext): Promise<{ id: string } & FollowEnd> {
    const service = await this.inspect(input.service);
    const end = await followServiceLog(this.gateway, service.ID, ttyOf(service), input, ctx);
    return { id: service.ID, ...end };
  }

  /** Docker resolves an id, a unique id prefix or a name; an ambiguous prefix is the caller's mistake. */
  async inspect(ref: string): Promise<RawService> {
    const raw = await swarmCall(this.gateway, {
      operation: 'swarm.serviceInspect',
      method: 'GET',
      path: `/services/${encodeURIComponent(ref)}`,
      ...SERVICE,
    });
    return parseAnswer(rawServiceSchema, raw);
  }

  /** The service with its task counts: Docker fills `ServiceStatus` only on the list call, never on the inspect. */
  private async withStatus(id: string): Promise<RawService> {
    const found = await serviceWithStatus(this.gateway, 'swarm.services', id);
    if (!found) throw new LucidError('SERVICE_NOT_FOUND', 'swarm service not found');
    return found;
  }

  /** Reads are open to every role; controlling a service needs its stack's group in the caller's scope. */
  private async update(
    ref: string,
    ctx: OperationContext,
    change: (service: RawService) => { spec: unknown; rollback?: boolean },
  ): Promise<SwarmServiceControl> {
    for (let attempt = 1; ; attempt++) {
      const service = await this.inspect(ref);
      ctx.target = service.Spec.Name;
      const stack = stackOf(service);
      const group = stack === null ? null : await this.options.stackGroups.groupOf(stack);
      ctx.requireScope(group, `swarm service ${service.Spec.Name}`);
      const { spec, rollback } = change(service);
      try {
        await swarmCall(this.gateway, {
          operation: 'swarm.serviceUpdate',
          method: 'POST',
          path: `/services/${encodeURIComponent(service.ID)}/update`,
          query: { version: service.Version.Index, ...(rollback ? { rollback: 'previous' } : {}) },
          body: spec,
          ...SERVICE,
        });
      } catch (err) {
        if (attempt < UPDATE_ATTEMPTS && outOfSequence(err)) continue;
        throw err;
      }
      await this.options.state?.refresh({ service: service.ID });
      const after = await this.withStatus(service.ID);
      const mapped = serviceFromRaw(after, group);
      return {
        id: after.ID,
        name: after.Spec.Name,
        version: after.Version.Index,
        ...(mapped.mode === 'replicated' ? { replicas: { running: mapped.replicas.running, desired: after.Spec.Mode?.Replicated?.Replicas ?? 0 } } : {}),
      };
    }
  }

  /**
   * Subscribes to the cluster's changes. The first subscriber starts nothing new (the state runs
   * per host); an engine that is no manager answers NOT_SWARM_MANAGER before anything streams.
   */
  async watch(ctx: OperationContext): Promise<SwarmWatchOutput> {
    const state = this.options.state;
    if (!state) throw new LucidError('NOT_SWARM_MANAGER', 'no live swarm state for this host');
    // An engine known to be no manager is asked again at once (it may just have become one).
    if (state.isManager === false || !(await state.waitLive(LIVE_WAIT_MS))) await this.nodes();
    return watchSwarm(this.options.host ?? '', state, this.options.stackGroups, ctx);
  }

  /** Re-reads the whole cluster into the live state: after a deploy or removal, whose tasks moved without events. */
  async refreshState(): Promise<void> {
    await this.options.state?.refresh({ all: true, nodes: true });
  }

  private liveState(): SwarmState | undefined {
    const state = this.options.state;
    return state?.live ? state : undefined;
  }

  private async rawServices(stack: string | undefined, fresh = false): Promise<RawService[]> {
    const state = fresh ? undefined : this.liveState();
    if (state) {
      const list = state.serviceList().filter((service) => stack === undefined || stackOf(service) === stack);
      return list.sort((a, b) => a.Spec.Name.localeCompare(b.Spec.Name));
    }
    const list = await listServices(this.gateway, 'swarm.services', stack === undefined ? undefined : { label: [`${STACK_LABEL}=${stack}`] });
    return list.sort((a, b) => a.Spec.Name.localeCompare(b.Spec.Name));
  }

  /** A node by id, unique id prefix or hostname; looked up in the (small) node list so that hostnames work too. */
  private async resolveNode(ref: string) {
    const raw = parseAnswer(rawNodeListSchema, await swarmCall(this.gateway, { operation: 'swarm.nodes', method: 'GET', path: '/nodes' }));
    const exact = raw.filter((node) => node.ID === ref);
    const named = raw.filter((node) => node.Description?.Hostname === ref);
    const prefixed = raw.filter((node) => node.ID.startsWith(ref));
    for (const found of [exact, named, prefixed]) {
      const [only] = found;
      if (found.length === 1 && only) return only;
      if (found.length > 1) throw new LucidError('VALIDATION_FAILED', `${ref} matches more than one swarm node`, { matches: found.length });
    }
    throw new LucidError('NODE_NOT_FOUND', `no swarm node ${ref}`);
  }
}

/** A service whose tasks run with a terminal logs raw text, not the multiplexed frames. */
function ttyOf(service: RawService): boolean {
  return (service.Spec.TaskTemplate?.ContainerSpec as { TTY?: boolean } | undefined)?.TTY === true;
}

function logQuery(input: SwarmLogsInput): LogQuery {
  return {
    stdout: input.stream !== 'stderr',
    stderr: input.stream !== 'stdout',
    tail: input.tail,
    timestamps: input.timestamps,
    ...(input.since === undefined ? {} : { since: timePointSeconds(input.since) }),
  };
}

/** Another writer changed the object since it was read: read it again and retry. */
function outOfSequence(err: unknown): boolean {
  if (!(err instanceof LucidError) || err.code !== 'DOCKER_ERROR') return false;
  const cause = (err as { cause?: unknown }).cause;
  const message = cause instanceof Error ? cause.message : '';
  return /out of sequence/i.test(message);
}
