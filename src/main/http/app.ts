import express, { type NextFunction, type Request, type Response } from 'express';
import { declaresBody, getOperation, operationNames } from '../../shared/contract/index.js';
import { expressPath } from '../../shared/contract/path-template.js';
import { LucidError } from '../../shared/errors.js';
import type { OperationRunner } from '../core/manager.js';
import type { Logger } from '../system/logging.js';
import { contractRoute } from './contract-route.js';
import { corsFor } from './cors.js';
import { mountDashboard } from './dashboard.js';
import { mountDocs } from './docs.js';
import { bodyParserError, refuseBody, refuseBodyOnRead, requireJsonBody, sendError } from './errors.js';
import type { Authenticate } from './identity.js';
import { locals, requestContext, securityHeaders } from './request-context.js';

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
  onRequestFinished?: (req: Request, res: Response, seconds: number) => void;
  /** Aborted when the server shuts down: subscriptions end then (they would never finish). */
  shutdown?: AbortSignal;
}

/** The REST transport, generated from the contract table. */
export function createHttpApp(options: HttpAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(requestContext(options.logger, options.onRequestFinished));
  app.use(securityHeaders);
  if (options.corsOrigins?.length) app.use(corsFor(options.corsOrigins));
  app.use(refuseBodyOnRead);
  // Before the body is read: a POST without body fields refuses a body as a GET does.
  for (const name of operationNames) {
    const op = getOperation(name);
    if (op.method === 'POST' && !declaresBody(op)) app.post(expressPath(op.path), refuseBody(`POST ${op.path}`));
  }
  app.use(requireJsonBody);
  app.use(express.json({ limit: '64kb' }));
  mountDashboard(app);
  mountDocs(app);
  for (const name of operationNames) {
    const op = getOperation(name);
    if (op.variantOf) continue;
    const variants = operationNames.filter((other) => getOperation(other).variantOf?.operation === name);
    const method = op.method === 'GET' ? 'get' : 'post';
    app[method](expressPath(op.path), contractRoute(name, variants, options));
  }
  app.use((req: Request, res: Response) => {
    sendError(res, new LucidError('ROUTE_NOT_FOUND', `no route ${req.method} ${req.path}`), locals(res).requestId);
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const known = bodyParserError(err);
    if (!known) options.logger.error(`${locals(res).requestId} ${req.method} ${locals(res).route} failed`, err);
    sendError(res, known ?? new LucidError('INTERNAL', 'internal error'), locals(res).requestId);
  });
  return app;
}
