import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../system/logging.js';

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

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

export function locals(res: Response): RequestLocals {
  return res.locals as RequestLocals;
}

/**
 * Gives each request an id of ours, and echoes the client's X-Request-Id when it is sane (its
 * correlation, not ours); logs one line when it ends.
 */
export function requestContext(logger: Logger, onFinished?: (req: Request, res: Response, seconds: number) => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const offered = req.get('x-request-id');
    const clientRequestId = offered && CLIENT_REQUEST_ID.test(offered) ? offered : undefined;
    const serverRequestId = randomUUID();
    const requestId = clientRequestId ?? serverRequestId;
    const started = process.hrtime.bigint();
    Object.assign(res.locals, { requestId, serverRequestId, clientRequestId, route: 'unmatched' } satisfies RequestLocals);
    res.setHeader('X-Request-Id', requestId);
    // `close` comes after `finish`, or alone when the client went away first: log once either way.
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const { route } = locals(res);
      const status = res.writableFinished ? String(res.statusCode) : `${res.statusCode} aborted`;
      const id = clientRequestId === undefined ? serverRequestId : `${serverRequestId} (client ${clientRequestId})`;
      logger.info(`${id} ${req.method} ${route} ${status} ${(seconds * 1000).toFixed(1)}ms`);
      onFinished?.(req, res, seconds);
    });
    next();
  };
}

/** Every answer, errors included: no MIME sniffing, and nothing about containers kept in a cache. */
export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'no-store');
  next();
}
