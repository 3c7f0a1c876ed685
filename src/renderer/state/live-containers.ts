import { useEffect, useRef, useState } from 'preact/hooks';
import type { ContainerSummary } from '../../shared/schemas/containers.js';
import type { LiveEvent } from '../../shared/schemas/live.js';
import type { ClientApi } from '../client/api.js';
import { errorOf } from '../client/errors.js';
import { withHost, withHostEvent, type Hosts } from './hosts.js';
import { followLive, type Connection } from './live-stream.js';

export interface LiveState {
  containers: ReadonlyMap<string, ContainerSummary>;
  /** False until the first list arrived: "no containers" is said only then. */
  loaded: boolean;
  connection: Connection;
  /** Why the stream was lost, while it is. */
  lostReason: string | undefined;
  /** Every host the manager reaches, with its state; a host whose engine is down is kept, not dropped. */
  hosts: Hosts;
}

/** Events applied to the state, in order: each carries the state right after its change. */
export function applyLiveEvents(events: readonly LiveEvent[], base: LiveState): LiveState {
  let containers: Map<string, ContainerSummary> | undefined;
  let next = base;
  for (const event of events) {
    if (event.type === 'container') {
      containers ??= new Map(next.containers);
      if (event.container) containers.set(event.id, event.container);
      else containers.delete(event.id);
    } else if (event.type === 'daemon') {
      next = { ...next, hosts: withHost(next.hosts, event.host, { state: event.state, reason: event.state === 'down' ? 'the engine does not answer' : undefined }) };
    } else if (event.type === 'host') {
      next = { ...next, hosts: withHostEvent(next.hosts, event) };
    }
  }
  return containers ? { ...next, containers } : next;
}

/**
 * The containers, live: subscribe to the manager's events first, load the list once the stream
 * is open, then apply each event's summary (the state right after the change). Nothing is
 * polled. A lost stream is shown and reopened with a growing pause; each reopening loads the
 * list again, so nothing missed while away stays wrong.
 */
export function useLiveContainers(client: ClientApi, onUnauthenticated: (message: string) => void): LiveState {
  const [state, setState] = useState<LiveState>({
    containers: new Map(),
    loaded: false,
    connection: 'connecting',
    lostReason: undefined,
    hosts: new Map(),
  });
  const signOut = useRef(onUnauthenticated);
  signOut.current = onUnauthenticated;

  useEffect(
    () =>
      followLive<LiveEvent, LiveState>({
        subscribe: (onEvent, callbacks) => client.containers.onEvent({ host: '*' }, onEvent, callbacks),
        isResync: (event) => event.type === 'resync',
        load: async () => {
          // Every host at once; the list names each host with its state, hosts.list adds the details.
          const [list, details] = await Promise.all([client.containers.list({ all: true, host: '*' }), client.hosts.list().catch(() => undefined)]);
          let hosts: Hosts = new Map(list.hosts.map((h) => [h.name, { name: h.name, state: h.state, reason: h.reason }]));
          for (const info of details?.hosts ?? []) hosts = withHost(hosts, info.name, { info, state: info.state, reason: info.reason });
          return { containers: new Map(list.containers.map((c) => [c.id, c])), loaded: true, connection: 'live', lostReason: undefined, hosts };
        },
        loaded: (lists, held) => setState(applyLiveEvents(held, lists)),
        event: (event) => setState((s) => applyLiveEvents([event], s)),
        lost: (err) => {
          const { code, message } = errorOf(err);
          if (code === 'UNAUTHENTICATED') {
            signOut.current(message);
            return false;
          }
          setState((s) => ({ ...s, connection: 'reconnecting', lostReason: `${code}: ${message}` }));
          return true;
        },
      }),
    [client],
  );
  return state;
}
