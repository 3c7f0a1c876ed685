import { OPERATION_STREAMS, type StreamKind } from '../../shared/contract/manifest.js';
import { fillPath } from '../../shared/contract/path-template.js';
import type { ErrorBody } from '../../shared/errors.js';
import type { SessionOutput } from '../../shared/schemas/session.js';
import type { ClientApi, SignedIn, SubscriptionCallbacks } from './api.js';
import { ClientError } from './errors.js';
import type { Route, RouteTable } from './route-table.js';
import { readSse } from './sse.js';

export interface RestClientOptions {
  /** Where the manager answers; '' for the page's own origin. */
  baseUrl: string;
  routes: RouteTable;
  fetch?: typeof fetch;
}

type Input = Record<string, unknown>;
type AnyMethod = (...args: unknown[]) => unknown;

/** A request's URL and body: each input field where the contract declares it. */
function request(route: Route, input: Input): { url: string; body: string | undefined } {
  const query = new URLSearchParams(route.toggle);
  for (const key of route.query) {
    const value = input[key];
    if (value !== undefined && !(key in route.toggle)) query.set(key, String(value));
  }
  const search = query.toString();
  const url = fillPath(route.path, input) + (search ? `?${search}` : '');
  if (route.method !== 'POST' || route.body.length === 0) return { url, body: undefined };
  const body: Input = {};
  for (const key of route.body) if (input[key] !== undefined) body[key] = input[key];
  return { url, body: JSON.stringify(body) };
}

async function failure(res: Response): Promise<ClientError> {
  const envelope = (await res.json().catch(() => undefined)) as { error?: ErrorBody } | undefined;
  return envelope?.error ? ClientError.of(envelope.error) : new ClientError('INTERNAL', `HTTP ${res.status}`);
}

/** Printable ASCII without spaces: what a bearer header can carry. */
const TOKEN_TEXT = /^[\x21-\x7e]+$/;

const lost = (err: unknown) =>
  err instanceof ClientError ? err : new ClientError('CONNECTION_LOST', err instanceof Error ? err.message : String(err));

/**
 * The REST + Server-Sent-Events client, with the preload's shape: one function per operation of
 * the manifest, reached through the route the contract declares for it. `auth.setToken` keeps the
 * token for the bearer header once the server has accepted it.
 */
export function createRestClient(options: RestClientOptions): ClientApi {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  let token: string | undefined;

  const send = (route: Route, input: Input, signal?: AbortSignal, events = false) => {
    const { url, body } = request(route, input);
    const headers: Record<string, string> = {};
    if (token) headers['authorization'] = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (events) headers['accept'] = 'text/event-stream';
    return doFetch(options.baseUrl + url, { method: route.method, headers, body: body ?? null, signal: signal ?? null });
  };

  const call = async (route: Route, input: Input = {}) => {
    const res = await send(route, input).catch((err: unknown) => {
      throw lost(err);
    });
    if (route.text && res.ok) return res.text();
    const data = (await res.json().catch(() => undefined)) as { error?: ErrorBody } | undefined;
    // A probe's "not ready" is an answer sent with 503, not an error envelope.
    if (data && typeof data === 'object' && data.error && typeof data.error.code === 'string') throw ClientError.of(data.error);
    if (data === undefined) throw new ClientError('INTERNAL', `HTTP ${res.status} without a JSON answer`);
    return data;
  };

  /** Reads a stream until its last word; `onOpen` once it is open. Resolves with the last word's data. */
  const stream = async (
    route: Route,
    input: Input,
    signal: AbortSignal,
    handlers: { onOpen?: () => void; onEvent?: (data: unknown) => void; onDropped?: (count: number) => void },
  ): Promise<unknown> => {
    const res = await send(route, input, signal, true);
    if (!res.ok || !(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) throw await failure(res);
    handlers.onOpen?.();
    let last: { ok: true; data: unknown } | { ok: false; error: ClientError } | undefined;
    await readSse(res.body as ReadableStream<Uint8Array>, ({ event, data }) => {
      const parsed = JSON.parse(data) as unknown;
      if (event === route.event) handlers.onEvent?.(parsed);
      else if (event === 'dropped') handlers.onDropped?.((parsed as { dropped: number }).dropped);
      else if (event === route.final) last = { ok: true, data: parsed };
      else if (event === 'error') last = { ok: false, error: ClientError.of((parsed as { error: ErrorBody }).error) };
    });
    if (!last) throw new ClientError('CONNECTION_LOST', 'the stream closed before its end');
    if (!last.ok) throw last.error;
    return last.data;
  };

  const methodFor = (route: Route, kind: StreamKind): AnyMethod => {
    if (kind === 'call') return (input) => call(route, input as Input);
    if (kind === 'events') {
      return (input, opts) => {
        const { onEvent, onDropped } = (opts ?? {}) as { onEvent?: (e: unknown) => void; onDropped?: (n: number) => void };
        if (!onEvent) return call(route, input as Input);
        return stream(route, input as Input, new AbortController().signal, { onEvent, onDropped }).catch((err: unknown) => {
          throw lost(err);
        });
      };
    }
    return (input, onEvent, third) => {
      const callbacks: SubscriptionCallbacks =
        typeof third === 'function' ? { onEnd: third as SubscriptionCallbacks['onEnd'] } : ((third ?? {}) as SubscriptionCallbacks);
      const abort = new AbortController();
      let ended = false;
      const end = (error: Error | null) => {
        if (ended) return;
        ended = true;
        callbacks.onEnd?.(error);
      };
      stream(route, input as Input, abort.signal, {
        onOpen: callbacks.onReady,
        onEvent: onEvent as (e: unknown) => void,
        onDropped: callbacks.onDropped,
      }).then(
        () => end(null),
        (err: unknown) => end(abort.signal.aborted ? null : lost(err)),
      );
      return () => {
        abort.abort();
        end(null);
      };
    };
  };

  const api: Record<string, Record<string, AnyMethod>> = {};
  for (const [name, kind] of Object.entries(OPERATION_STREAMS) as [string, StreamKind][]) {
    const route = options.routes[name];
    if (!route) continue;
    const [group, method] = name.split('.') as [string, string];
    (api[group] ??= {})[method] = methodFor(route, kind);
  }
  const session = options.routes['session.get'];
  api['auth'] = {
    setToken: async (offered) => {
      // Header-safe text only: anything else could never be a token and would break the request.
      if (typeof offered !== 'string' || !TOKEN_TEXT.test(offered) || !session) {
        throw new ClientError('UNAUTHENTICATED', 'not a token this manager issues');
      }
      token = offered;
      try {
        // The server reads the token and says who it names: the page decodes nothing itself.
        const who = (await call(session)) as SessionOutput;
        return { sub: who.sub, role: who.role, expiresAt: who.expiresAt === null ? null : Date.parse(who.expiresAt) / 1000 } satisfies SignedIn;
      } catch (err) {
        // As over IPC: a failed sign-in leaves no identity behind, not the previous one.
        token = undefined;
        throw err;
      }
    },
  };
  return api as unknown as ClientApi;
}
