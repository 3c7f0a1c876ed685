import { z } from 'zod';
import { LucidError } from '../../shared/errors.js';
import type { ComposeOutputEvent, ComposeRunOutput } from '../../shared/schemas/compose.js';
import { OutputTail } from '../compose/output-tail.js';
import { requireUsable, type ComposeRegistry, type ProjectEntry, type UsableProject } from '../compose/registry.js';
import type { StackRunner } from '../compose/stack-runner.js';
import { parseAnswer } from '../docker/answers.js';
import type { DockerGateway } from '../docker/gateway.js';
import { swarmCall } from '../docker/swarm-calls.js';
import { rawNetworkListSchema, rawTaskListSchema, STACK_LABEL } from '../docker/swarm-answers.js';
import type { OperationContext } from '../model/context.js';
import { sleep } from '../system/sleep.js';
import type { StackGroups, SwarmCluster } from './swarm.js';

export interface StackServiceOptions {
  /** The host whose swarm this service deploys to. */
  host: string;
  /** The host a project runs on: its group's host, or the default host (as compose up uses). */
  hostOfGroup: (group: string | null) => string;
  /** The groups of this host's stacks, as every cluster control checks scope with. */
  stackGroups: StackGroups;
  /** COMPOSE_TIMEOUT in ms: bounds a whole deploy (converging included) or removal. */
  timeoutMs: number;
  /** How often the convergence wait looks at the cluster. */
  pollMs?: number;
}

const OUTPUT_LINES = 200;
const daemonTimeSchema = z.object({ SystemTime: z.string().optional() });
/**
 * How often a deploy looks whether the stack converged: a read of the services and of the stack's
 * tasks costs the manager node a millisecond or two, and a deploy answers at most this late.
 */
const CONVERGE_POLL_MS = 100;
const ERROR_TAIL = 50;
/** Task states that end a task without it running: the deploy failed for that service. */
const FAILED_STATES = new Set(['failed', 'rejected']);

/**
 * A task the scheduler holds back with a reason ("no suitable node (scheduling constraints not
 * satisfied on 3 nodes)", not enough CPU): swarm would wait for a node that fits forever.
 */
/**
 * A task the scheduler cannot place, and still means to: one an update has told to shut down keeps
 * its old `pending` error (and a fresh UpdatedAt) while it goes, and says nothing of this deploy.
 */
function unplaceable(task: { DesiredState?: string | undefined; Status?: { State?: string | undefined; Err?: string | undefined } | undefined }): boolean {
  return task.Status?.State === 'pending' && (task.Status.Err ?? '') !== '' && (task.DesiredState ?? 'running') === 'running';
}

interface Run {
  name: string;
  ctx: OperationContext;
  action: 'deploy' | 'remove';
  deadline: number;
  limitSeconds: number;
  tail: OutputTail;
}

function sameEntries<K, V>(a: ReadonlyMap<K, V>, b: ReadonlyMap<K, V>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (!b.has(key) || b.get(key) !== value) return false;
  return true;
}

/** How long the registered projects read for one cluster answer serve the next ones. */
const PROJECTS_MAX_AGE_MS = 1000;

/**
 * How long every service must stay converged before a deploy is: a task that crashes right after
 * it started must fail the deploy, not pass it. The docker CLI waits as long (`stack deploy
 * --detach=false`, `service create`: its stabilization delay).
 */
const STABLE_MS = 5000;

/** How often `stack rm` is run again while a task still holds one of the stack's networks. */
const REMOVE_RETRY_MS = 1000;
/** How long a removal waits for a network to be let go: a stopping task does so within seconds. */
const NETWORK_RELEASE_MS = 30_000;

/**
 * The service groups of one host's stacks, from the compose registry: a stack's group is its
 * compose project's, when that project runs on this host. A stack another host's project shares a
 * name with is no project's here: it gets no group, so that group's scope does not reach it.
 * Reading the registry checks the projects folder on disk, which cost a service list more than
 * Docker's own answer; a read is therefore shared for a second, and by calls in flight.
 */
export function registryStackGroups(
  registry: ComposeRegistry,
  host: string,
  hostOfGroup: (group: string | null) => string,
  now: () => number = Date.now,
): StackGroups {
  let latest: { at: number; read: Promise<ReadonlyMap<string, string | null>> } | undefined;
  // The same map while the projects stay the same: answers derived from it (the services list)
  // are kept as long as the map they were made from is the current one.
  let kept: ReadonlyMap<string, string | null> = new Map();
  const projects = () => {
    if (latest === undefined || now() - latest.at >= PROJECTS_MAX_AGE_MS) {
      const read = registry.list().then((entries) => {
        const own = new Map(entries.filter((entry) => hostOfGroup(entry.group) === host).map((entry) => [entry.name, entry.group] as const));
        if (!sameEntries(own, kept)) kept = own;
        return kept;
      });
      // A failed read is not kept: the next call reads again.
      read.catch(() => {
        if (latest?.read === read) latest = undefined;
      });
      latest = { at: now(), read };
    }
    return latest.read;
  };
  return {
    projects,
    groupOf: async (stack) => (await projects()).get(stack) ?? null,
  };
}

/**
 * Registered compose projects deployed as swarm stacks with the docker CLI (`docker stack deploy`
 * implements the compose-to-swarm conversion in the client; the Engine API has no stack). A
 * deploy waits until every service of the stack runs its desired replicas, or fails with the
 * tasks' errors. One deploy or removal per stack at a time.
 */
export class StackService {
  private readonly busy = new Set<string>();

  constructor(
    private readonly gateway: DockerGateway,
    private readonly registry: ComposeRegistry,
    private readonly swarm: SwarmCluster,
    private readonly runner: StackRunner,
    private readonly options: StackServiceOptions,
  ) {}

  deploy(name: string, ctx: OperationContext): Promise<ComposeRunOutput> {
    return this.exclusive(name, ctx, 'deploy', async (run, entry) => {
      const started = await this.daemonNow();
      const { paths, directory } = await this.checkedFiles(requireUsable(entry));
      // `--prune` removes services the files no longer declare: the stack is what the files say.
      const args = ['stack', 'deploy', '--prune', ...paths.flatMap((path) => ['--compose-file', path]), name];
      await this.execute(run, args, directory);
      await this.waitConverged(run, started);
      await this.swarm.refreshState();
    });
  }

  remove(name: string, ctx: OperationContext): Promise<ComposeRunOutput> {
    return this.exclusive(name, ctx, 'remove', (run) => this.removeRun(run));
  }

  /**
   * `stack rm` removes the services, then at once their networks: a network a task still holds
   * (one stopping on a node that was down or has just come back, say) is "in use by task", stays,
   * and the CLI exits 1. Once the stack's tasks are gone, `stack rm` runs again, once a second
   * while a network is still held, for NETWORK_RELEASE_MS at most (a network something outside the
   * stack holds is not let go by waiting). A CLI that failed with services still there, or a
   * failure that leaves no network after one more try, is the removal's own failure.
   */
  private async removeRun(run: Run): Promise<void> {
    const args = ['stack', 'rm', run.name];
    let { exitCode } = await this.runCli(run, args, undefined);
    if (exitCode !== 0 && (await this.swarm.services(run.name, { fresh: true })).length > 0) throw this.cliFailed(run, exitCode);
    await this.waitRemoved(run);
    const releaseBy = Date.now() + NETWORK_RELEASE_MS;
    let left = await this.stackNetworks(run.name);
    while (exitCode !== 0 || left.length > 0) {
      const held = left.length > 0 ? `: networks ${left.map((n) => n.Name).join(', ')} still there` : '';
      this.report(run, { stream: 'manager', line: `removing what is left of stack ${run.name}${held}` });
      ({ exitCode } = await this.runCli(run, args, undefined));
      left = await this.stackNetworks(run.name);
      if (left.length === 0 && exitCode !== 0) throw this.cliFailed(run, exitCode);
      if (left.length === 0) break;
      if (Date.now() >= releaseBy) {
        throw new LucidError('COMPOSE_FAILED', `stack remove of ${run.name}: networks ${left.map((n) => n.Name).join(', ')} are still in use`, {
          exitCode,
          output: run.tail.lines(ERROR_TAIL),
        });
      }
      await this.pause(run, 'gave up: its networks stayed in use', REMOVE_RETRY_MS);
    }
    await this.swarm.refreshState();
  }

  /**
   * Removes any stack of this swarm by its name, whoever deployed it: the manager never loses
   * control of a stack it did not create. A stack that is a project of this host is its group's to
   * remove; any other belongs to no group, so only a role that controls everything may remove it.
   */
  async removeByName(stack: string, ctx: OperationContext): Promise<ComposeRunOutput> {
    ctx.target = stack;
    ctx.requireScope(await this.options.stackGroups.groupOf(stack), `stack ${stack}`);
    if ((await this.swarm.services(stack, { fresh: true })).length === 0) {
      throw new LucidError('STACK_NOT_FOUND', `no stack ${stack} on host ${this.options.host}`);
    }
    return this.locked(stack, ctx, 'remove', (run) => this.removeRun(run));
  }

  /**
   * Checks the project, the caller's scope, that this is the project's host and that the host is a
   * swarm manager, before the stack's lock is taken: a refused call never blocks a legitimate one,
   * nor starts the CLI. The files are the deploy's to check: a removal names the stack only, so a
   * stack whose files are gone can still be removed.
   */
  private async exclusive(
    name: string,
    ctx: OperationContext,
    action: Run['action'],
    body: (run: Run, entry: ProjectEntry) => Promise<void>,
  ): Promise<ComposeRunOutput> {
    ctx.target = name;
    const entry = await this.registry.find(name);
    ctx.requireScope(entry.group, `stack ${name}`);
    const projectHost = this.options.hostOfGroup(entry.group);
    if (projectHost !== this.options.host) {
      throw new LucidError(
        'VALIDATION_FAILED',
        `compose project ${name} runs on host ${projectHost}, not ${this.options.host}: leave host out or name ${projectHost}`,
        { host: this.options.host, projectHost },
      );
    }
    if (action === 'deploy') requireUsable(entry);
    await this.swarm.nodes();
    return this.locked(name, ctx, action, (run) => body(run, entry));
  }

  /** Runs `body` holding the stack's lock: one deploy or removal per stack at a time. */
  private async locked(name: string, ctx: OperationContext, action: Run['action'], body: (run: Run) => Promise<void>): Promise<ComposeRunOutput> {
    if (this.busy.has(name)) throw new LucidError('OPERATION_IN_PROGRESS', `another operation on stack ${name} is running`);
    this.busy.add(name);
    const started = performance.now();
    const run: Run = {
      name,
      ctx,
      action,
      deadline: Date.now() + this.options.timeoutMs,
      limitSeconds: Math.round(this.options.timeoutMs / 1000),
      tail: new OutputTail(OUTPUT_LINES),
    };
    try {
      ctx.ready();
      await body(run);
      return { project: name, ok: true, exitCode: 0, durationMs: Math.round(performance.now() - started), output: run.tail.lines() };
    } finally {
      this.busy.delete(name);
    }
  }

  /**
   * The files' real paths, checked inside the projects folder just now. The CLI gets paths, not
   * open descriptors as compose does: it resolves a file's relative paths (env files, configs)
   * from the file's own folder, which `/dev/fd/N` would not be.
   */
  private async checkedFiles(project: UsableProject): Promise<{ paths: string[]; directory: string }> {
    const opened = await this.registry.open(project);
    await opened.close();
    return { paths: opened.paths, directory: opened.directory };
  }

  /** Runs the CLI within the run's deadline; a stop or a timeout fails the run, an exit code is the caller's to judge. */
  private async runCli(run: Run, args: string[], cwd: string | undefined): Promise<{ exitCode: number | null }> {
    const result = await this.runner.run(args, {
      cwd,
      timeoutMs: Math.max(1, run.deadline - Date.now()),
      onLine: (stream, line) => this.report(run, { stream, line }),
    });
    if (result.stopped) {
      throw new LucidError('SHUTTING_DOWN', `stack ${run.action} of ${run.name} was stopped: the manager is shutting down`, {
        output: run.tail.lines(ERROR_TAIL),
      });
    }
    if (result.timedOut) throw this.timeout(run, 'was killed: it did not finish');
    return result;
  }

  private async execute(run: Run, args: string[], cwd: string | undefined): Promise<void> {
    const result = await this.runCli(run, args, cwd);
    if (result.exitCode !== 0) throw this.cliFailed(run, result.exitCode);
  }

  private cliFailed(run: Run, exitCode: number | null): LucidError {
    return new LucidError('COMPOSE_FAILED', `stack ${run.action} of ${run.name} exited with code ${exitCode ?? 'none (killed)'}`, {
      exitCode,
      output: run.tail.lines(ERROR_TAIL),
    });
  }

  /**
   * Until every service of the stack runs as many tasks as it wants, and has for STABLE_MS. A task
   * of this deploy that failed or was rejected (a missing image, no node that fits, a crash right
   * after it started) fails the deploy with its error: swarm would retry it forever, and the caller
   * should hear why now.
   */
  private async waitConverged(run: Run, since: Date): Promise<void> {
    let last = '';
    let convergedAt: number | undefined;
    for (;;) {
      const services = await this.swarm.services(run.name, { fresh: true });
      const waiting = services.filter((s) => s.replicas.running < s.replicas.desired || s.update?.state === 'updating');
      // Only tasks of the stack's services now, of those still waiting while some are: a task of a
      // service an earlier deploy had (pruned, still being torn down: "error while removing
      // network") says nothing about this one.
      const errors = await this.taskErrors(run.name, since, new Set((waiting.length > 0 ? waiting : services).map((s) => s.id)));
      if (errors.length > 0) {
        for (const error of errors) this.report(run, { stream: 'manager', line: error });
        throw new LucidError('COMPOSE_FAILED', `stack deploy of ${run.name}: tasks failed (${errors[0]})`, {
          exitCode: 0,
          errors,
          output: run.tail.lines(ERROR_TAIL),
        });
      }
      if (waiting.length === 0) {
        if (convergedAt === undefined) {
          convergedAt = Date.now();
          this.report(run, { stream: 'manager', line: `all ${services.length} services are running; checking that they stay up for ${STABLE_MS / 1000} s` });
        } else if (Date.now() - convergedAt >= STABLE_MS) {
          this.report(run, { stream: 'manager', line: `all ${services.length} services stayed up for ${STABLE_MS / 1000} s` });
          return;
        }
        last = '';
      } else {
        convergedAt = undefined;
        const report = `waiting for ${waiting.map((s) => `${s.name} (${s.replicas.running}/${s.replicas.desired})`).join(', ')}`;
        if (report !== last) this.report(run, { stream: 'manager', line: report });
        last = report;
      }
      await this.pause(run, 'gave up waiting: services did not converge');
    }
  }

  private async waitRemoved(run: Run): Promise<void> {
    for (;;) {
      const [services, tasks] = await Promise.all([this.swarm.services(run.name, { fresh: true }), this.stackTasks(run.name)]);
      if (services.length === 0 && tasks.length === 0) {
        this.report(run, { stream: 'manager', line: `stack ${run.name} is gone` });
        return;
      }
      await this.pause(run, 'gave up waiting: the stack was not gone');
    }
  }

  private async pause(run: Run, why: string, ms = this.options.pollMs ?? CONVERGE_POLL_MS): Promise<void> {
    const remaining = run.deadline - Date.now();
    if (remaining <= 0) throw this.timeout(run, why);
    await sleep(Math.min(ms, remaining));
  }

  /**
   * The engine's own clock: a deploy's task errors are those Docker stamped after it started, and
   * a remote host's clock may differ from the manager's by more than a deploy takes.
   */
  private async daemonNow(): Promise<Date> {
    const info = parseAnswer(daemonTimeSchema, await swarmCall(this.gateway, { operation: 'system.info', method: 'GET', path: '/info' }));
    const at = Date.parse(info.SystemTime ?? '');
    return Number.isNaN(at) ? new Date() : new Date(at);
  }

  private stackTasks(stack: string) {
    return this.stackObjects('swarm.tasks', '/tasks', stack, rawTaskListSchema);
  }

  private stackNetworks(stack: string) {
    return this.stackObjects('swarm.networks', '/networks', stack, rawNetworkListSchema);
  }

  /** What `docker stack deploy` made of one kind (tasks, networks…): everything carrying the stack's label. */
  private async stackObjects<S extends z.ZodType>(operation: string, path: string, stack: string, schema: S): Promise<z.output<S>> {
    const raw = await swarmCall(this.gateway, { operation, method: 'GET', path, query: { filters: { label: [`${STACK_LABEL}=${stack}`] } } });
    return parseAnswer(schema, raw);
  }

  private async taskErrors(stack: string, since: Date, services: ReadonlySet<string>): Promise<string[]> {
    const tasks = await this.stackTasks(stack);
    return tasks
      .filter((task) => services.has(task.ServiceID))
      .filter((task) => (FAILED_STATES.has(task.Status?.State ?? '') || unplaceable(task)) && Date.parse(task.UpdatedAt ?? '') >= since.getTime())
      .map((task) => `task ${task.ID.slice(0, 12)}: ${task.Status?.State}: ${task.Status?.Err ?? task.Status?.Message ?? ''}`);
  }

  private report(run: Run, event: ComposeOutputEvent): void {
    run.tail.push(event.line);
    run.ctx.emit(event);
  }

  private timeout(run: Run, what: string): LucidError {
    return new LucidError('COMPOSE_TIMEOUT', `stack ${run.action} of ${run.name} ${what} within ${run.limitSeconds} s`, {
      timeoutSeconds: run.limitSeconds,
      output: run.tail.lines(ERROR_TAIL),
    });
  }
}
