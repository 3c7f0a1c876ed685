import { useEffect, useRef, useState } from 'preact/hooks';
import type { SwarmStack } from '../../shared/schemas/swarm.js';
import type { SwarmEvent } from '../../shared/schemas/swarm-events.js';
import type { ClientApi } from '../client/api.js';
import { errorOf } from '../client/errors.js';
import { followLive, type Connection } from './live-stream.js';
import { applySwarmEvents, NO_LISTS, unlistedStacks, type StackInfo, type SwarmLists } from './swarm-lists.js';

export interface LiveSwarm {
  lists: SwarmLists;
  /** False until the first lists arrived: "no services" is said only then. */
  loaded: boolean;
  connection: Connection;
  /** Why the cluster is not followed right now (not a manager, engine down, stream lost). */
  problem: string | undefined;
  /** Counts the loads of the lists: what is read per service is read again with each. */
  loads: number;
}

const START: LiveSwarm = { lists: NO_LISTS, loaded: false, connection: 'connecting', problem: undefined, loads: 0 };

function withStacks(known: ReadonlyMap<string, StackInfo>, listed: SwarmStack[]): Map<string, StackInfo> {
  const next = new Map(known);
  for (const s of listed) next.set(s.name, { ...(s.project !== undefined && { project: s.project }), group: s.group });
  return next;
}

/**
 * One swarm manager's nodes, services and stacks, live, followed as the containers are
 * (`followLive`): each `swarm.onEvent` event carries its node or service right after the change;
 * a `resync` notice or a reopened stream loads the lists again. Nothing is polled.
 */
export function useLiveSwarm(client: ClientApi, host: string): LiveSwarm {
  const [state, setState] = useState<LiveSwarm>(START);
  // Stack names already asked about: a stack the list does not name yet is asked about once.
  const asked = useRef(new Set<string>());

  useEffect(() => {
    setState(START);
    asked.current = new Set();
    if (!host) return;
    return followLive<SwarmEvent, SwarmLists>({
      subscribe: (onEvent, callbacks) => client.swarm.onEvent({ host }, onEvent, callbacks),
      isResync: (event) => event.type === 'resync',
      load: async () => {
        const [nodes, services, stacks] = await Promise.all([client.swarm.nodes({ host }), client.swarm.services({ host }), client.stacks.list({ host })]);
        return {
          nodes: new Map(nodes.nodes.map((n) => [n.id, n])),
          services: new Map(services.services.map((s) => [s.id, s])),
          stacks: withStacks(new Map(), stacks.stacks),
          touched: new Map(),
        };
      },
      loaded: (lists, held) => setState((s) => ({ lists: applySwarmEvents(lists, held), loaded: true, connection: 'live', problem: undefined, loads: s.loads + 1 })),
      event: (event) => setState((s) => ({ ...s, lists: applySwarmEvents(s.lists, [event]) })),
      lost: (err) => {
        // Not a manager (any more), its engine down, the stream cut: said, and tried again.
        const { code, message } = errorOf(err);
        setState((s) => ({ ...s, connection: 'reconnecting', problem: `${code}: ${message}` }));
        return true;
      },
    });
  }, [client, host]);

  // A stack deployed elsewhere shows at once (counted from its services); its project and group
  // come from one more read of the stack list.
  useEffect(() => {
    const missing = unlistedStacks(state.lists).filter((name) => !asked.current.has(name));
    if (!host || missing.length === 0) return;
    for (const name of missing) asked.current.add(name);
    const mine = asked.current;
    client.stacks.list({ host }).then(
      (answer) => asked.current === mine && setState((s) => ({ ...s, lists: { ...s.lists, stacks: withStacks(s.lists.stacks, answer.stacks) } })),
      () => undefined,
    );
  }, [client, host, state.lists.services]);

  return state;
}
