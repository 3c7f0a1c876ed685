import { STREAM_EVENT_CHANNEL, STREAM_ID, type StreamRequest } from '../../shared/ipc.js';
import type { WebContentsLike } from './types.js';

/**
 * The event streams IPC callers opened, per window. A stream's events go to the window that asked
 * for them and nowhere else; the stream is cancelled when that window is destroyed or asks to.
 */
export class IpcStreams {
  private readonly open = new Map<string, AbortController>();
  private readonly watched = new WeakSet<WebContentsLike>();

  /** Null when the caller did not ask for events (or the request is malformed: then it gets none). */
  static requested(value: unknown): StreamRequest | null {
    if (typeof value !== 'object' || value === null) return null;
    const streamId = (value as { streamId?: unknown }).streamId;
    return typeof streamId === 'string' && STREAM_ID.test(streamId) ? { streamId } : null;
  }

  begin(sender: WebContentsLike, streamId: string): { signal: AbortSignal; emit: (event: unknown) => void; done: () => void } {
    const key = `${sender.id}:${streamId}`;
    this.open.get(key)?.abort();
    const controller = new AbortController();
    this.open.set(key, controller);
    if (!this.watched.has(sender)) {
      this.watched.add(sender);
      sender.once('destroyed', () => this.cancelAll(sender));
    }
    return {
      signal: controller.signal,
      emit: (event) => {
        if (!controller.signal.aborted && !sender.isDestroyed()) sender.send(STREAM_EVENT_CHANNEL, streamId, event);
      },
      done: () => {
        if (this.open.get(key) === controller) this.open.delete(key);
      },
    };
  }

  cancel(sender: WebContentsLike, streamId: string): boolean {
    const key = `${sender.id}:${streamId}`;
    const controller = this.open.get(key);
    if (!controller) return false;
    controller.abort();
    this.open.delete(key);
    return true;
  }

  private cancelAll(sender: WebContentsLike): void {
    const prefix = `${sender.id}:`;
    for (const [key, controller] of this.open) {
      if (key.startsWith(prefix)) {
        controller.abort();
        this.open.delete(key);
      }
    }
  }

  get size(): number {
    return this.open.size;
  }
}
