import type { OperationName, OperationOutput, ParsedInput } from '../../shared/contract/index.js';
import type { AuditListInput, AuditListOutput } from '../../shared/schemas/audit.js';
import type { HostRegistry } from '../hosts/host-registry.js';
import type { OperationContext } from '../model/context.js';
import { streamBatches } from '../services/batch-stream.js';
import type { ComposeService } from '../services/compose.js';
import type { ContainerEventsService } from '../services/container-events.js';
import type { GroupService } from '../services/groups.js';
import type { HealthService } from '../services/health.js';
import type { MetricsService } from '../services/metrics.js';
import type { SwarmOperationName } from './swarm-handlers.js';

export type Handler<N extends OperationName> = (
  input: ParsedInput<N>,
  ctx: OperationContext,
) => Promise<OperationOutput<N>>;

/** Exactly one handler per contract entry: the compiler rejects a missing or extra one. */
export type Handlers = { [N in OperationName]: Handler<N> };

/**
 * What the binding needs of the audit trail. The trail sits above the runner (its recorder observes
 * every call), so the runner names only the shape it reads, never the audit folder.
 */
export interface AuditReader {
  list(input: AuditListInput): Promise<AuditListOutput>;
}

export interface Services {
  hosts: HostRegistry;
  groups: GroupService;
  audit: AuditReader;
  compose: ComposeService;
  health: HealthService;
  metrics: MetricsService;
  events: ContainerEventsService;
}

/** Every handler but the swarm ones, which come per host from `swarmHandlers`. */
export function createHandlers(services: Services): Omit<Handlers, SwarmOperationName> {
  const { hosts, groups, audit, compose, health, metrics, events } = services;
  return {
    'containers.list': async (input, ctx) => {
      groups.requireKnown(input.group);
      const { answers, hosts: covered } = await hosts.gather(ctx, input.host, (host) => host.containers.listAnswer(input));
      // One host answers with its snapshot's own answer, serialised once per change and second.
      if (input.host !== '*' && answers[0] !== undefined) return answers[0];
      const containers = answers.flatMap((answer) => answer.containers);
      return { containers, total: containers.length, hosts: covered };
    },
    'containers.get': (input, ctx) => hosts.run(ctx, input.host, 'read', (host) => host.containers.get(input.id)),
    'containers.start': (input, ctx) => hosts.run(ctx, input.host, 'control', (host) => host.containers.start(input.id, ctx)),
    'containers.stop': (input, ctx) =>
      hosts.run(ctx, input.host, 'control', (host) => host.containers.stop(input.id, input.timeout, ctx)),
    'containers.restart': (input, ctx) =>
      hosts.run(ctx, input.host, 'control', (host) => host.containers.restart(input.id, input.timeout, ctx)),
    'containers.logs': (input, ctx) => hosts.run(ctx, input.host, 'read', (host) => host.containers.logs(input, ctx.signal)),
    'containers.followLogs': (input, ctx) => hosts.run(ctx, input.host, 'read', (host) => host.containers.followLogs(input, ctx)),
    'containers.stats': (input, ctx) => hosts.run(ctx, input.host, 'read', (host) => host.containers.stats(input.id)),
    'containers.watchStats': (input, ctx) => hosts.run(ctx, input.host, 'read', (host) => host.liveStats.watch(input.id, ctx)),
    'containers.onEvent': (input, ctx) => {
      groups.requireKnown(input.group);
      const sources = hosts.eventSources(ctx, input.host);
      const shown = new Set(sources.map((source) => source.host));
      const all = input.host === '*';
      // With `*`: every host the caller may read now, and the removal of one it was shown before.
      const shownHost = (host: string) => {
        if (!all) return shown.has(host);
        if (hosts.mayRead(ctx, host)) shown.add(host);
        return shown.has(host);
      };
      return events.watch(input.group, sources, hosts, shownHost, ctx, (host) => (all ? hosts.eventSource(host) : undefined));
    },
    'stats.list': (input, ctx) => {
      groups.requireKnown(input.group);
      return batchStats(hosts, ctx, input);
    },
    'stats.watch': (input, ctx) => {
      groups.requireKnown(input.group);
      // The hosts are chosen (and the caller's access checked) once, before the stream opens.
      hosts.select(ctx, input.host);
      return streamBatches(ctx, () => batchStats(hosts, ctx, input));
    },
    'services.list': (input, ctx) => groups.list(ctx, input.host),
    'services.get': (input, ctx) => groups.get(input.group, ctx, input.host),
    'services.start': (input, ctx) => groups.start(input, ctx),
    'services.stop': (input, ctx) => groups.stop(input, ctx),
    'audit.list': (input) => audit.list(input),
    'compose.projects': async (_input, ctx) => ({ projects: await compose.projects(ctx) }),
    'compose.status': (input, ctx) => compose.status(input.project, ctx),
    'compose.up': (input, ctx) => compose.up(input, ctx),
    'compose.down': (input, ctx) => compose.down(input, ctx),
    'health.summary': async () => health.summary(),
    'health.live': async () => health.live(),
    'health.ready': () => health.ready(),
    'health.details': () => health.details(),
    'metrics.scrape': (_input, ctx) => metrics.scrape(ctx),
    'hosts.list': async (_input, ctx) => ({ hosts: hosts.info(ctx) }),
    'session.get': async (_input, ctx) => groups.session(ctx),
  };
}

/** The latest samples of every running container in scope, on the hosts the input names. */
async function batchStats(hosts: HostRegistry, ctx: OperationContext, input: { group?: string | undefined; host?: string | undefined }) {
  const { answers, hosts: covered } = await hosts.gather(ctx, input.host, (host) => host.liveStats.batch(input.group));
  return {
    stats: answers.flatMap((answer) => answer.stats),
    running: answers.reduce((sum, answer) => sum + answer.running, 0),
    hosts: covered,
  };
}
