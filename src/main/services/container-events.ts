import type { HostEvent, LiveEvent, WatchEventsOutput } from '../../shared/schemas/live.js';
import type { OperationContext } from '../model/context.js';
import { isHostRemoved, isShutdown } from '../model/shutdown.js';
import type { ContainerCache } from '../state/container-cache.js';

/** Tells when the engine stops or starts answering (the health probe: DockerHealth). */
export interface DaemonStateSource {
  onReachabilityChange(listener: (reachable: boolean) => void): () => void;
}

/** One host's events: its snapshot's, and its daemon's reachability. */
export interface HostEventSource {
  host: string;
  cache: Pick<ContainerCache, 'subscribe'>;
  daemon?: DaemonStateSource;
}

/** Where host state changes come from (the host registry). */
export interface HostStateSource {
  onHostState(listener: (event: HostEvent) => void): () => void;
}

/**
 * Container events for subscribers. They come from each snapshot's one Docker event stream, so a
 * hundred open GUIs cost the daemons nothing extra; each subscriber's transport buffers (bounded)
 * for it. An event is sent once the snapshot reflects it: a list read after it agrees with it.
 * While an engine is unreachable its event stream is silent, so subscribers also hear
 * `{type: 'daemon', state: 'down'}` when it goes and `{type: 'daemon', state: 'up'}` when it is
 * back (then `resync`, once the snapshot is rebuilt), and `{type: 'host'}` on every host state change.
 */
export class ContainerEventsService {
  /**
   * `sources`: the hosts the caller asked for; `hostShown`: whether a host's state changes concern
   * the caller (it may read the host, and asked for it); `joining`: for a subscription to every
   * host, a host's current source, followed from its next state change on if it is new (a host a
   * reload added or replaced); else undefined.
   */
  async watch(
    group: string | undefined,
    sources: readonly HostEventSource[],
    states: HostStateSource | undefined,
    hostShown: (host: string) => boolean,
    ctx: OperationContext,
    joining: (host: string) => HostEventSource | undefined = () => undefined,
  ): Promise<WatchEventsOutput> {
    let events = 0;
    const relevant = (event: LiveEvent) => group === undefined || event.type !== 'container' || event.group === group;
    const send = (event: LiveEvent) => {
      if (!relevant(event)) return;
      events++;
      ctx.emit(event);
    };
    ctx.ready();
    // By snapshot, not by name: a host a reload replaced has a new one under the same name.
    const followed = new Set<object>();
    const unsubscribes: Array<() => void> = [];
    const follow = ({ host, cache, daemon }: HostEventSource) => {
      followed.add(cache);
      unsubscribes.push(cache.subscribe(send));
      const unwatch = daemon?.onReachabilityChange((reachable) =>
        send({ type: 'daemon', host, state: reachable ? 'up' : 'down', time: new Date().toISOString() }),
      );
      if (unwatch) unsubscribes.push(unwatch);
    };
    for (const source of sources) follow(source);
    const unwatchHosts = states?.onHostState((event) => {
      if (!hostShown(event.host)) return;
      const source = joining(event.host);
      if (source && !followed.has(source.cache)) follow(source);
      send(event);
    });
    try {
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      for (const unsubscribe of unsubscribes) unsubscribe();
      unwatchHosts?.();
    }
    return { events, reason: isShutdown(ctx.signal) ? 'shutdown' : isHostRemoved(ctx.signal) ? 'host-removed' : 'cancelled' };
  }
}
