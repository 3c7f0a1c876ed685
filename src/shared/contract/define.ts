import type { z } from 'zod';
import type { OperationAccess } from '../permissions.js';

export type HttpMethod = 'GET' | 'POST';

/**
 * `read` and `control` pick the rate limit and whether the call is audited; `control`
 * operations change something on the engine.
 */
export type OperationKind = 'read' | 'control';

export interface OperationDef<
  I extends z.ZodType = z.ZodType,
  O extends z.ZodType = z.ZodType,
  E extends z.ZodType | undefined = z.ZodType | undefined,
> {
  readonly summary: string;
  readonly method: HttpMethod;
  /** OpenAPI-style template, e.g. `/api/v1/containers/{id}`. */
  readonly path: string;
  readonly input: I;
  readonly output: O;
  readonly access: OperationAccess;
  readonly kind: OperationKind;
  /**
   * Present when the operation reports progress or live data while it runs (compose output,
   * group progress, followed logs). REST sends these as Server-Sent Events when the client asks
   * for `text/event-stream`; IPC sends them to the calling window before the final answer.
   */
  readonly events?: E;
}

export function defineOperation<I extends z.ZodType, O extends z.ZodType, E extends z.ZodType | undefined = undefined>(
  def: OperationDef<I, O, E>,
): OperationDef<I, O, E> {
  return def;
}
