import type { LiveEvent, WatchEventsOutput } from '../../shared/schemas/live.js';
import type { OperationContext } from '../model/context.js';
import { isShutdown } from '../model/shutdown.js';
import type { ContainerCache } from '../state/container-cache.js';

/** Tells when the engine stops or starts answering (the health probe: DockerHealth). */
export interface DaemonStateSource {
  onReachabilityChange(listener: (reachable: boolean) => void): () => void;
}

/**
 * Container events for subscribers. They come from the snapshot's one Docker event stream, so a
 * hundred open GUIs cost the daemon nothing extra; each subscriber's transport buffers (bounded)
 * for it. An event is sent once the snapshot reflects it: a list read after it agrees with it.
 * While the engine is unreachable the event stream is silent, so subscribers also hear
 * `{type: 'daemon', state: 'down'}` when it goes and `{type: 'daemon', state: 'up'}` when it is
 * back (then `resync`, once the snapshot is rebuilt).
 */
export class ContainerEventsService {
  constructor(
    private readonly cache: ContainerCache,
    private readonly daemon?: DaemonStateSource,
  ) {}

  async watch(group: string | undefined, ctx: OperationContext): Promise<WatchEventsOutput> {
    let events = 0;
    const relevant = (event: LiveEvent) => group === undefined || event.type !== 'container' || event.group === group;
    const send = (event: LiveEvent) => {
      if (!relevant(event)) return;
      events++;
      ctx.emit(event);
    };
    ctx.ready();
    const unsubscribe = this.cache.subscribe(send);
    const unwatchDaemon = this.daemon?.onReachabilityChange((reachable) =>
      send({ type: 'daemon', state: reachable ? 'up' : 'down', time: new Date().toISOString() }),
    );
    try {
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      unsubscribe();
      unwatchDaemon?.();
    }
    return { events, reason: isShutdown(ctx.signal) ? 'shutdown' : 'cancelled' };
  }
}
