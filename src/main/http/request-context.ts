import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../system/logging.js';

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface RequestLocals {
  /** What the client sees (`X-Request-Id`, error bodies): its own sane id echoed, else ours. */
  requestId: string;
  /** Ours, always: audit lines and logs, where a client must not be able to choose it. */
  serverRequestId: string;
  /** The client's sane `X-Request-Id`, kept apart. */
  clientRequestId: string | undefined;
  /** The route pattern, never the raw path: logs and metrics stay free of ids. */
  route: string;
}

export type RequestFinished = (req: IncomingMessage, res: ServerResponse, seconds: number) => void;

const contexts = new WeakMap<ServerResponse, RequestLocals>();

/** The context `beginRequest` gave this response (one it never saw has none: a defect, thrown). */
export function locals(res: ServerResponse): RequestLocals {
  const context = contexts.get(res);
  if (!context) throw new Error('a response outside any request context');
  return context;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Gives the request an id of ours, and echoes the client's X-Request-Id when it is sane (its
 * correlation, not ours); sets the headers every answer carries, errors included (no MIME
 * sniffing, nothing about containers kept in a cache); logs one line when it ends.
 */
export function beginRequest(req: IncomingMessage, res: ServerResponse, logger: Logger, onFinished?: RequestFinished): RequestLocals {
  const offered = headerValue(req, 'x-request-id');
  const clientRequestId = offered && CLIENT_REQUEST_ID.test(offered) ? offered : undefined;
  const serverRequestId = randomUUID();
  const requestId = clientRequestId ?? serverRequestId;
  const started = process.hrtime.bigint();
  const context: RequestLocals = { requestId, serverRequestId, clientRequestId, route: 'unmatched' };
  contexts.set(res, context);
  res.setHeader('X-Request-Id', requestId);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'no-store');
  // `close` comes after `finish`, or alone when the client went away first: log once either way.
  res.once('close', () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const status = res.writableFinished ? String(res.statusCode) : `${res.statusCode} aborted`;
    const id = clientRequestId === undefined ? serverRequestId : `${serverRequestId} (client ${clientRequestId})`;
    const line = `${id} ${req.method} ${context.route} ${status} ${(seconds * 1000).toFixed(1)}ms`;
    // A read (or a probe's HEAD, a CORS preflight) that was answered is routine — the metrics
    // count it — a line at debug. A control call, a refusal, a failure and an answer cut off are
    // what an operator looks for at info.
    if (READS.has(req.method ?? '') && res.writableFinished && res.statusCode < 400) logger.debug(line);
    else logger.info(line);
    onFinished?.(req, res, seconds);
  });
  return context;
}
