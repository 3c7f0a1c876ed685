import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { LucidError } from '../../shared/errors.js';
import type { OperationRunner } from '../core/manager.js';
import type { Logger } from '../system/logging.js';
import { apiDispatcher } from './api.js';
import { corsFor } from './cors.js';
import { mountDashboard } from './dashboard.js';
import { mountDocs } from './docs.js';
import { refuseBodyOnRead, sendError, sendFailure } from './errors.js';
import type { Authenticate } from './identity.js';
import { beginRequest, locals, type RequestFinished } from './request-context.js';

export interface HttpAppOptions {
  runner: OperationRunner;
  authenticate: Authenticate;
  logger: Logger;
  /** Browser origins allowed to call the API (CORS); empty: none, the GUI uses IPC. */
  corsOrigins?: string[];
  /** Interval of the SSE keep-alive comment (SSE_HEARTBEAT_MS). */
  sseHeartbeatMs?: number;
  /** Bytes each SSE response holds for a slow client (STREAM_MAX_QUEUED_BYTES). */
  streamQueueBytes?: number;
  onRequestFinished?: RequestFinished;
  /** Aborted when the server shuts down: subscriptions end then (they would never finish). */
  shutdown?: AbortSignal;
}

/** The server's request listener: any Node HTTP server (or a framework that takes one) can mount it. */
export type HttpApp = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The pages beside the API — the dashboard, the OpenAPI document and its viewer — and the
 * answer to anything else (404, a CORS preflight), with the same request id, headers and log line.
 */
function pagesApp(options: HttpAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use((req: Request, res: Response, next: NextFunction) => {
    beginRequest(req, res, options.logger, options.onRequestFinished);
    next();
  });
  if (options.corsOrigins?.length) app.use(corsFor(options.corsOrigins));
  app.use(refuseBodyOnRead);
  mountDashboard(app);
  mountDocs(app);
  app.use((req: Request, res: Response) => {
    sendError(res, new LucidError('ROUTE_NOT_FOUND', `no route ${req.method} ${req.path}`), locals(res).requestId);
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    sendFailure(res, err, options.logger, `${req.method} ${locals(res).route}`);
  });
  return app;
}

/** The REST transport: the contract's routes (api.ts), then the pages. */
export function createHttpApp(options: HttpAppOptions): HttpApp {
  const api = apiDispatcher(options);
  const pages = pagesApp(options);
  return (req, res) => {
    if (!api(req, res)) pages(req, res);
  };
}
