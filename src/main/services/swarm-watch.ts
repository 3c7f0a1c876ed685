import type { SwarmEvent, SwarmWatchOutput } from '../../shared/schemas/swarm-events.js';
import type { OperationContext } from '../model/context.js';
import { isHostRemoved, isShutdown } from '../model/shutdown.js';
import { nodeFromRaw, serviceFromRaw, stackOf } from '../model/swarm-mapping.js';
import type { SwarmBatch, SwarmState } from '../state/swarm-state.js';
import type { StackGroups } from './swarm.js';

/**
 * Sends a swarm manager's changes to one subscriber as the live state takes them in: services
 * (replicas included) and nodes, then a `resync` whenever the state was rebuilt. Every subscriber
 * shares the host's one event stream; the transport buffers (bounded) for each.
 */
export async function watchSwarm(
  host: string,
  state: Pick<SwarmState, 'subscribe' | 'serviceList' | 'nodeList'>,
  stackGroups: StackGroups,
  ctx: OperationContext,
): Promise<SwarmWatchOutput> {
  let events = 0;
  const send = async (batch: SwarmBatch) => {
    if (ctx.signal.aborted) return;
    const projects = await stackGroups.projects().catch(() => new Map<string, string | null>());
    for (const event of eventsOf(host, batch, projects, state)) {
      events++;
      ctx.emit(event);
    }
  };
  // The stack groups are read per batch, asynchronously: a queue keeps the batches in order.
  let queue = Promise.resolve();
  const unsubscribe = state.subscribe((batch) => {
    queue = queue.then(
      () => send(batch),
      () => send(batch),
    );
  });
  ctx.ready();
  try {
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    unsubscribe();
  }
  return { events, reason: isShutdown(ctx.signal) ? 'shutdown' : isHostRemoved(ctx.signal) ? 'host-removed' : 'cancelled' };
}

function eventsOf(
  host: string,
  batch: SwarmBatch,
  projects: ReadonlyMap<string, string | null>,
  state: Pick<SwarmState, 'serviceList' | 'nodeList'>,
): SwarmEvent[] {
  const time = batch.time;
  const events: SwarmEvent[] = batch.changes.map((change) => {
    if (change.kind === 'node') {
      const known = change.after ?? change.before;
      return {
        type: 'node',
        host,
        action: change.action,
        id: change.id,
        hostname: known?.Description?.Hostname ?? '',
        time,
        node: change.after === null ? null : nodeFromRaw(change.after),
      };
    }
    const known = change.after ?? change.before;
    const stack = known ? stackOf(known) : null;
    const group = stack === null ? null : (projects.get(stack) ?? null);
    return {
      type: 'service',
      host,
      action: change.action,
      id: change.id,
      name: known?.Spec.Name ?? '',
      stack,
      group,
      time,
      service: change.after === null ? null : serviceFromRaw(change.after, group),
    };
  });
  if (batch.resync) events.push({ type: 'resync', host, time, services: state.serviceList().length, nodes: state.nodeList().length });
  return events;
}
