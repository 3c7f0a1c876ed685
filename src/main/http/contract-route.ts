import type { IncomingMessage, ServerResponse } from 'node:http';
import { getOperation, type OperationDef, type OperationName } from '../../shared/contract/index.js';
import { LucidError } from '../../shared/errors.js';
import { PUBLIC } from '../../shared/permissions.js';
import type { OperationRunner } from '../core/manager.js';
import { LocatedInput } from '../core/validation.js';
import { jsonBodyOf } from '../state/json-cache.js';
import { sendBody, sendError } from './errors.js';
import { bearerOf, clientAddress, identityOf, queryTokenRefusal, type Authenticate, type Query } from './identity.js';
import { locals } from './request-context.js';
import { SseStream } from './sse.js';

export interface RouteDeps {
  runner: OperationRunner;
  authenticate: Authenticate;
  /** Aborted when the server shuts down: subscriptions end then (they would never finish). */
  shutdown?: AbortSignal | undefined;
  /** Interval of the SSE keep-alive comment (default 15 s). */
  sseHeartbeatMs?: number | undefined;
  /** Bytes each SSE response holds for a slow client (STREAM_MAX_QUEUED_BYTES). */
  streamQueueBytes?: number | undefined;
}

/** One request to a contract route, its parts read: the path's parameters decoded, the query and JSON body parsed. */
export interface ApiCall {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: Query;
  body: unknown;
}

function wantsEventStream(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('text/event-stream');
}

/** The operation that serves this request: a variant whose query values match, else the route's own. */
function pick(base: OperationName, variants: OperationName[], query: Query): OperationName {
  return (
    variants.find((name) =>
      Object.entries(getOperation(name).variantOf?.query ?? {}).every(([key, value]) => query[key] === value),
    ) ?? base
  );
}

/** The SSE event names of an operation's stream; the OpenAPI document describes the same. */
export function sseEventNames(op: OperationDef): { event: string; final: string; error: string } {
  return { event: op.eventName ?? 'progress', final: op.subscription ? 'end' : 'result', error: 'error' };
}

/**
 * Serves one contract route. An operation with `events` streams as Server-Sent Events when the
 * client accepts `text/event-stream` (a subscription always does). The stream opens at the
 * handler's `ctx.ready()` or its first event: failures before that keep their HTTP status,
 * later ones arrive as an `error` event.
 */
export function contractRoute(base: OperationName, variants: OperationName[], deps: RouteDeps) {
  return async ({ req, res, params, query, body }: ApiCall): Promise<void> => {
    const name = pick(base, variants, query);
    const op = getOperation(name);
    const { requestId, serverRequestId, clientRequestId } = locals(res);
    locals(res).route = op.path;
    const streaming = op.events !== undefined && (op.subscription === true || wantsEventStream(req));
    // The client went away before the answer was complete: what runs for it stops. The signal is
    // made only when the handler asks for it (one answered from the snapshot never does), and an
    // answer that was sent needs nothing stopped.
    let aborted: AbortController | undefined;
    let gone = false;
    res.once('close', () => {
      if (res.writableFinished) return;
      gone = true;
      aborted?.abort();
    });
    const clientSignal = (): AbortSignal => {
      if (aborted === undefined) {
        aborted = new AbortController();
        if (gone) aborted.abort();
      }
      return aborted.signal;
    };
    let signal: AbortSignal | undefined;
    let stream: SseStream | undefined;
    const open = () => (stream ??= new SseStream(res, { heartbeatMs: deps.sseHeartbeatMs, maxQueuedBytes: deps.streamQueueBytes }));
    const names = sseEventNames(op);
    try {
      const meta = {
        credentials: () => identityOf(req, query, deps.authenticate),
        client: clientAddress(req),
        bearer: op.access === PUBLIC ? bearerOf(req) : undefined,
        transport: 'rest' as const,
        requestId: serverRequestId,
        clientRequestId,
        get signal() {
          return (signal ??= op.subscription && deps.shutdown ? AbortSignal.any([clientSignal(), deps.shutdown]) : clientSignal());
        },
        ...(streaming
          ? {
              onReady: open,
              onEvent: (event: unknown) => open().send(names.event, event),
              flow: {
                full: () => stream?.full ?? false,
                onRoom: (listener: () => void) => open().onRoom(listener),
                lost: (count: number) => open().lost(count),
              },
            }
          : {}),
      };
      // An operation that needs a token only sometimes (metrics) never reads one from the query:
      // that is a refused sign-in (401), not an unknown input. Others learn it from `credentials`.
      const tokenInQuery = op.publicUnless ? queryTokenRefusal(query) : undefined;
      // The core checks each field of the input against where the contract declares it.
      const data = tokenInQuery
        ? await deps.runner.refuse(name, meta, tokenInQuery)
        : await deps.runner.run(name, new LocatedInput(params, query, body), meta);
      if (streaming) {
        open().end(names.final, data);
        return;
      }
      const status = op.statusWhen?.when(data) ? op.statusWhen.status : 200;
      if (op.produces !== undefined) sendBody(res, status, op.produces, Buffer.from(String(data), 'utf8'));
      else sendBody(res, status, 'application/json; charset=utf-8', jsonBodyOf(data));
    } catch (err) {
      if (!stream) {
        sendError(res, err, requestId);
        return;
      }
      const error = err instanceof LucidError ? err : new LucidError('INTERNAL', 'internal error');
      stream.end(names.error, { error: error.toBody(), requestId });
    }
  };
}
