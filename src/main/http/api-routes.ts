import { declaresBody, getOperation, operationNames, type OperationName } from '../../shared/contract/index.js';
import { pathMatcher, pathParams } from '../../shared/contract/path-template.js';

/** One REST route of the contract: its operation, the variants that share its path, what it reads. */
export interface ApiRoute {
  base: OperationName;
  /** Operations on the same method and path, chosen by query values (`?follow=true`). */
  variants: OperationName[];
  method: 'GET' | 'POST';
  path: string;
  /** Whether the operation declares body fields; any other takes no body at all. */
  takesBody: boolean;
  params: string[];
  matcher: RegExp;
}

export interface RouteMatch {
  route: ApiRoute;
  /** The path's parameters as sent, still percent-encoded. */
  rawParams: Record<string, string>;
}

/** Every route of the contract, in the contract's order (the first that matches serves). */
export function apiRoutes(): ApiRoute[] {
  return operationNames.flatMap((name) => {
    const op = getOperation(name);
    if (op.variantOf) return [];
    return [
      {
        base: name,
        variants: operationNames.filter((other) => getOperation(other).variantOf?.operation === name),
        method: op.method,
        path: op.path,
        takesBody: op.method === 'POST' && declaresBody(op),
        params: pathParams(op.path),
        matcher: pathMatcher(op.path),
      },
    ];
  });
}

/** The route that serves a method and path; HEAD is served as GET (Node sends no body then). */
export function matchRoute(routes: readonly ApiRoute[], method: string | undefined, pathname: string): RouteMatch | undefined {
  const wanted = method === 'HEAD' ? 'GET' : method;
  for (const route of routes) {
    if (route.method !== wanted) continue;
    const match = route.matcher.exec(pathname);
    if (!match) continue;
    const rawParams: Record<string, string> = {};
    route.params.forEach((name, index) => (rawParams[name] = match[index + 1] ?? ''));
    return { route, rawParams };
  }
  return undefined;
}
