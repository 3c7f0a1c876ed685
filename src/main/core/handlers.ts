import type { OperationName, OperationOutput, ParsedInput } from '../../shared/contract/index.js';
import type { AuditListInput, AuditListOutput } from '../../shared/schemas/audit.js';
import type { OperationContext } from '../model/context.js';
import type { ComposeService } from '../services/compose.js';
import type { ContainerEventsService } from '../services/container-events.js';
import type { ContainerService } from '../services/containers.js';
import type { GroupService } from '../services/groups.js';
import type { HealthService } from '../services/health.js';
import type { LiveStatsService } from '../services/live-stats.js';
import type { MetricsService } from '../services/metrics.js';

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
  containers: ContainerService;
  groups: GroupService;
  audit: AuditReader;
  compose: ComposeService;
  health: HealthService;
  metrics: MetricsService;
  liveStats: LiveStatsService;
  events: ContainerEventsService;
}

export function createHandlers(services: Services): Handlers {
  const { containers, groups, audit, compose, health, metrics, liveStats, events } = services;
  return {
    'containers.list': (input) => {
      groups.requireKnown(input.group);
      return containers.listAnswer(input);
    },
    'containers.get': (input) => containers.get(input.id),
    'containers.start': (input, ctx) => containers.start(input.id, ctx),
    'containers.stop': (input, ctx) => containers.stop(input.id, input.timeout, ctx),
    'containers.restart': (input, ctx) => containers.restart(input.id, input.timeout, ctx),
    'containers.logs': (input, ctx) => containers.logs(input, ctx.signal),
    'containers.followLogs': (input, ctx) => containers.followLogs(input, ctx),
    'containers.stats': (input) => containers.stats(input.id),
    'containers.watchStats': (input, ctx) => liveStats.watch(input.id, ctx),
    'containers.onEvent': (input, ctx) => {
      groups.requireKnown(input.group);
      return events.watch(input.group, ctx);
    },
    'stats.list': (input) => {
      groups.requireKnown(input.group);
      return liveStats.batch(input.group);
    },
    'services.list': async () => ({ groups: await groups.list() }),
    'services.get': (input) => groups.get(input.group),
    'services.start': (input, ctx) => groups.start(input, ctx),
    'services.stop': (input, ctx) => groups.stop(input, ctx),
    'audit.list': (input) => audit.list(input),
    'compose.projects': async () => ({ projects: await compose.projects() }),
    'compose.status': (input) => compose.status(input.project),
    'compose.up': (input, ctx) => compose.up(input, ctx),
    'compose.down': (input, ctx) => compose.down(input, ctx),
    'health.summary': async () => health.summary(),
    'health.live': async () => health.live(),
    'health.ready': () => health.ready(),
    'health.details': () => health.details(),
    'metrics.scrape': (_input, ctx) => metrics.scrape(ctx),
  };
}
