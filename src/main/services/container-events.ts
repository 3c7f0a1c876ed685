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
   * the caller (it may read the host, and asked for it).
   */
  async watch(
    group: string | undefined,
    sources: readonly HostEventSource[],
    states: HostStateSource | undefined,
    hostShown: (host: string) => boolean,
    ctx: OperationContext,
  ): Promise<WatchEventsOutput> {
    let events = 0;
    const relevant = (event: LiveEvent) => group === undefined || event.type !== 'container' || event.group === group;
    const send = (event: LiveEvent) => {
      if (!relevant(event)) return;
      events++;
      ctx.emit(event);
    };
    ctx.ready();
    const unsubscribes = sources.flatMap(({ host, cache, daemon }) => [
      cache.subscribe(send),
      daemon?.onReachabilityChange((reachable) =>
        send({ type: 'daemon', host, state: reachable ? 'up' : 'down', time: new Date().toISOString() }),
      ) ?? (() => {}),
    ]);
    const unwatchHosts = states?.onHostState((event) => {
      if (hostShown(event.host)) send(event);
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
