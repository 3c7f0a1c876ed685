import { STREAM_ACK_EVERY } from '../../shared/ipc.js';

/** Events sent but not yet acknowledged; must exceed the preload's ack batch or nothing moves. */
export const CREDIT_WINDOW = STREAM_ACK_EVERY * 4;
/** Events held in main beyond the window before the oldest-first delivery gives way to dropping. */
export const MAX_QUEUED = 1000;

/**
 * Credit-based sending for one IPC stream. Memory per stream is bounded by `maxQueued` whatever
 * the renderer does; a renderer that falls behind loses events, counted, and hears the count in
 * one notice once it has caught up.
 */
export class CreditedSender {
  private inFlight = 0;
  private readonly queue: unknown[] = [];
  private head = 0;
  private dropped = 0;

  constructor(
    private readonly send: (event: unknown) => void,
    private readonly notify: (dropped: number) => void,
    private readonly window = CREDIT_WINDOW,
    private readonly maxQueued = MAX_QUEUED,
  ) {}

  get queued(): number {
    return this.queue.length - this.head;
  }

  push(event: unknown): void {
    if (this.queued === 0 && this.inFlight < this.window) {
      this.inFlight++;
      this.send(event);
      return;
    }
    if (this.queued >= this.maxQueued) {
      this.dropped++;
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

  private pump(all: boolean): void {
    while (this.queued > 0 && (all || this.inFlight < this.window)) {
      const event = this.queue[this.head];
      this.queue[this.head++] = undefined;
      this.inFlight++;
      this.send(event);
    }
    // Reclaim the consumed front so the array stays as small as what is queued.
    if (this.head > 0 && (this.queued === 0 || this.head >= this.maxQueued)) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (this.queued === 0 && this.dropped > 0) {
      const count = this.dropped;
      this.dropped = 0;
      this.notify(count);
    }
  }
}
