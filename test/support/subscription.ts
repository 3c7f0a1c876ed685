import { getOperation, type OperationName } from '../../src/shared/contract/index.js';
import type { IpcHarness } from './ipc.js';
import type { OperationClient } from './clients.js';
import { restPath } from './clients.js';
import type { TestServer } from './server.js';
import type { SseFrame } from './sse.js';

/** How a subscription ended: its answer (REST `end`, IPC `onEnd(null)`), or the error it ended with. */
export type SubscriptionEnd = { data?: unknown; error?: { code: string; message: string } };

/**
 * A subscription (followed logs, container events) held open while a test acts, on either
 * transport: events collect in `events`, `ready` settles once the stream is open (or it failed
 * before opening), `ended` once it is over; `close` leaves it as a caller would.
 */
export interface Subscription {
  events: any[];
  ready: Promise<void>;
  ended: Promise<SubscriptionEnd>;
  close(): void;
}

export function subscribe(client: OperationClient, op: OperationName, input: Record<string, unknown>, token?: string): Subscription {
  const opened = client as OperationClient & { server?: TestServer; harness?: IpcHarness };
  if (opened.server) return restSubscription(opened.server, op, input, token);
  if (opened.harness) return ipcSubscription(opened.harness, op, input, token);
  throw new Error('the client has neither a server nor an IPC harness');
}

function restSubscription(server: TestServer, op: OperationName, input: Record<string, unknown>, token?: string): Subscription {
  const definition = getOperation(op);
  const { path, rest } = restPath(op, { ...definition.variantOf?.query, ...input });
  const query = new URLSearchParams(Object.entries(rest).map(([k, v]) => [k, String(v)])).toString();
  const aborter = new AbortController();
  const events: any[] = [];
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const ended = (async (): Promise<SubscriptionEnd> => {
    try {
      const res = await fetch(`${server.url}${path}${query ? `?${query}` : ''}`, {
        headers: { accept: 'text/event-stream', authorization: `Bearer ${token ?? (await server.tokenFor('admin'))}` },
        signal: aborter.signal,
      });
      markReady();
      if (res.status !== 200) {
        const body: any = await res.json().catch(() => ({}));
        return { error: { code: body?.error?.code, message: body?.error?.message } };
      }
      for await (const frame of sseFrames(res)) {
        if (frame.event === 'end') return { data: frame.data };
        if (frame.event === 'error') return { error: frame.data.error };
        if (frame.event !== 'comment') events.push(frame.data);
      }
      return {};
    } catch (err) {
      markReady();
      if (aborter.signal.aborted) return { data: { reason: 'cancelled' } };
      throw err;
    }
  })();
  return { events, ready, ended, close: () => aborter.abort() };
}

async function* sseFrames(res: Response): AsyncGenerator<SseFrame> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const raw = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      if (raw.startsWith(':')) {
        yield { event: 'comment', data: raw.slice(1).trim(), raw };
        continue;
      }
      const frame: SseFrame = { event: 'message', data: undefined, raw };
      for (const line of raw.split('\n')) {
        const colon = line.indexOf(':');
        const value = line.slice(colon + 1).replace(/^ /, '');
        if (line.startsWith('event:')) frame.event = value;
        else if (line.startsWith('data:')) frame.data = JSON.parse(value);
      }
      yield frame;
    }
  }
}

function ipcSubscription(harness: IpcHarness, op: OperationName, input: Record<string, unknown>, token?: string): Subscription {
  const events: any[] = [];
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let unsubscribe: () => void = () => {};
  let closed = false;
  const ended = (async (): Promise<SubscriptionEnd> => {
    const { api } = await harness.openWindow(token ? null : 'admin');
    if (token) await api.auth.setToken(token);
    const [group, method] = op.split('.') as [string, string];
    return new Promise<SubscriptionEnd>((resolve) => {
      unsubscribe = api[group][method](input, (event: unknown) => events.push(event), {
        onReady: markReady,
        onEnd: (err: Error | null) => {
          markReady();
          if (err === null) return resolve({});
          const match = /^\[([A-Z_]+)\] /.exec(err.message);
          resolve({ error: { code: match?.[1] ?? 'UNPARSEABLE', message: err.message } });
        },
      });
      if (closed) unsubscribe();
    });
  })();
  return {
    events,
    ready,
    ended,
    close: () => {
      closed = true;
      unsubscribe();
    },
  };
}
