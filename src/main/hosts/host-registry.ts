import { isLucidError, LucidError, type ErrorBody } from '../../shared/errors.js';
import type { HostReport } from '../../shared/schemas/containers.js';
import type { HostInfo, HostSwarm } from '../../shared/schemas/hosts.js';
import type { HostSpec } from '../config/host-spec.js';
import type { HostEvent } from '../../shared/schemas/live.js';
import type { OperationContext } from '../model/context.js';
import type { HostEventSource, HostStateSource } from '../services/container-events.js';
import type { ContainerService } from '../services/containers.js';
import type { Fleet, FleetList, HostAccessKind } from '../services/fleet.js';
import type { Logger } from '../system/logging.js';
import type { EngineHost } from './engine-host.js';
import { hostAllows, requireHostAccess } from './host-access.js';

/** `*` on a list operation: every host the caller may read. */
export const ALL_HOSTS = '*';

/** Makes the host of a definition; the registry starts and closes it. */
export type HostFactory = (definition: HostSpec) => EngineHost;

/**
 * The configured hosts, by name: every engine operation resolves its `host` here (the default
 * host when it names none), and the access rules of each host are checked here, once for both
 * transports. A reload adds, replaces and removes hosts while the others go on.
 */
export class HostRegistry implements Fleet, HostStateSource {
  private readonly hosts = new Map<string, EngineHost>();
  private readonly unwatch = new Map<string, () => void>();
  private readonly listeners = new Set<(event: HostEvent) => void>();
  private defaultName: string;
  private started = false;
  private applying: Promise<void> = Promise.resolve();

  constructor(
    definitions: readonly HostSpec[],
    private readonly factory: HostFactory,
    private readonly logger: Pick<Logger, 'info' | 'warn'>,
  ) {
    if (definitions.length === 0) throw new Error('no hosts configured');
    this.defaultName = defaultOf(definitions);
    for (const definition of definitions) this.add(definition);
  }

  defaultHost(): string {
    return this.defaultName;
  }

  names(): string[] {
    return [...this.hosts.keys()];
  }

  all(): EngineHost[] {
    return [...this.hosts.values()];
  }

  /** The host an operation names, or the default host; HOST_NOT_FOUND for an unknown name. */
  resolve(name: string | undefined): EngineHost {
    const host = this.hosts.get(name ?? this.defaultName);
    if (!host) throw new LucidError('HOST_NOT_FOUND', `no host ${name ?? this.defaultName}`, { host: name });
    return host;
  }

  on(name: string): ContainerService {
    return this.resolve(name).containers;
  }

  requireAccess(ctx: OperationContext, name: string, kind: HostAccessKind): void {
    try {
      requireHostAccess(ctx.identity, name, this.resolve(name).definition.access, kind);
    } catch (err) {
      // A refusal names the host it was refused on, in the audit trail too.
      ctx.host = name;
      throw err;
    }
  }

  mayRead(ctx: OperationContext, name: string): boolean {
    const host = this.hosts.get(name);
    return host !== undefined && hostAllows(ctx.identity, name, host.definition.access, 'read');
  }

  /**
   * Runs `fn` on the host an operation names, once the caller may act there; the host becomes the
   * call's audited host, and an engine failure names it.
   */
  async run<T>(ctx: OperationContext, name: string | undefined, kind: HostAccessKind, fn: (host: EngineHost) => Promise<T>): Promise<T> {
    const host = this.resolve(name);
    ctx.host = host.name;
    requireHostAccess(ctx.identity, host.name, host.definition.access, kind);
    ctx.endWhen(host.removed);
    try {
      return endNamingHost(await fn(host), host);
    } catch (err) {
      throw namingHost(err, host);
    }
  }

  /**
   * The hosts a list operation covers: the one it names (or the default), or with `*` every host
   * the caller may read. Naming a host the caller may not read is refused like any other call.
   */
  select(ctx: OperationContext, name: string | undefined): EngineHost[] {
    if (name === ALL_HOSTS) return this.all().filter((host) => this.mayRead(ctx, host.name));
    const host = this.resolve(name);
    ctx.host = host.name;
    requireHostAccess(ctx.identity, host.name, host.definition.access, 'read');
    return [host];
  }

  /**
   * Asks each host in turn, all at once; a host that is not up, or fails, is reported in
   * `hosts` with its reason, and the others answer. A single named host that fails fails the call.
   */
  async gather<T>(
    ctx: OperationContext,
    name: string | undefined,
    fn: (host: EngineHost) => Promise<T>,
  ): Promise<{ answers: T[]; hosts: HostReport[] }> {
    const selected = this.select(ctx, name);
    if (name !== ALL_HOSTS) {
      const host = selected[0] as EngineHost;
      try {
        return { answers: [await fn(host)], hosts: [host.report()] };
      } catch (err) {
        throw namingHost(err, host);
      }
    }
    const settled = await Promise.all(
      selected.map(async (host) => {
        const report = host.report();
        if (report.state !== 'up') return { report };
        try {
          return { report, answer: await fn(host) };
        } catch (err) {
          return { report: { name: host.name, state: 'down' as const, reason: messageOf(err) } };
        }
      }),
    );
    return {
      answers: settled.flatMap((s) => ('answer' in s ? [s.answer as T] : [])),
      hosts: settled.map((s) => s.report),
    };
  }

  async list(ctx: OperationContext, names?: readonly string[], options: { fresh?: boolean } = {}): Promise<FleetList> {
    const wanted = names === undefined ? this.all() : names.flatMap((name) => this.hosts.get(name) ?? []);
    const readable = wanted.filter((host) => this.mayRead(ctx, host.name));
    const unreachable = new Set<string>();
    const hosts: HostReport[] = [];
    const lists = await Promise.all(
      readable.map(async (host) => {
        const report = host.report();
        hosts.push(report);
        try {
          return options.fresh ? await host.containers.list({ all: true }) : (await host.containers.listAnswer({ all: true })).containers;
        } catch {
          unreachable.add(host.name);
          return [];
        }
      }),
    );
    for (const host of wanted) if (!readable.includes(host)) unreachable.add(host.name);
    return { containers: lists.flat(), hosts, unreachable };
  }

  /** Event sources of the hosts a subscription covers. */
  eventSources(ctx: OperationContext, name: string | undefined): HostEventSource[] {
    const selected = this.select(ctx, name);
    if (name !== ALL_HOSTS) for (const host of selected) ctx.endWhen(host.removed);
    return selected.map((host) => ({ host: host.name, cache: host.cache, daemon: host.health }));
  }

  /** The event source of one host, if it is configured (a host a reload added while someone listened). */
  eventSource(name: string): HostEventSource | undefined {
    const host = this.hosts.get(name);
    return host && { host: host.name, cache: host.cache, daemon: host.health };
  }

  onHostState(listener: (event: HostEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  info(ctx: OperationContext): HostInfo[] {
    return this.all()
      .filter((host) => this.mayRead(ctx, host.name))
      .map((host) => {
        const report = host.report();
        const status = host.health.status;
        return {
          name: host.name,
          url: host.definition.url,
          default: host.name === this.defaultName,
          state: report.state,
          ...(report.reason !== undefined ? { reason: report.reason } : {}),
          engineVersion: status.serverVersion,
          apiVersion: status.apiVersion,
          containers: report.state === 'up' && host.cache.live ? host.cache.countByState() : {},
          swarm: host.swarm,
          swarmManager: host.isSwarmManager,
          rttMs: status.latencyMs,
          access: { read: true, control: hostAllows(ctx.identity, host.name, host.definition.access, 'control') },
        };
      });
  }

  /**
   * Applies a new set of definitions after any apply still running: two reloads close together
   * end with the later one in force, never with a host of the earlier one left over. New hosts
   * connect, removed ones close (their streams end), changed ones are replaced; unchanged ones
   * are left alone, streams and all (a new default host changes no host).
   */
  apply(definitions: readonly HostSpec[]): Promise<void> {
    const run = this.applying.then(() => this.applyNow(definitions));
    this.applying = run.catch(() => undefined);
    return run;
  }

  private async applyNow(definitions: readonly HostSpec[]): Promise<void> {
    if (definitions.length === 0) throw new Error('no hosts configured');
    const next = new Map(definitions.map((d) => [d.name, d]));
    const closing: Promise<void>[] = [];
    for (const [name, host] of this.hosts) {
      const wanted = next.get(name);
      if (wanted && sameSpec(wanted, host.definition)) continue;
      closing.push(this.remove(name));
    }
    await Promise.all(closing);
    this.defaultName = defaultOf(definitions);
    for (const definition of definitions) if (!this.hosts.has(definition.name)) this.add(definition);
  }

  start(): void {
    this.started = true;
    for (const host of this.hosts.values()) host.start();
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await Promise.all(this.names().map((name) => this.remove(name, false)));
  }

  private add(definition: HostSpec): void {
    const host = this.factory(definition);
    this.hosts.set(definition.name, host);
    this.unwatch.set(definition.name, host.onState((report, swarm) => this.announce(report, swarm)));
    if (this.started) host.start();
    this.logger.info(`host ${definition.name}: ${definition.url}${definition.name === this.defaultName ? ' (default)' : ''}`);
  }

  private async remove(name: string, announce = true): Promise<void> {
    const host = this.hosts.get(name);
    if (!host) return;
    this.hosts.delete(name);
    this.unwatch.get(name)?.();
    this.unwatch.delete(name);
    await host.close(announce);
    if (!announce) return;
    this.logger.info(`host ${name}: removed`);
    this.announce({ name, state: 'down', reason: 'removed from the hosts configuration' }, null);
  }

  private announce(report: HostReport, swarm: HostSwarm | null): void {
    const event: HostEvent = {
      type: 'host',
      host: report.name,
      state: report.state,
      ...(report.reason !== undefined ? { reason: report.reason } : {}),
      swarm,
      time: new Date().toISOString(),
    };
    for (const listener of [...this.listeners]) listener(event);
  }
}

/** Two specs that reach the same engine the same way, with the same rules: the host is kept as it is. */
function sameSpec(a: HostSpec, b: HostSpec): boolean {
  return JSON.stringify({ ...a, isDefault: false }) === JSON.stringify({ ...b, isDefault: false });
}

function defaultOf(definitions: readonly HostSpec[]): string {
  return (definitions.find((d) => d.isDefault) ?? (definitions[0] as HostSpec)).name;
}

function messageOf(err: unknown): string {
  return isLucidError(err) ? err.message : 'internal error';
}

/** A stream that ended because its engine went away (a follow's `error` end) names the host too. */
function endNamingHost<T>(output: T, host: EngineHost): T {
  if (typeof output !== 'object' || output === null || !('error' in output)) return output;
  const error = (output as { error?: ErrorBody }).error;
  if (error === undefined || (error.code !== 'DOCKER_UNAVAILABLE' && error.code !== 'DOCKER_TIMEOUT')) return output;
  return { ...output, error: { ...error, message: `host ${host.name}: ${error.message}` } };
}

/** An engine that cannot be reached is named, with the reason its host is down when one is known. */
function namingHost(err: unknown, host: EngineHost): unknown {
  if (!isLucidError(err) || (err.code !== 'DOCKER_UNAVAILABLE' && err.code !== 'DOCKER_TIMEOUT')) return err;
  const report = host.report();
  const reason = report.state === 'down' && report.reason !== undefined ? ` (${report.reason})` : '';
  return new LucidError(err.code, `host ${host.name}: ${err.message}${reason}`, { host: host.name }, { cause: err.cause });
}
