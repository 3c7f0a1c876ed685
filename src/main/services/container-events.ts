import type { LiveEvent, WatchEventsOutput } from '../../shared/schemas/live.js';
import type { OperationContext } from '../model/context.js';
import { isShutdown } from '../model/shutdown.js';
import type { ContainerCache } from '../state/container-cache.js';

/**
 * Container events for subscribers. They come from the snapshot's one Docker event stream, so a
 * hundred open GUIs cost the daemon nothing extra; each subscriber's transport buffers (bounded)
 * for it. An event is sent once the snapshot reflects it: a list read after it agrees with it.
 */
export class ContainerEventsService {
  constructor(private readonly cache: ContainerCache) {}

  async watch(group: string | undefined, ctx: OperationContext): Promise<WatchEventsOutput> {
    let events = 0;
    const relevant = (event: LiveEvent) => group === undefined || event.type !== 'container' || event.group === group;
    ctx.ready();
    const unsubscribe = this.cache.subscribe((event) => {
      if (!relevant(event)) return;
      events++;
      ctx.emit(event);
    });
    try {
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      unsubscribe();
    }
    return { events, reason: isShutdown(ctx.signal) ? 'shutdown' : 'cancelled' };
  }
}
