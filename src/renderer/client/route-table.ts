import type { HttpMethod, OperationDef, OperationName } from '../../shared/contract/index.js';
import { pathParams } from '../../shared/contract/path-template.js';

/**
 * How the REST client reaches one operation: everything it needs of the contract, without zod.
 * Built from the contract when the page is built (scripts/renderer-build.mjs), so no route is
 * written by hand and the page carries no schema code.
 */
export interface Route {
  method: HttpMethod;
  path: string;
  pathParams: string[];
  query: string[];
  body: string[];
  /** Query values that select this operation on a shared route (`follow=true`). */
  toggle: Record<string, string>;
  /** SSE event name of its events, and of its last word (`result` or `end`). */
  event: string;
  final: string;
  /** The answer is text, not JSON. */
  text: boolean;
}

export type RouteTable = Record<string, Route>;

export function routeTableOf(operations: Readonly<Record<OperationName, OperationDef>>): RouteTable {
  const table: RouteTable = {};
  for (const [name, op] of Object.entries(operations) as [OperationName, OperationDef][]) {
    table[name] = {
      method: op.method,
      path: op.path,
      pathParams: pathParams(op.path),
      query: Object.keys(op.input.parts.query.shape),
      body: Object.keys(op.input.parts.body.shape),
      toggle: { ...(op.variantOf?.query ?? {}) },
      event: op.eventName ?? 'progress',
      final: op.subscription ? 'end' : 'result',
      text: op.produces !== undefined,
    };
  }
  return table;
}
