import type { SwarmNode, SwarmService, SwarmStack } from '../../shared/schemas/swarm.js';
import type { SwarmEvent } from '../../shared/schemas/swarm-events.js';

/** What a stack's row takes from the manager's stack list rather than from its services. */
export type StackInfo = Pick<SwarmStack, 'project' | 'group'>;

/** One manager's cluster as the page keeps it: nodes and services by id. */
export interface SwarmLists {
  nodes: ReadonlyMap<string, SwarmNode>;
  services: ReadonlyMap<string, SwarmService>;
  /** By stack name, from the last stack list. */
  stacks: ReadonlyMap<string, StackInfo>;
  /** By service name: how many events named it; what is read per service (its tasks) is read again when it moves. */
  touched: ReadonlyMap<string, number>;
}

export const NO_LISTS: SwarmLists = { nodes: new Map(), services: new Map(), stacks: new Map(), touched: new Map() };

/** Applies node and service events: each carries the object right after the change, or null once it is gone. */
export function applySwarmEvents(lists: SwarmLists, events: readonly SwarmEvent[]): SwarmLists {
  let nodes: Map<string, SwarmNode> | undefined;
  let services: Map<string, SwarmService> | undefined;
  let touched: Map<string, number> | undefined;
  for (const event of events) {
    if (event.type === 'node') {
      nodes ??= new Map(lists.nodes);
      if (event.node) nodes.set(event.id, event.node);
      else nodes.delete(event.id);
    } else if (event.type === 'service') {
      services ??= new Map(lists.services);
      if (event.service) services.set(event.id, event.service);
      else services.delete(event.id);
      touched ??= new Map(lists.touched);
      touched.set(event.name, (touched.get(event.name) ?? 0) + 1);
    }
  }
  return nodes || services ? { ...lists, ...(nodes && { nodes }), ...(services && { services }), ...(touched && { touched }) } : lists;
}

const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);

export function sortedServices(lists: SwarmLists): SwarmService[] {
  return [...lists.services.values()].sort(byName);
}

export function sortedNodes(lists: SwarmLists): SwarmNode[] {
  return [...lists.nodes.values()].sort((a, b) => a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id));
}

/**
 * The stacks, counted from the live services as the manager counts them (every service labelled
 * with the stack); project and group from the last stack list, or, for a stack that list did not
 * name yet, the group its services carry.
 */
export function stacksOf(lists: SwarmLists): SwarmStack[] {
  const stacks = new Map<string, SwarmStack>();
  for (const service of lists.services.values()) {
    if (service.stack === null) continue;
    const info = lists.stacks.get(service.stack);
    const stack = stacks.get(service.stack) ?? {
      name: service.stack,
      services: 0,
      running: 0,
      desired: 0,
      ...(info ? info : { ...(service.group !== null && { project: service.stack }), group: service.group }),
    };
    stack.services += 1;
    stack.running += service.replicas.running;
    stack.desired += service.replicas.desired;
    stacks.set(service.stack, stack);
  }
  return [...stacks.values()].sort(byName);
}

/** Stacks the services name that the last stack list did not: read it again for their project. */
export function unlistedStacks(lists: SwarmLists): string[] {
  const names = new Set<string>();
  for (const service of lists.services.values()) if (service.stack !== null && !lists.stacks.has(service.stack)) names.add(service.stack);
  return [...names];
}
