import { dirname } from 'node:path';
import { LucidError } from '../../shared/errors.js';
import type {
  ComposeDownInput,
  ComposeOutputEvent,
  ComposeProject,
  ComposeRunOutput,
  ComposeStatus,
  ComposeUpInput,
} from '../../shared/schemas/compose.js';
import { downArgs, listServicesArgs, upArgs } from '../compose/args.js';
import type { ComposeCli } from '../compose/detect.js';
import type { ComposeDriver, DriverInfo } from '../compose/driver.js';
import { composeContainers, projectOf, servicesOf, stateOf } from '../compose/engine-state.js';
import { COMPOSE_LABEL } from '../compose/labels.js';
import { OutputTail } from '../compose/output-tail.js';
import { requireUsable, type ComposeRegistry, type UsableProject } from '../compose/registry.js';
import type { OperationContext } from '../core/context.js';
import type { DockerGateway } from '../docker/gateway.js';
import { healthFromStatus, toState } from './container-mapping.js';

export interface ComposeServiceOptions {
  /** COMPOSE_TIMEOUT in ms: bounds a whole up (waiting included) or down. */
  timeoutMs: number;
  /** How often `wait` looks at the engine. */
  pollMs?: number;
}

const OUTPUT_LINES = 200;
const ERROR_TAIL = 50;

interface Run {
  project: UsableProject;
  cli: ComposeCli;
  ctx: OperationContext;
  action: 'up' | 'down';
  deadline: number;
  tail: OutputTail;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Up, down and status of registered compose projects. The real compose CLI does the work; the
 * engine's labels tell the state, so v1 and v2 behave alike. One operation per project at a time.
 */
export class ComposeService {
  private readonly busy = new Set<string>();

  constructor(
    private readonly gateway: DockerGateway,
    private readonly registry: ComposeRegistry,
    private readonly driver: ComposeDriver,
    private readonly options: ComposeServiceOptions,
  ) {}

  /** Which compose CLI is in use, for detailed health. */
  driverInfo(): Promise<DriverInfo> {
    return this.driver.info();
  }

  async projects(): Promise<ComposeProject[]> {
    const [entries, containers] = await Promise.all([this.registry.list(), composeContainers(this.gateway)]);
    return entries.map((entry) => ({
      name: entry.name,
      group: entry.group,
      files: entry.files,
      source: entry.source,
      state: stateOf(containers.filter((c) => projectOf(c) === entry.name)),
      available: entry.available,
      ...(entry.available ? {} : { problem: entry.problem }),
    }));
  }

  async status(name: string): Promise<ComposeStatus> {
    await this.registry.find(name);
    const containers = await composeContainers(this.gateway, name);
    return { project: name, state: stateOf(containers), services: servicesOf(containers) };
  }

  up(input: ComposeUpInput, ctx: OperationContext): Promise<ComposeRunOutput> {
    return this.exclusive(input.project, ctx, 'up', async (run) => {
      if (input.services) await this.checkServices(run, input.services);
      ctx.ready();
      await this.execute(run, upArgs(run.cli, run.project, input.services));
      if (input.wait) await this.waitUntilReady(run, input.services);
    });
  }

  down(input: ComposeDownInput, ctx: OperationContext): Promise<ComposeRunOutput> {
    return this.exclusive(input.project, ctx, 'down', (run) => {
      ctx.ready();
      return this.execute(run, downArgs(run.cli, run.project, { removeVolumes: input.removeVolumes, timeout: input.timeout }));
    });
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
    body: (run: Run) => Promise<void>,
  ): Promise<ComposeRunOutput> {
    ctx.target = name;
    const entry = await this.registry.find(name);
    ctx.requireScope(entry.group, `compose project ${name}`);
    const project = requireUsable(entry);
    if (this.busy.has(name)) {
      throw new LucidError('OPERATION_IN_PROGRESS', `another operation on compose project ${name} is running`);
    }
    this.busy.add(name);
    try {
      const started = performance.now();
      const deadline = Date.now() + this.options.timeoutMs;
      const cli = await this.driver.cli();
      const run: Run = { project, cli, ctx, action, deadline, tail: new OutputTail(OUTPUT_LINES) };
      await body(run);
      return { project: name, ok: true, exitCode: 0, durationMs: Math.round(performance.now() - started), output: run.tail.lines() };
    } finally {
      this.busy.delete(name);
    }
  }

  private async execute(run: Run, args: string[]): Promise<void> {
    const result = await this.driver.run(run.cli, args, {
      cwd: dirname(run.project.paths[0] ?? this.registry.root),
      timeoutMs: Math.max(1, run.deadline - Date.now()),
      onLine: (stream, line) => this.report(run, { stream, line }),
    });
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
    const seconds = Math.round(this.options.timeoutMs / 1000);
    return new LucidError('COMPOSE_TIMEOUT', `compose ${run.action} of ${run.project.name} ${what} within ${seconds} s`, {
      timeoutSeconds: seconds,
      output: run.tail.lines(ERROR_TAIL),
    });
  }

  /** A subset naming a service the project lacks is the caller's mistake: 400 before anything starts. */
  private async checkServices(run: Run, services: string[]): Promise<void> {
    const known: string[] = [];
    const errors = new OutputTail(ERROR_TAIL);
    const result = await this.driver.run(run.cli, listServicesArgs(run.cli, run.project), {
      cwd: dirname(run.project.paths[0] ?? this.registry.root),
      timeoutMs: Math.max(1, run.deadline - Date.now()),
      onLine: (stream, line) => (stream === 'stdout' ? known.push(line.trim()) : errors.push(line)),
    });
    if (result.timedOut) throw this.timeout(run, 'was killed: reading the services did not finish');
    if (result.exitCode !== 0) {
      throw new LucidError('COMPOSE_FAILED', `compose cannot read project ${run.project.name} (exit code ${result.exitCode ?? 'none'})`, {
        exitCode: result.exitCode,
        output: errors.lines(),
      });
    }
    const unknown = services.filter((s) => !known.includes(s));
    if (unknown.length > 0) {
      throw new LucidError('VALIDATION_FAILED', `project ${run.project.name} has no service ${unknown.join(', ')}`, {
        unknown,
        known,
      });
    }
  }

  /**
   * What v2's `up --wait` does, done through the engine so that v1 can do it too: every container
   * running, and healthy where it has a healthcheck. An exited or unhealthy one fails the wait.
   */
  private async waitUntilReady(run: Run, services: string[] | undefined): Promise<void> {
    let lastReport = '';
    for (;;) {
      const containers = (await composeContainers(this.gateway, run.project.name)).filter(
        (c) => services === undefined || services.includes(c.Labels?.[COMPOSE_LABEL.service] ?? ''),
      );
      const seen = new Set(containers.map((c) => c.Labels?.[COMPOSE_LABEL.service] ?? ''));
      const waiting = (services ?? []).filter((s) => !seen.has(s)).map((s) => `${s} (no container yet)`);
      for (const container of containers) {
        const service = container.Labels?.[COMPOSE_LABEL.service] ?? '';
        const state = toState(container.State);
        const health = healthFromStatus(container.Status);
        if (state === 'running' && health === 'unhealthy') throw this.waitFailed(run, `service ${service} is unhealthy`);
        if (state === 'running' && health === 'starting') waiting.push(`${service} (health: starting)`);
        else if (state === 'created' || state === 'restarting') waiting.push(`${service} (${state})`);
        else if (state !== 'running') throw this.waitFailed(run, `service ${service} is ${state}`);
      }
      if (waiting.length === 0) {
        this.report(run, { stream: 'manager', line: 'all services are running' });
        return;
      }
      const report = `waiting for ${waiting.join(', ')}`;
      if (report !== lastReport) this.report(run, { stream: 'manager', line: report });
      lastReport = report;
      const remaining = run.deadline - Date.now();
      if (remaining <= 0) throw this.timeout(run, 'gave up waiting: services were not ready');
      await sleep(Math.min(this.options.pollMs ?? 500, remaining));
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
