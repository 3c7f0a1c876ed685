import { STREAM_ACK_EVERY } from '../../shared/ipc.js';
import { approximateBytes, BoundedQueue, DEFAULT_QUEUE_LIMITS, type QueueLimits } from '../core/bounded-queue.js';

/** Events sent but not yet acknowledged; must exceed the preload's ack batch or nothing moves. */
export const CREDIT_WINDOW = STREAM_ACK_EVERY * 4;
/** Events held in main beyond the window before the oldest-first delivery gives way to dropping. */
export const MAX_QUEUED = DEFAULT_QUEUE_LIMITS.maxEvents;

/**
 * Credit-based sending for one IPC stream. Memory per stream is bounded in events and bytes (the
 * shared BoundedQueue) whatever the renderer does; a renderer that falls behind loses events,
 * counted, and hears the count in one notice once it has caught up.
 */
export class CreditedSender {
  private inFlight = 0;
  private readonly queue: BoundedQueue<unknown>;

  constructor(
    private readonly send: (event: unknown) => void,
    private readonly notify: (dropped: number) => void,
    private readonly window = CREDIT_WINDOW,
    limits: number | Partial<QueueLimits> = {},
  ) {
    const given = typeof limits === 'number' ? { maxEvents: limits } : limits;
    this.queue = new BoundedQueue<unknown>({ ...DEFAULT_QUEUE_LIMITS, ...given }, (event) => approximateBytes(event));
  }

  get queued(): number {
    return this.queue.length;
  }

  get queuedBytes(): number {
    return this.queue.bytes;
  }

  push(event: unknown): void {
    if (this.queue.length === 0 && this.inFlight < this.window) {
      this.inFlight++;
      this.send(event);
      return;
    }
    this.queue.push(event);
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
      this.inFlight++;
      this.send(this.queue.shift());
    }
    if (this.queue.length === 0) {
      const dropped = this.queue.takeDropped();
      if (dropped > 0) this.notify(dropped);
    }
  }
}
