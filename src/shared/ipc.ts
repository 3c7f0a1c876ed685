import type { ErrorBody } from './errors.js';

/** Channel prefix keeps the manager's channels apart from the host app's own. */
export const IPC_PREFIX = 'lucid-docker:';

export function ipcChannel(operation: string): string {
  return `${IPC_PREFIX}${operation}`;
}

/** Handlers never throw across IPC (Electron would keep only the message): they return this. */
export type IpcEnvelope<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };

/** IPC-only: a renderer proves who it is once; the identity sticks to its window. */
export const AUTH_SET_TOKEN_CHANNEL = `${IPC_PREFIX}auth.setToken`;

/** Main → renderer: `(streamId, event)` for an operation the renderer called with an event callback. */
export const STREAM_EVENT_CHANNEL = `${IPC_PREFIX}stream.event`;
/** Renderer → main: `(streamId)` ends a subscription early. */
export const STREAM_CANCEL_CHANNEL = `${IPC_PREFIX}stream.cancel`;

/** Sent as the second invoke argument when the renderer wants an operation's events. */
export interface StreamRequest {
  streamId: string;
}

export const STREAM_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Flow control. `webContents.send` has none: a renderer that stops reading would let messages pile
 * up without bound. So main sends at most a window of unacknowledged events per stream; the
 * preload acknowledges every `STREAM_ACK_EVERY` events it has handed to the page. Main buffers a
 * bounded number beyond the window and then drops, telling the page how many with a notice.
 */
export const STREAM_ACK_EVERY = 64;
/** Renderer → main: `(streamId, count)` — that many events were delivered to the page. */
export const STREAM_ACK_CHANNEL = `${IPC_PREFIX}stream.ack`;
/**
 * Main → renderer: `(streamId, notice)` — `{ ready: true }` once the stream is open (events from
 * then on will arrive), `{ dropped }` for events lost to a reader that fell behind.
 */
export const STREAM_NOTICE_CHANNEL = `${IPC_PREFIX}stream.notice`;

export type StreamNotice = { ready: true } | { dropped: number };
