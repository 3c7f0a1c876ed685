import { useEffect, useRef, useState } from 'preact/hooks';
import type { ContainerSummary } from '../../shared/schemas/containers.js';
import type { LiveEvent } from '../../shared/schemas/live.js';
import type { ClientApi } from '../client/api.js';
import { errorOf } from '../client/errors.js';
import { withHost, type Hosts } from './hosts.js';

export type Connection = 'connecting' | 'live' | 'reconnecting';

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

const RETRY_MS = [500, 1000, 2000, 5000, 10_000];

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

  useEffect(() => {
    let disposed = false;
    let unsubscribe: (() => void) | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    // Each opening's callbacks act only while it is the current one: an ended stream's late
    // callbacks (an unsubscribe answered after the loss) must not open a second stream.
    let generation = 0;

    const lose = (gen: number, err: unknown) => {
      if (disposed || gen !== generation) return;
      generation++;
      const { code, message } = errorOf(err);
      if (code === 'UNAUTHENTICATED') {
        signOut.current(message);
        return;
      }
      unsubscribe?.();
      unsubscribe = undefined;
      setState((s) => ({ ...s, connection: 'reconnecting', lostReason: `${code}: ${message}` }));
      retry = setTimeout(open, RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)]);
    };

    const open = () => {
      if (disposed) return;
      const gen = ++generation;
      const fail = (err: unknown) => lose(gen, err);
      let pending: unknown[] | undefined = [];
      const apply = (events: unknown[], base: LiveState): LiveState => {
        let containers: Map<string, ContainerSummary> | undefined;
        let next = base;
        for (const event of events as LiveEvent[]) {
          if (event.type === 'container') {
            containers ??= new Map(next.containers);
            if (event.container) containers.set(event.id, event.container);
            else containers.delete(event.id);
          } else if (event.type === 'daemon') {
            next = { ...next, hosts: withHost(next.hosts, event.host, { state: event.state, reason: event.state === 'down' ? 'the engine does not answer' : undefined }) };
          } else if (event.type === 'host') {
            next = { ...next, hosts: withHost(next.hosts, event.host, { state: event.state, reason: event.reason }) };
          }
        }
        return containers ? { ...next, containers } : next;
      };
      const load = async () => {
        // Every host at once; the list names each host with its state, hosts.list adds the details.
        const [list, details] = await Promise.all([
          client.containers.list({ all: true, host: '*' }),
          client.hosts.list().catch(() => undefined),
        ]);
        if (disposed || gen !== generation) return;
        const containers = new Map(list.containers.map((c) => [c.id, c]));
        let hosts: Hosts = new Map(list.hosts.map((h) => [h.name, { name: h.name, state: h.state, reason: h.reason }]));
        for (const info of details?.hosts ?? []) hosts = withHost(hosts, info.name, { info, state: info.state, reason: info.reason });
        const queued = pending ?? [];
        pending = undefined;
        attempt = 0;
        setState((s) =>
          apply(queued, {
            ...s,
            containers,
            loaded: true,
            connection: 'live',
            lostReason: undefined,
            hosts,
          }),
        );
      };
      unsubscribe = client.containers.onEvent(
        { host: '*' },
        (event) => {
          if (event.type === 'resync') {
            // The manager rebuilt a host's state: read the list again, holding events meanwhile.
            pending ??= [];
            load().catch(fail);
            return;
          }
          if (gen !== generation) return;
          if (pending) pending.push(event);
          else setState((s) => apply([event], s));
        },
        {
          onReady: () => void load().catch(fail),
          // The stream ended: an error, or the manager shutting down (null). Either way, reopen.
          onEnd: (err) => fail(err ?? new Error('[CONNECTION_LOST] the manager closed the event stream')),
        },
      );
    };
    open();
    return () => {
      disposed = true;
      clearTimeout(retry);
      unsubscribe?.();
    };
  }, [client]);
  return state;
}
