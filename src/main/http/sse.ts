import type { ServerResponse } from 'node:http';
import { BoundedQueue, DEFAULT_QUEUE_LIMITS } from '../core/bounded-queue.js';

const HEARTBEAT_MS = 15_000;
/** How long an ended stream may wait for its client to read what is queued before it is cut. */
const END_GRACE_MS = 30_000;

export interface SseOptions {
  /** Events held for a slow client (default 1000). */
  maxQueued?: number | undefined;
  /** Bytes held for a slow client (default 1 MiB; see STREAM_MAX_QUEUED_BYTES). */
  maxQueuedBytes?: number | undefined;
  heartbeatMs?: number | undefined;
  endGraceMs?: number | undefined;
}

/**
 * Server-Sent Events on one response: numbered events, heartbeat comments, and a queue bounded in
 * events and bytes (the shared BoundedQueue) for a client that reads slower than we write. Past the
 * bound, events are dropped and counted — not even serialised — and the client gets a `dropped`
 * event with the count where the gap is. Frames are held as Buffers, outside the JS heap. An
 * ended stream whose client never reads is cut after a grace, so a finished stream cannot hold
 * its queue forever once the caller's stream slot is free again. (better-sse was considered: its
 * sessions connect asynchronously and have no bounded buffer, which is the part that matters
 * here; the framing itself is a few lines.)
 */
export class SseStream {
  private nextId = 1;
  private readonly queue: BoundedQueue<Buffer>;
  private readonly heartbeat: NodeJS.Timeout;
  private endTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private ending = false;
  private pendingLast: { event: string; data: unknown } | undefined;
  private readonly endGraceMs: number;

  constructor(
    private readonly res: ServerResponse,
    options: SseOptions = {},
  ) {
    this.queue = new BoundedQueue<Buffer>(
      {
        maxEvents: options.maxQueued ?? DEFAULT_QUEUE_LIMITS.maxEvents,
        maxBytes: options.maxQueuedBytes ?? DEFAULT_QUEUE_LIMITS.maxBytes,
      },
      (frame) => frame.length,
      (dropped) => this.frame('dropped', { dropped }),
    );
    this.endGraceMs = options.endGraceMs ?? END_GRACE_MS;
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write(': stream open\n\n');
    this.heartbeat = setInterval(() => this.enqueue(Buffer.from(': heartbeat\n\n')), options.heartbeatMs ?? HEARTBEAT_MS);
    this.heartbeat.unref();
    res.on('drain', () => this.flush());
    res.on('close', () => this.stop());
  }

  /** Bytes held for this client right now (bounded by `maxQueuedBytes`). */
  get queuedBytes(): number {
    return this.queue.bytes;
  }

  /** True while an event sent now would be dropped: the client has fallen a whole queue behind. */
  get full(): boolean {
    return this.queue.full;
  }

  /** Calls `listener` when the client, having fallen a queue behind, has read half of it; returns the unsubscribe. */
  onRoom(listener: () => void): () => void {
    return this.queue.onRoom(listener);
  }

  /** Events lost before they reached this stream: the client hears the count before the next event. */
  lost(count: number): void {
    this.queue.countDrop(count);
  }

  send(event: string, data: unknown): void {
    if (this.closed) return;
    if (!this.backlogged) {
      this.writeGap();
      this.res.write(this.frame(event, data));
      return;
    }
    this.queue.offer(() => this.frame(event, data));
  }

  /** Sends what is queued, then ends the response; a client that does not read in time is cut. */
  end(event: string, data: unknown): void {
    if (this.closed) return;
    // The last word must arrive even when the queue is full: it says how the stream ended.
    if (!this.backlogged) {
      this.writeGap();
      this.res.write(this.frame(event, data));
    } else this.pendingLast = { event, data };
    this.ending = true;
    this.endTimer = setTimeout(() => this.res.destroy(), this.endGraceMs);
    this.endTimer.unref();
    this.flush();
  }

  private get backlogged(): boolean {
    return this.queue.length > 0 || this.res.writableNeedDrain;
  }

  private frame(event: string, data: unknown): Buffer {
    return Buffer.from(`id: ${this.nextId++}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private enqueue(frame: Buffer): void {
    if (this.closed) return;
    if (!this.backlogged) this.res.write(frame);
    else this.queue.push(frame);
  }

  /** What was dropped and not yet told, told now: the queue is drained, so the gap is here. */
  private writeGap(): void {
    const dropped = this.queue.takeDropped();
    if (dropped > 0) this.res.write(this.frame('dropped', { dropped }));
  }

  private flush(): void {
    if (this.closed) return;
    while (this.queue.length > 0 && !this.res.writableNeedDrain) this.res.write(this.queue.shift());
    if (this.queue.length > 0) return;
    this.writeGap();
    if (this.ending) {
      if (this.pendingLast) this.res.write(this.frame(this.pendingLast.event, this.pendingLast.data));
      this.pendingLast = undefined;
      this.finish();
    }
  }

  private finish(): void {
    this.stop();
    this.res.end();
  }

  private stop(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.endTimer);
    this.queue.clear();
  }
}
