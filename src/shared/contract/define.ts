import type { z } from 'zod';
import type { OperationAccess } from '../permissions.js';

export type HttpMethod = 'GET' | 'POST';

/**
 * `read` and `control` pick the rate limit and whether the call is audited; `control`
 * operations change something on the engine.
 */
export type OperationKind = 'read' | 'control';

export interface OperationDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly summary: string;
  readonly method: HttpMethod;
  /** OpenAPI-style template, e.g. `/api/v1/containers/{id}`. */
  readonly path: string;
  readonly input: I;
  readonly output: O;
  readonly access: OperationAccess;
  readonly kind: OperationKind;
}

export function defineOperation<I extends z.ZodType, O extends z.ZodType>(def: OperationDef<I, O>): OperationDef<I, O> {
  return def;
}
