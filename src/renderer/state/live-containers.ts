import { useEffect, useRef, useState } from 'preact/hooks';
import type { ContainerSummary } from '../../shared/schemas/containers.js';
import type { LiveEvent } from '../../shared/schemas/live.js';
import type { ClientApi } from '../client/api.js';
import { errorOf } from '../client/errors.js';
import { hostsList, type HostEvent, type HostInfo } from './hosts.js';

export type Connection = 'connecting' | 'live' | 'reconnecting';

export interface LiveState {
  containers: ReadonlyMap<string, ContainerSummary>;
  /** False until the first list arrived: "no containers" is said only then. */
  loaded: boolean;
  connection: Connection;
  /** Why the stream was lost, while it is. */
  lostReason: string | undefined;
  daemon: 'up' | 'down';
  hosts: ReadonlyMap<string, HostInfo> | undefined;
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
    daemon: 'up',
    hosts: undefined,
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
    const listHosts = hostsList(client);
    // Every host at once, where the manager knows hosts.
    const listInput = (listHosts ? { all: true, host: '*' } : { all: true }) as { all: boolean };

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
        for (const raw of events) {
          const event = raw as LiveEvent | HostEvent;
          if (event.type === 'container') {
            containers ??= new Map(next.containers);
            if (event.container) containers.set(event.id, event.container);
            else containers.delete(event.id);
          } else if (event.type === 'daemon') next = { ...next, daemon: event.state };
          else if (event.type === 'host') {
            const hosts = new Map(next.hosts ?? []);
            const known = hosts.get(event.host);
            hosts.set(event.host, { ...known, name: event.host, state: event.state, ...(event.reason ? { reason: event.reason } : {}) });
            next = { ...next, hosts };
          }
        }
        return containers ? { ...next, containers } : next;
      };
      const load = async () => {
        const [list, hosts] = await Promise.all([
          client.containers.list(listInput),
          listHosts ? listHosts().catch(() => undefined) : Promise.resolve(undefined),
        ]);
        if (disposed || gen !== generation) return;
        const containers = new Map(list.containers.map((c) => [c.id, c]));
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
            hosts: hosts ? new Map(hosts.hosts.map((h) => [h.name, h])) : s.hosts,
          }),
        );
      };
      unsubscribe = client.containers.onEvent(
        {},
        (event) => {
          if (event.type === 'resync') {
            // The manager rebuilt its state: read the list again, holding events meanwhile.
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
