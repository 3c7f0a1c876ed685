import { STREAM_ACK_EVERY } from '../../shared/ipc.js';
import { approximateBytes, BoundedQueue, DEFAULT_QUEUE_LIMITS, type QueueLimits } from '../core/bounded-queue.js';

/** Events sent but not yet acknowledged; must exceed the preload's ack batch or nothing moves. */
export const CREDIT_WINDOW = STREAM_ACK_EVERY * 4;
/** Events held in main beyond the window before the oldest-first delivery gives way to dropping. */
export const MAX_QUEUED = DEFAULT_QUEUE_LIMITS.maxEvents;

/** What the queue of an IPC stream holds: an event, or the count of events dropped at that place. */
type Queued = { event: unknown } | { dropped: number };

/**
 * Credit-based sending for one IPC stream. Memory per stream is bounded in events and bytes (the
 * shared BoundedQueue) whatever the renderer does; a renderer that falls behind loses events,
 * counted, and hears the count in a notice where the gap is, between the events around it.
 */
export class CreditedSender {
  private inFlight = 0;
  private readonly queue: BoundedQueue<Queued>;

  constructor(
    private readonly send: (event: unknown) => void,
    private readonly notify: (dropped: number) => void,
    private readonly window = CREDIT_WINDOW,
    limits: number | Partial<QueueLimits> = {},
  ) {
    const given = typeof limits === 'number' ? { maxEvents: limits } : limits;
    this.queue = new BoundedQueue<Queued>(
      { ...DEFAULT_QUEUE_LIMITS, ...given },
      (item) => ('event' in item ? approximateBytes(item.event) : 16),
      (dropped) => ({ dropped }),
    );
  }

  get queued(): number {
    return this.queue.length;
  }

  get queuedBytes(): number {
    return this.queue.bytes;
  }

  /** True while an event pushed now would be dropped: the renderer has fallen a whole queue behind. */
  get full(): boolean {
    return this.queue.full;
  }

  /** Calls `listener` when the renderer, having fallen a queue behind, has taken half of it; returns the unsubscribe. */
  onRoom(listener: () => void): () => void {
    return this.queue.onRoom(listener);
  }

  /** Events lost before they reached this stream: the renderer hears the count before the next event. */
  lost(count: number): void {
    this.queue.countDrop(count);
  }

  push(event: unknown): void {
    if (this.queue.length === 0 && this.inFlight < this.window) {
      this.tellDropped();
      this.inFlight++;
      this.send(event);
      return;
    }
    this.queue.offer(() => ({ event }));
  }

  /** The renderer delivered `count` events; counts beyond what is in flight are ignored. */
  ack(count: number): void {
    this.inFlight = Math.max(0, this.inFlight - count);
    this.pump(false);
  }

  /**
   * The operation finished: hand over what is queued (bounded) so its last events arrive before
   * its answer, then the drop count.
   */
  finish(): void {
    this.pump(true);
  }

  /** The stream is gone: what is queued will never be sent. */
  discard(): void {
    this.queue.clear();
  }

  private pump(all: boolean): void {
    while (this.queue.length > 0 && (all || this.inFlight < this.window)) {
      const item = this.queue.shift() as Queued;
      if ('dropped' in item) {
        this.notify(item.dropped);
        continue;
      }
      this.inFlight++;
      this.send(item.event);
    }
    if (this.queue.length === 0) this.tellDropped();
  }

  /** What was dropped and not yet told, told now: the queue is drained, so the gap is here. */
  private tellDropped(): void {
    const dropped = this.queue.takeDropped();
    if (dropped > 0) this.notify(dropped);
  }
}
