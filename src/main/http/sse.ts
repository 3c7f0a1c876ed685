import type { Response } from 'express';

const HEARTBEAT_MS = 15_000;
const MAX_QUEUED = 1000;

/**
 * Server-Sent Events on one response: numbered events, heartbeat comments, and a bounded queue for
 * a client that reads slower than we write. Past the bound, events are dropped and counted, and
 * the client gets one `dropped` event with the count once it catches up — memory never grows
 * without limit. (better-sse was considered: its sessions connect asynchronously and have no
 * bounded buffer, which is the part that matters here; the framing itself is a few lines.)
 */
export class SseStream {
  private nextId = 1;
  private readonly queue: string[] = [];
  private dropped = 0;
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;
  private ending = false;

  private readonly maxQueued: number;

  constructor(
    private readonly res: Response,
    options: { maxQueued?: number | undefined; heartbeatMs?: number | undefined } = {},
  ) {
    this.maxQueued = options.maxQueued ?? MAX_QUEUED;
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write(': stream open\n\n');
    this.heartbeat = setInterval(() => this.enqueue(': heartbeat\n\n'), options.heartbeatMs ?? HEARTBEAT_MS);
    this.heartbeat.unref();
    res.on('drain', () => this.flush());
    res.on('close', () => this.stop());
  }

  send(event: string, data: unknown): void {
    this.enqueue(`id: ${this.nextId++}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Sends what is queued, then ends the response. */
  end(event: string, data: unknown): void {
    this.send(event, data);
    this.flushThenEnd();
  }

  private enqueue(frame: string): void {
    if (this.closed) return;
    if (this.queue.length === 0 && !this.res.writableNeedDrain) {
      this.res.write(frame);
      return;
    }
    if (this.queue.length >= this.maxQueued) {
      this.dropped++;
      return;
    }
    this.queue.push(frame);
  }

  private flush(): void {
    while (this.queue.length > 0 && !this.res.writableNeedDrain) this.res.write(this.queue.shift());
    if (this.queue.length === 0 && this.dropped > 0) {
      const count = this.dropped;
      this.dropped = 0;
      this.res.write(`id: ${this.nextId++}\nevent: dropped\ndata: ${JSON.stringify({ dropped: count })}\n\n`);
    }
    if (this.ending && this.queue.length === 0) this.finish();
  }

  private flushThenEnd(): void {
    this.ending = true;
    this.flush();
  }

  private finish(): void {
    this.stop();
    this.res.end();
  }

  private stop(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
  }
}
