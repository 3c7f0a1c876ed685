import type { OperationName } from '../../shared/contract/index.js';
import type { OperationContext } from '../model/context.js';
import type { HostAccessKind } from '../services/fleet.js';
import type { StackService } from '../services/stacks.js';
import type { SwarmCluster } from '../services/swarm.js';
import type { SwarmState } from '../state/swarm-state.js';
import type { Handlers } from './handlers.js';

/** One host's swarm side: its cluster view and controls, and its stacks. */
export interface SwarmServices {
  swarm: SwarmCluster;
  stacks: StackService;
  /** The cluster kept from the engine's event stream. */
  state: SwarmState;
}

export type SwarmOperationName = Extract<OperationName, `swarm.${string}` | `stacks.${string}`>;

/**
 * Runs `fn` on the swarm services of the host an operation names (`host`, or the default host when
 * left out), once the caller may act there with `kind` (as `HostRegistry.run` does for containers).
 */
export type SwarmRunner = <T>(
  host: string | undefined,
  ctx: OperationContext,
  kind: HostAccessKind,
  fn: (services: SwarmServices) => Promise<T>,
) => Promise<T>;

/**
 * The handlers of the swarm operations; spread into the manager's handler table. A stack is
 * deployed and removed on its project's host (`projectHost`), as compose up runs a project there:
 * `host` left out means that host, and one naming another host is refused by the stack service.
 */
export function swarmHandlers(on: SwarmRunner, projectHost: (project: string) => Promise<string>): Pick<Handlers, SwarmOperationName> {
  const onProjectHost = async <T>(
    input: { host?: string | undefined; project: string },
    ctx: OperationContext,
    fn: (stacks: StackService) => Promise<T>,
  ): Promise<T> => {
    ctx.target = input.project;
    return on(input.host ?? (await projectHost(input.project)), ctx, 'control', ({ stacks }) => fn(stacks));
  };
  return {
    'swarm.nodes': (input, ctx) => on(input.host, ctx, 'read', async ({ swarm }) => ({ nodes: await swarm.nodes() })),
    'swarm.setAvailability': (input, ctx) =>
      on(input.host, ctx, 'control', ({ swarm }) => swarm.setAvailability(input.node, input.availability, ctx)),
    'swarm.onEvent': (input, ctx) => on(input.host, ctx, 'read', ({ swarm }) => swarm.watch(ctx)),
    'swarm.services': (input, ctx) => on(input.host, ctx, 'read', ({ swarm }) => swarm.servicesAnswer(input.stack)),
    'swarm.tasks': (input, ctx) => on(input.host, ctx, 'read', ({ swarm }) => swarm.tasks(input.service)),
    'swarm.logs': (input, ctx) => on(input.host, ctx, 'read', ({ swarm }) => swarm.logs(input, ctx.signal)),
    'swarm.followLogs': (input, ctx) => on(input.host, ctx, 'read', ({ swarm }) => swarm.followLogs(input, ctx)),
    'swarm.scale': (input, ctx) => on(input.host, ctx, 'control', ({ swarm }) => swarm.scale(input.service, input.replicas, ctx)),
    'swarm.rollback': (input, ctx) => on(input.host, ctx, 'control', ({ swarm }) => swarm.rollback(input.service, ctx)),
    'swarm.restart': (input, ctx) => on(input.host, ctx, 'control', ({ swarm }) => swarm.restart(input.service, ctx)),
    'stacks.list': (input, ctx) => on(input.host, ctx, 'read', async ({ swarm }) => ({ stacks: await swarm.stacks() })),
    'stacks.deploy': (input, ctx) => onProjectHost(input, ctx, (stacks) => stacks.deploy(input.project, ctx)),
    'stacks.remove': (input, ctx) => onProjectHost(input, ctx, (stacks) => stacks.remove(input.project, ctx)),
    'stacks.removeByName': (input, ctx) => on(input.host, ctx, 'control', ({ stacks }) => stacks.removeByName(input.stack, ctx)),
  };
}
