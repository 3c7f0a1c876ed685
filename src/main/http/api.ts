import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import express from 'express';
import { LucidError } from '../../shared/errors.js';
import type { Logger } from '../system/logging.js';
import { apiRoutes, matchRoute, type RouteMatch } from './api-routes.js';
import { contractRoute, type ApiCall, type RouteDeps } from './contract-route.js';
import { corsFor } from './cors.js';
import { bodyRefusal, sendFailure, sendRefusal } from './errors.js';
import type { Query } from './identity.js';
import { beginRequest, locals, type RequestFinished } from './request-context.js';

export interface ApiOptions extends RouteDeps {
  logger: Logger;
  corsOrigins?: string[] | undefined;
  onRequestFinished?: RequestFinished | undefined;
}

/** Serves a request, or says (false) that no contract route takes it. */
export type ApiDispatcher = (req: IncomingMessage, res: ServerResponse) => boolean;

type Next = (err?: unknown) => void;

/**
 * The path and query of a request target, as Express read them: the absolute form a proxy sends
 * (`GET http://host/api/v1/live`) is a path too, and a fragment is no part of either.
 */
function requestTarget(raw: string): { pathname: string; search: string } {
  let target = raw;
  if (!target.startsWith('/')) {
    try {
      const url = new URL(target);
      target = url.pathname + url.search;
    } catch {
      return { pathname: target, search: '' };
    }
  }
  const hash = target.indexOf('#');
  if (hash !== -1) target = target.slice(0, hash);
  const mark = target.indexOf('?');
  return mark === -1 ? { pathname: target, search: '' } : { pathname: target.slice(0, mark), search: target.slice(mark + 1) };
}

/** The path's parameters decoded; a malformed escape (`%ZZ`) is the client's error. */
function decodeParams(raw: Record<string, string>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    try {
      params[name] = decodeURIComponent(value);
    } catch {
      throw new LucidError('VALIDATION_FAILED', 'malformed request');
    }
  }
  return params;
}

/**
 * The REST API, generated from the contract: each request is matched against the contract's
 * routes in one pass and runs through the same steps every answer needs — request id and headers,
 * CORS, the body rules, the JSON body, then the operation. Nothing else stands in its way: an
 * answer costs what the operation costs, not a chain of middleware looked at one by one.
 */
export function apiDispatcher(options: ApiOptions): ApiDispatcher {
  const routes = apiRoutes();
  const handlers = new Map(routes.map((route) => [route, contractRoute(route.base, route.variants, options)]));
  const cors = options.corsOrigins?.length ? corsFor(options.corsOrigins) : undefined;
  const readJson = express.json({ limit: '64kb' }) as unknown as (req: IncomingMessage, res: ServerResponse, next: Next) => void;

  const fail = (req: IncomingMessage, res: ServerResponse, err: unknown) => sendFailure(res, err, options.logger, `${req.method} ${locals(res).route}`);

  const serve = (req: IncomingMessage, res: ServerResponse, found: RouteMatch, search: string) => {
    const { route, rawParams } = found;
    const refusal = bodyRefusal(req, route.method === 'GET' ? 'a GET request' : `POST ${route.path}`, route.takesBody);
    if (refusal) {
      sendRefusal(res, refusal);
      return;
    }
    const params = decodeParams(rawParams);
    const query = parseQuery(search) as Query;
    const handler = handlers.get(route)!;
    // The handler answers its own errors; what escapes it (a defect) still gets an answer, never
    // an unhandled rejection.
    const run = (body: unknown) => void handler({ req, res, params, query, body } satisfies ApiCall).catch((err: unknown) => fail(req, res, err));
    if (!route.takesBody) {
      run(undefined);
      return;
    }
    readJson(req, res, (err) => {
      if (err) fail(req, res, err);
      else run((req as IncomingMessage & { body?: unknown }).body);
    });
  };

  return (req, res) => {
    const { pathname, search } = requestTarget(req.url ?? '/');
    const found = matchRoute(routes, req.method, pathname);
    if (!found) return false;
    const context = beginRequest(req, res, options.logger, options.onRequestFinished);
    context.route = found.route.path;
    const go = () => {
      try {
        serve(req, res, found, search);
      } catch (err) {
        fail(req, res, err);
      }
    };
    if (cors) cors(req as express.Request, res as express.Response, go);
    else go();
    return true;
  };
}
