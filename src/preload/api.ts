import type { z } from 'zod';
import type { OperationInput, OperationName, OperationOutput, Operations } from '../shared/contract/index.js';
import { OPERATION_STREAMS, type StreamKind } from '../shared/contract/manifest.js';
import type { ErrorBody, ErrorCode } from '../shared/errors.js';
import {
  AUTH_SET_TOKEN_CHANNEL,
  ipcChannel,
  STREAM_ACK_CHANNEL,
  STREAM_ACK_EVERY,
  STREAM_CANCEL_CHANNEL,
  STREAM_EVENT_CHANNEL,
  STREAM_NOTICE_CHANNEL,
  type IpcEnvelope,
} from '../shared/ipc.js';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

type Namespace<N extends string> = N extends `${infer G}.${string}` ? G : never;
type EventOf<N extends OperationName> = Operations[N] extends { events: infer E extends z.ZodType } ? z.output<E> : never;
type InputArg<N extends OperationName> = {} extends OperationInput<N> ? [input?: OperationInput<N>] : [input: OperationInput<N>];

export interface SubscriptionCallbacks {
  /** The subscription ended: null when it ran its course or was unsubscribed, else why it failed. */
  onEnd?: (error: LucidDockerError | null) => void;
  /**
   * The stream is open and every event from now on will arrive: subscribe to events, then load
   * the list in `onReady`, and no change falls in between.
   */
  onReady?: () => void;
  /** How many events were lost because the page fell behind (flow control, see docs/streams.md). */
  onDropped?: (count: number) => void;
}

/**
 * One function per contract operation:
 * - plain: `(input) => Promise<output>`;
 * - with progress events: `(input, { onEvent, onDropped }) => Promise<output>`, events arrive before the answer;
 * - subscription: `(input, onEvent, onEnd | { onEnd, onReady, onDropped }) => unsubscribe`.
 */
type Method<N extends OperationName> = Operations[N] extends { subscription: true }
  ? (
      input: OperationInput<N>,
      onEvent: (event: EventOf<N>) => void,
      callbacks?: ((error: LucidDockerError | null) => void) | SubscriptionCallbacks,
    ) => () => void
  : Operations[N] extends { events: z.ZodType }
    ? (
        input: OperationInput<N>,
        options?: { onEvent?: (event: EventOf<N>) => void; onDropped?: (count: number) => void },
      ) => Promise<OperationOutput<N>>
    : (...args: InputArg<N>) => Promise<OperationOutput<N>>;

export type LucidDockerApi = {
  [G in Namespace<OperationName>]: {
    [N in OperationName as N extends `${G}.${infer F}` ? F : never]: Method<N>;
  };
} & {
  auth: {
    /** Verifies the JWT in the main process; later calls from this window act as its subject. */
    setToken(token: string): Promise<{ sub: string; role: string; expiresAt: number | null }>;
  };
};

/**
 * The error a call rejects with. contextBridge copies only the message of an error into the
 * page's world, so the code also leads the message: `[CONTAINER_NOT_FOUND] container not found`.
 */
export class LucidDockerError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(body: ErrorBody) {
    super(`[${body.code}] ${body.message}`);
    this.name = 'LucidDockerError';
    this.code = body.code;
    this.details = body.details;
  }
}

async function unwrap<T>(pending: Promise<unknown>): Promise<T> {
  const envelope = (await pending) as IpcEnvelope<T>;
  if (envelope.ok) return envelope.data;
  throw new LucidDockerError(envelope.error);
}

type EventListener = (event: unknown) => void;
type DroppedListener = (count: number) => void;
type AnyMethod = (...args: unknown[]) => unknown;

interface Listener {
  onEvent: EventListener;
  onReady?: (() => void) | undefined;
  onDropped?: DroppedListener | undefined;
  /** Delivered since the last acknowledgement. */
  unacked: number;
}

/** A page's callback threw: shown in the page's console, never left as a rejected promise. */
function reportCallbackError(err: unknown): void {
  console.error('lucidDocker: an onEnd callback threw', err);
}

/**
 * A stream the daemon broke under it (the engine died, an SSH connection was lost) answers
 * `{ reason: 'error', error }`: the page learns that as a failure, as REST's `end` event says it.
 */
function brokenBy(answer: unknown): LucidDockerError | null {
  const { reason, error } = (answer ?? {}) as { reason?: unknown; error?: ErrorBody };
  return reason === 'error' && error !== undefined ? new LucidDockerError(error) : null;
}

/** One function per contract operation, grouped by the name before the dot; never ipcRenderer itself. */
export function createLucidDockerApi(ipcRenderer: IpcRendererLike): LucidDockerApi {
  const listeners = new Map<string, Listener>();
  let nextStream = 0;
  const streamPrefix = Math.random().toString(36).slice(2, 10);
  ipcRenderer.on(STREAM_EVENT_CHANNEL, (_event, streamId, payload) => {
    if (typeof streamId !== 'string') return;
    const listener = listeners.get(streamId);
    if (!listener) return;
    try {
      listener.onEvent(payload);
    } finally {
      // Acknowledged after the page handled them: a page that stalls stops the flow.
      if (++listener.unacked >= STREAM_ACK_EVERY) {
        listener.unacked = 0;
        ipcRenderer.invoke(STREAM_ACK_CHANNEL, streamId, STREAM_ACK_EVERY).catch(() => undefined);
      }
    }
  });
  ipcRenderer.on(STREAM_NOTICE_CHANNEL, (_event, streamId, notice) => {
    if (typeof streamId !== 'string' || typeof notice !== 'object' || notice === null) return;
    const listener = listeners.get(streamId);
    const { ready, dropped } = notice as { ready?: unknown; dropped?: unknown };
    if (ready === true) listener?.onReady?.();
    if (typeof dropped === 'number') listener?.onDropped?.(dropped);
  });

  const withEvents = (channel: string, input: unknown, callbacks: Omit<Listener, 'unacked'>) => {
    const streamId = `${streamPrefix}-${++nextStream}`;
    listeners.set(streamId, { ...callbacks, unacked: 0 });
    const result = unwrap(ipcRenderer.invoke(channel, input ?? {}, { streamId }));
    void result.then(
      () => listeners.delete(streamId),
      () => listeners.delete(streamId),
    );
    return { streamId, result };
  };

  const api: Record<string, Record<string, AnyMethod>> = {};
  for (const [name, kind] of Object.entries(OPERATION_STREAMS) as [OperationName, StreamKind][]) {
    const [group, method] = name.split('.') as [string, string];
    const channel = ipcChannel(name);
    let fn: AnyMethod;
    if (kind === 'subscription') {
      fn = (input, onEvent, third) => {
        const callbacks: SubscriptionCallbacks =
          typeof third === 'function' ? { onEnd: third as SubscriptionCallbacks['onEnd'] } : ((third ?? {}) as SubscriptionCallbacks);
        const { streamId, result } = withEvents(channel, input, {
          onEvent: onEvent as EventListener,
          onReady: callbacks.onReady,
          onDropped: callbacks.onDropped,
        });
        const end = callbacks.onEnd;
        // The page's callback runs on a settled promise: one that throws must not surface as
        // an unhandled rejection in the preload, nor keep the others from running.
        void result
          .then(
            (answer) => end?.(brokenBy(answer)),
            (err: LucidDockerError) => end?.(err),
          )
          .catch(reportCallbackError);
        return () => {
          listeners.delete(streamId);
          // Rejects once the manager has closed and removed its handlers: the stream has ended
          // then anyway, and unsubscribing still returns normally.
          ipcRenderer.invoke(STREAM_CANCEL_CHANNEL, streamId).catch(() => undefined);
        };
      };
    } else if (kind === 'events') {
      fn = (input, options) => {
        const { onEvent, onDropped } = (options ?? {}) as { onEvent?: EventListener; onDropped?: DroppedListener };
        if (!onEvent) return unwrap(ipcRenderer.invoke(channel, input ?? {}));
        return withEvents(channel, input, { onEvent, onDropped }).result;
      };
    } else {
      fn = (input) => unwrap(ipcRenderer.invoke(channel, input ?? {}));
    }
    api[group] ??= {};
    api[group][method] = fn;
  }
  api['auth'] = { setToken: (token) => unwrap(ipcRenderer.invoke(AUTH_SET_TOKEN_CHANNEL, token)) };
  return api as unknown as LucidDockerApi;
}
