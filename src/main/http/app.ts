import express, { type NextFunction, type Request, type Response } from 'express';
import { operations, operationNames, type OperationName } from '../../shared/contract/index.js';
import { LucidError } from '../../shared/errors.js';
import { PUBLIC } from '../../shared/permissions.js';
import type { OperationRunner } from '../core/manager.js';
import type { Logger } from '../logging.js';
import { bodyParserError, sendError } from './errors.js';
import { identityOf, type Authenticate } from './identity.js';
import { locals, requestContext, securityHeaders } from './request-context.js';

export interface HttpAppOptions {
  runner: OperationRunner;
  authenticate: Authenticate;
  logger: Logger;
  /** Routes outside the contract (probes, metrics) mounted before the fallback. */
  mountExtra?: (app: express.Express) => void;
  onRequestFinished?: (req: Request, res: Response, seconds: number) => void;
}

/** `/api/v1/containers/{id}` → `/api/v1/containers/:id` */
export function expressPath(template: string): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One input object for the contract schema: query, then JSON body, then path parameters. */
function inputOf(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (body !== undefined && !isPlainObject(body)) {
    throw new LucidError('VALIDATION_FAILED', 'JSON body must be an object');
  }
  return { ...(req.query as Record<string, unknown>), ...(body ?? {}), ...req.params };
}

function contractRoute(name: OperationName, options: HttpAppOptions) {
  const op = operations[name];
  return async (req: Request, res: Response): Promise<void> => {
    const { requestId } = locals(res);
    locals(res).route = op.path;
    res.setHeader('Cache-Control', 'no-store');
    try {
      const identity = op.access === PUBLIC ? null : await identityOf(req, options.authenticate);
      const data = await options.runner.run(name, inputOf(req), { identity, transport: 'rest', requestId });
      res.status(200).json(data);
    } catch (err) {
      sendError(res, err, requestId);
    }
  };
}

/** The REST transport, generated from the contract table. */
export function createHttpApp(options: HttpAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(requestContext(options.logger, options.onRequestFinished));
  app.use(securityHeaders);
  app.use(express.json({ limit: '64kb' }));
  options.mountExtra?.(app);
  for (const name of operationNames) {
    const op = operations[name];
    const method = op.method === 'GET' ? 'get' : 'post';
    app[method](expressPath(op.path), contractRoute(name, options));
  }
  app.use((req: Request, res: Response) => {
    sendError(res, new LucidError('ROUTE_NOT_FOUND', `no route ${req.method} ${req.path}`), locals(res).requestId);
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const known = bodyParserError(err);
    sendError(res, known ?? err, locals(res).requestId);
  });
  return app;
}
