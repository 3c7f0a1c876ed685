import { LucidError } from '../../shared/errors.js';
import type {
  ComposeDownInput,
  ComposeOutputEvent,
  ComposeProject,
  ComposeRunOutput,
  ComposeStatus,
  ComposeUpInput,
} from '../../shared/schemas/compose.js';
import { downArgs, listServicesArgs, upArgs, type ComposeTarget } from '../compose/args.js';
import type { ComposeCli } from '../compose/detect.js';
import type { ComposeDriver, DriverInfo } from '../compose/driver.js';
import { composeContainers, projectOf, servicesOf, stateOf } from '../compose/engine-state.js';
import { relativizeOutput } from '../compose/output-paths.js';
import { OutputTail } from '../compose/output-tail.js';
import { handedOverAs, projectOrigin, type ProjectOrigin } from '../compose/ownership.js';
import type { OutputStream } from '../compose/process.js';
import { readiness } from '../compose/readiness.js';
import { requireUsable, type ComposeRegistry, type ProjectEntry, type UsableProject } from '../compose/registry.js';
import type { RawContainerListItem } from '../docker/answers.js';
import type { DockerGateway } from '../docker/gateway.js';
import type { OperationContext } from '../model/context.js';
import type { HostAccessKind } from './fleet.js';
import { sleep, waitAtMost } from '../system/sleep.js';

/** The engine a project runs on: its host's gateway, and a DOCKER_HOST for the compose CLI. */
export interface ComposeEngine {
  host: string;
  gateway: DockerGateway;
  dockerHost(): Promise<string>;
}

export interface ComposeEngines {
  /** A project's engine, from its group (null: a discovered project, on the default host). */
  forGroup(group: string | null): ComposeEngine;
  /** Throws unless the caller may act on `host` this way (the host's own access rules). */
  requireAccess(ctx: OperationContext, host: string, kind: HostAccessKind): void;
  /** Whether the caller may read on `host`: projects of other hosts are not listed to it. */
  mayRead(ctx: OperationContext, host: string): boolean;
}

export interface ComposeServiceOptions {
  /** COMPOSE_TIMEOUT in ms: bounds a whole up (waiting included) or down (plus its own `timeout`). */
  timeoutMs: number;
  /** How often `wait` looks at the engine. */
  pollMs?: number;
}

const OUTPUT_LINES = 200;
const ERROR_TAIL = 50;
/** How long closing waits for runs to answer after their compose was told to stop (see KILL_GRACE_MS). */
const SHUTDOWN_WAIT_MS = 5000;
/** Files go to compose as open descriptors where the platform has them (not Windows). */
const HAND_OVER_FDS = process.platform !== 'win32';

interface Run {
  project: UsableProject;
  engine: ComposeEngine;
  origin: ProjectOrigin;
  cli: ComposeCli;
  ctx: OperationContext;
  action: 'up' | 'down';
  deadline: number;
  limitSeconds: number;
  tail: OutputTail;
}

/**
 * Up, down and status of registered compose projects. The real compose CLI does the work; the
 * engine's labels tell the state, so v1 and v2 behave alike. One operation per project at a time.
 */
export class ComposeService {
  private readonly busy = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly shutdown = new AbortController();

  constructor(
    private readonly engines: ComposeEngines,
    private readonly registry: ComposeRegistry,
    private readonly driver: ComposeDriver,
    private readonly options: ComposeServiceOptions,
  ) {}

  /** Which compose CLI is in use, for detailed health. */
  driverInfo(): Promise<DriverInfo> {
    return this.driver.info();
  }

  /**
   * Every project on a host the caller may read, each from its own host; a project whose host is
   * down is listed as `unknown`.
   */
  async projects(ctx: OperationContext): Promise<ComposeProject[]> {
    const entries = (await this.registry.list()).filter((entry) => this.engines.mayRead(ctx, this.engines.forGroup(entry.group).host));
    const byHost = new Map<string, Promise<RawContainerListItem[] | undefined>>();
    const containersOn = (engine: ComposeEngine) => {
      let listed = byHost.get(engine.host);
      if (listed === undefined) {
        listed = composeContainers(engine.gateway).catch(() => undefined);
        byHost.set(engine.host, listed);
      }
      return listed;
    };
    return Promise.all(
      entries.map(async (entry) => {
        const engine = this.engines.forGroup(entry.group);
        const containers = await containersOn(engine);
        return {
          name: entry.name,
          group: entry.group,
          host: engine.host,
          files: entry.files,
          source: entry.source,
          state: containers === undefined ? 'unknown' : stateOf(containers.filter((c) => projectOf(c) === entry.name), this.originOf(entry)),
          available: entry.available,
          ...(entry.available ? {} : { problem: entry.problem }),
        };
      }),
    );
  }

  async status(name: string, ctx: OperationContext): Promise<ComposeStatus> {
    const entry = await this.registry.find(name);
    const engine = this.engines.forGroup(entry.group);
    ctx.host = engine.host;
    this.engines.requireAccess(ctx, engine.host, 'read');
    const containers = await composeContainers(engine.gateway, name);
    const origin = this.originOf(entry);
    return { project: name, state: stateOf(containers, origin), services: servicesOf(containers, origin) };
  }

  up(input: ComposeUpInput, ctx: OperationContext): Promise<ComposeRunOutput> {
    return this.exclusive(input.project, ctx, 'up', 0, async (run) => {
      const known = input.services !== undefined || input.wait ? await this.listServices(run) : [];
      const unknown = (input.services ?? []).filter((s) => !known.includes(s));
      if (unknown.length > 0) {
        // The caller's mistake: 400 before anything starts.
        throw new LucidError('VALIDATION_FAILED', `project ${run.project.name} has no service ${unknown.join(', ')}`, {
          unknown,
          known,
        });
      }
      ctx.ready();
      await this.execute(run, (target) => upArgs(run.cli, target, input.services));
      if (input.wait) await this.waitUntilReady(run, known, input.services);
    });
  }

  down(input: ComposeDownInput, ctx: OperationContext): Promise<ComposeRunOutput> {
    // Compose may take `timeout` seconds per container to stop: the deadline grows by that much
    // rather than killing compose halfway through a stop the caller asked for.
    return this.exclusive(input.project, ctx, 'down', input.timeout, (run) => {
      ctx.ready();
      return this.execute(run, (target) => downArgs(run.cli, target, { removeVolumes: input.removeVolumes, timeout: input.timeout }));
    });
  }

  /**
   * Ends every compose run of this manager: new calls are refused, running compose processes get
   * SIGTERM then SIGKILL, and their callers SHUTTING_DOWN. Resolves within SHUTDOWN_WAIT_MS.
   */
  async close(): Promise<void> {
    this.shutdown.abort();
    await this.driver.close();
    await waitAtMost(Promise.allSettled([...this.inFlight]), SHUTDOWN_WAIT_MS, { ref: false });
  }

  /**
   * Resolves the project and checks the caller's scope before taking the project's lock, so a
   * refused or unknown call never blocks a legitimate one. A caller who goes away does not cancel
   * the run: a half-done up or down is worse than a finished one nobody watches.
   */
  private async exclusive(
    name: string,
    ctx: OperationContext,
    action: Run['action'],
    extraSeconds: number,
    body: (run: Run) => Promise<void>,
  ): Promise<ComposeRunOutput> {
    ctx.target = name;
    const entry = await this.registry.find(name);
    ctx.requireScope(entry.group, `compose project ${name}`);
    const project = requireUsable(entry);
    const engine = this.engines.forGroup(entry.group);
    ctx.host = engine.host;
    this.engines.requireAccess(ctx, engine.host, 'control');
    if (this.shutdown.signal.aborted) throw this.stopped(action, name);
    if (this.busy.has(name)) {
      throw new LucidError('OPERATION_IN_PROGRESS', `another operation on compose project ${name} is running`);
    }
    this.busy.add(name);
    const started = performance.now();
    const limitMs = this.options.timeoutMs + extraSeconds * 1000;
    const work = (async () => {
      const cli = await this.driver.cli();
      const run: Run = {
        project,
        engine,
        origin: this.originOf(entry),
        cli,
        ctx,
        action,
        deadline: Date.now() + limitMs,
        limitSeconds: Math.round(limitMs / 1000),
        tail: new OutputTail(OUTPUT_LINES),
      };
      await body(run);
      return run;
    })();
    this.inFlight.add(work);
    try {
      const run = await work;
      return { project: name, ok: true, exitCode: 0, durationMs: Math.round(performance.now() - started), output: run.tail.lines() };
    } finally {
      this.inFlight.delete(work);
      this.busy.delete(name);
    }
  }

  private originOf(entry: ProjectEntry): ProjectOrigin {
    return projectOrigin(this.registry.root, entry.files, entry.available ? entry.paths : undefined);
  }

  /**
   * Runs compose on the project's files as opened and checked just now: compose gets the open
   * descriptors (`-f /dev/fd/3 …`), so a file swapped after the check is never what it reads.
   */
  private async spawn(run: Run, build: (target: ComposeTarget) => string[], onLine: (stream: OutputStream, line: string) => void) {
    const opened = await this.registry.open(run.project);
    try {
      const files = HAND_OVER_FDS ? opened.handles.map((_, i) => handedOverAs(i)) : opened.paths;
      const relative = relativizeOutput(
        [opened.root, this.registry.root],
        new Map(run.project.files.map((file, i) => [handedOverAs(i), file])),
      );
      const result = await this.driver.run(run.cli, build({ name: run.project.name, files, directory: opened.directory }), {
        cwd: opened.directory,
        fds: HAND_OVER_FDS ? opened.handles.map((h) => h.fd) : [],
        timeoutMs: Math.max(1, run.deadline - Date.now()),
        dockerHost: await run.engine.dockerHost(),
        onLine: (stream, line) => onLine(stream, relative(line)),
      });
      if (result.stopped) throw this.stopped(run.action, run.project.name, run.tail.lines(ERROR_TAIL));
      return result;
    } finally {
      await opened.close();
    }
  }

  private async execute(run: Run, build: (target: ComposeTarget) => string[]): Promise<void> {
    const result = await this.spawn(run, build, (stream, line) => this.report(run, { stream, line }));
    if (result.timedOut) throw this.timeout(run, 'was killed: it did not finish');
    if (result.exitCode !== 0) {
      throw new LucidError(
        'COMPOSE_FAILED',
        `compose ${run.action} of ${run.project.name} exited with code ${result.exitCode ?? 'none (killed)'}`,
        { exitCode: result.exitCode, output: run.tail.lines(ERROR_TAIL) },
      );
    }
  }

  private report(run: Run, event: ComposeOutputEvent): void {
    run.tail.push(event.line);
    run.ctx.emit(event);
  }

  private timeout(run: Run, what = 'did not finish'): LucidError {
    return new LucidError('COMPOSE_TIMEOUT', `compose ${run.action} of ${run.project.name} ${what} within ${run.limitSeconds} s`, {
      timeoutSeconds: run.limitSeconds,
      output: run.tail.lines(ERROR_TAIL),
    });
  }

  private stopped(action: Run['action'], name: string, output: string[] = []): LucidError {
    return new LucidError('SHUTTING_DOWN', `compose ${action} of ${name} was stopped: the manager is shutting down`, { output });
  }

  /** The services the project's files define now (`config --services`). */
  private async listServices(run: Run): Promise<string[]> {
    const known: string[] = [];
    const errors = new OutputTail(ERROR_TAIL);
    const result = await this.spawn(run, (target) => listServicesArgs(run.cli, target), (stream, line) =>
      stream === 'stdout' ? known.push(line.trim()) : errors.push(line),
    );
    if (result.timedOut) throw this.timeout(run, 'was killed: reading the services did not finish');
    if (result.exitCode !== 0) {
      throw new LucidError('COMPOSE_FAILED', `compose cannot read project ${run.project.name} (exit code ${result.exitCode ?? 'none'})`, {
        exitCode: result.exitCode,
        output: errors.lines(),
      });
    }
    return known.filter((s) => s !== '');
  }

  /** Polls the engine until `readiness` says ready or failed, within the run's deadline. */
  private async waitUntilReady(run: Run, known: string[], wanted: string[] | undefined): Promise<void> {
    let lastReport = '';
    let lastIgnored = '';
    for (;;) {
      if (this.shutdown.signal.aborted) throw this.stopped(run.action, run.project.name, run.tail.lines(ERROR_TAIL));
      const state = readiness(await composeContainers(run.engine.gateway, run.project.name), run.origin, known, wanted);
      const ignored = state.ignored.length > 0 ? `not waiting for ${state.ignored.join(', ')}` : '';
      if (ignored !== lastIgnored && ignored !== '') this.report(run, { stream: 'manager', line: ignored });
      lastIgnored = ignored;
      if (state.ready) {
        this.report(run, { stream: 'manager', line: 'all services are running' });
        return;
      }
      if (state.failed !== undefined) throw this.waitFailed(run, state.failed);
      const report = `waiting for ${state.waiting.join(', ')}`;
      if (report !== lastReport) this.report(run, { stream: 'manager', line: report });
      lastReport = report;
      const remaining = run.deadline - Date.now();
      if (remaining <= 0) throw this.timeout(run, 'gave up waiting: services were not ready');
      await sleep(Math.min(this.options.pollMs ?? 500, remaining), { signal: this.shutdown.signal });
    }
  }

  private waitFailed(run: Run, why: string): LucidError {
    this.report(run, { stream: 'manager', line: why });
    return new LucidError('COMPOSE_FAILED', `compose up of ${run.project.name}: ${why}`, {
      exitCode: 0,
      output: run.tail.lines(ERROR_TAIL),
    });
  }
}
