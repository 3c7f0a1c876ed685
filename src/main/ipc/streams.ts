import { STREAM_EVENT_CHANNEL, STREAM_ID, STREAM_NOTICE_CHANNEL, type StreamNotice, type StreamRequest } from '../../shared/ipc.js';
import type { QueueLimits } from '../core/bounded-queue.js';
import type { StreamFlow } from '../model/context.js';
import { CreditedSender } from './flow.js';
import type { WebContentsLike } from './types.js';

interface OpenStream {
  controller: AbortController;
  sender: CreditedSender;
}

/**
 * The event streams IPC callers opened, per window. A stream's events go to the window that asked
 * for them and nowhere else, under credit-based flow control (see `CreditedSender`); the stream is
 * cancelled when the page that opened it asks to or is gone: window destroyed, page reloaded or
 * navigated away (the window lives on, its page's callbacks do not), renderer crashed.
 */
export class IpcStreams {
  private readonly open = new Map<string, OpenStream>();
  /** Streams whose call has not returned yet, cancelled or not: `close` waits for them. */
  private readonly running = new Set<Promise<void>>();
  private readonly watched = new WeakSet<WebContentsLike>();

  /** `limits`: what each stream may hold for a renderer that falls behind (see BoundedQueue). */
  constructor(private readonly limits: Partial<QueueLimits> = {}) {}

  /** Null when the caller did not ask for events (or the request is malformed: then it gets none). */
  static requested(value: unknown): StreamRequest | null {
    if (typeof value !== 'object' || value === null) return null;
    const streamId = (value as { streamId?: unknown }).streamId;
    return typeof streamId === 'string' && STREAM_ID.test(streamId) ? { streamId } : null;
  }

  begin(
    sender: WebContentsLike,
    streamId: string,
  ): { signal: AbortSignal; ready: () => void; emit: (event: unknown) => void; flow: StreamFlow; done: () => void } {
    const key = `${sender.id}:${streamId}`;
    this.open.get(key)?.controller.abort();
    this.open.get(key)?.sender.discard();
    const controller = new AbortController();
    const deliver = (channel: string, payload: unknown) => {
      if (controller.signal.aborted || sender.isDestroyed()) return;
      try {
        sender.send(channel, streamId, payload);
      } catch {
        // The window went away between the check and the send; its 'destroyed' cancels the stream.
      }
    };
    const credited = new CreditedSender(
      (event) => deliver(STREAM_EVENT_CHANNEL, event),
      (dropped) => deliver(STREAM_NOTICE_CHANNEL, { dropped } satisfies StreamNotice),
      undefined,
      this.limits,
    );
    const entry = { controller, sender: credited };
    this.open.set(key, entry);
    let ended = () => {};
    const running = new Promise<void>((resolve) => (ended = resolve));
    this.running.add(running);
    if (!this.watched.has(sender)) {
      this.watched.add(sender);
      const pageGone = () => this.cancelAll(sender);
      sender.once('destroyed', pageGone);
      sender.on('did-navigate', pageGone);
      sender.on('render-process-gone', pageGone);
    }
    return {
      signal: controller.signal,
      ready: () => deliver(STREAM_NOTICE_CHANNEL, { ready: true } satisfies StreamNotice),
      emit: (event) => {
        if (!controller.signal.aborted) credited.push(event);
      },
      flow: {
        full: () => credited.full,
        onRoom: (listener) => credited.onRoom(listener),
        lost: (count) => credited.lost(count),
      },
      done: () => {
        credited.finish();
        if (this.open.get(key) === entry) this.open.delete(key);
        this.running.delete(running);
        ended();
      },
    };
  }

  ack(sender: WebContentsLike, streamId: string, count: number): boolean {
    const entry = this.open.get(`${sender.id}:${streamId}`);
    if (!entry) return false;
    entry.sender.ack(count);
    return true;
  }

  cancel(sender: WebContentsLike, streamId: string): boolean {
    const key = `${sender.id}:${streamId}`;
    const entry = this.open.get(key);
    if (!entry) return false;
    entry.controller.abort();
    entry.sender.discard();
    this.open.delete(key);
    return true;
  }

  /** Cancels every stream (the IPC handlers are being removed) and resolves once each call has returned. */
  async close(): Promise<void> {
    for (const entry of this.open.values()) {
      entry.controller.abort();
      entry.sender.discard();
    }
    this.open.clear();
    await Promise.all(this.running);
  }

  private cancelAll(sender: WebContentsLike): void {
    const prefix = `${sender.id}:`;
    for (const [key, entry] of this.open) {
      if (key.startsWith(prefix)) {
        entry.controller.abort();
        entry.sender.discard();
        this.open.delete(key);
      }
    }
  }

  get size(): number {
    return this.open.size;
  }

  /** Events held in main for renderers that fell behind (bounded per stream). */
  get queued(): number {
    let total = 0;
    for (const entry of this.open.values()) total += entry.sender.queued;
    return total;
  }

  /** Bytes (approximate) held in main for renderers that fell behind (bounded per stream). */
  get queuedBytes(): number {
    let total = 0;
    for (const entry of this.open.values()) total += entry.sender.queuedBytes;
    return total;
  }
}
