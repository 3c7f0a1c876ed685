import type { SubscriptionCallbacks } from '../client/api.js';

export type Connection = 'connecting' | 'live' | 'reconnecting';

export interface LiveStream<E, L> {
  subscribe(onEvent: (event: E) => void, callbacks: SubscriptionCallbacks): () => void;
  /** The stream's notice that the manager rebuilt its state: the lists are read again. */
  isResync(event: E): boolean;
  load(): Promise<L>;
  /** The lists arrived, with the events that came while they were read, in order. */
  loaded(lists: L, held: E[]): void;
  event(event: E): void;
  /** The stream or a load failed; false: do not reopen it (the user was signed out). */
  lost(error: unknown): boolean;
}

const RETRY_MS = [500, 1000, 2000, 5000, 10_000];

/**
 * Follows a subscription the way every live view does: subscribe first, load the lists once the
 * stream is open (holding events meanwhile), then pass each event on. Nothing is polled. A lost
 * stream is reopened with a growing pause and each reopening, like each resync notice, loads the
 * lists again, so nothing missed while away stays wrong. Returns the stop.
 */
export function followLive<E, L>(live: LiveStream<E, L>): () => void {
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
    unsubscribe?.();
    unsubscribe = undefined;
    if (live.lost(err)) retry = setTimeout(open, RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)]);
  };

  const open = () => {
    if (disposed) return;
    const gen = ++generation;
    const fail = (err: unknown) => lose(gen, err);
    let held: E[] | undefined = [];
    const load = async () => {
      const lists = await live.load();
      if (disposed || gen !== generation) return;
      const queued = held ?? [];
      held = undefined;
      attempt = 0;
      live.loaded(lists, queued);
    };
    unsubscribe = live.subscribe(
      (event) => {
        if (gen !== generation) return;
        if (live.isResync(event)) {
          held ??= [];
          load().catch(fail);
        } else if (held) held.push(event);
        else live.event(event);
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
}
