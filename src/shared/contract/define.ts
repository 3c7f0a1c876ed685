import type { z } from 'zod';
import type { OperationAccess } from '../permissions.js';
import type { OperationInputSchema } from './input.js';

export type HttpMethod = 'GET' | 'POST';

/**
 * `read` and `control` pick the rate limit and whether the call is audited; `control`
 * operations change something on the engine.
 */
export type OperationKind = 'read' | 'control';

export interface OperationDef<
  I extends OperationInputSchema = OperationInputSchema,
  O extends z.ZodType = z.ZodType,
  E extends z.ZodType | undefined = z.ZodType | undefined,
> {
  readonly summary: string;
  readonly method: HttpMethod;
  /** OpenAPI-style template, e.g. `/api/v1/containers/{id}`. */
  readonly path: string;
  /**
   * Declared part by part (`defineInput`): path parameters, query parameters and JSON body
   * fields. REST reads each field only where it is declared; the OpenAPI document says the same;
   * IPC takes their union as one object. Any other field is refused (UNKNOWN_INPUT).
   */
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
  /** SSE event name of `events` (default `progress`). */
  readonly eventName?: string;
  /**
   * Streams until the caller cancels (followed logs, live stats, engine events). The preload turns
   * it into `(input, onEvent, onEnd?) => unsubscribe`; REST serves it as Server-Sent Events only.
   */
  readonly subscription?: boolean;
  /**
   * REST: served on another operation's route when these query values match, so that
   * `GET …/logs?follow=true` streams while `GET …/logs` answers once.
   */
  readonly variantOf?: { readonly operation: string; readonly query: Readonly<Record<string, string>> };
  /**
   * A second HTTP status for an answer that is data, not an error: a probe's "not ready" is a
   * normal answer (IPC hands it over as is) that REST sends with `status` when `when` holds.
   * Declared rather than computed so that the OpenAPI document can describe it; `when` is pure.
   */
  readonly statusWhen?: { readonly status: number; when(output: z.output<O>): boolean };
  /**
   * A public operation that configuration can close: the condition under which it needs a bearer
   * token (`METRICS_TOKEN is set`). The handler enforces it; the OpenAPI document then offers
   * anonymous or bearer access and documents the 401.
   */
  readonly publicUnless?: string;
  /**
   * Media type of an answer that is text rather than JSON (the output schema is then a string,
   * sent verbatim). IPC returns the string.
   */
  readonly produces?: string;
}

/** Keeps the literal types (`subscription: true`, the schemas) so the preload API can be typed from them. */
export function defineOperation<const D extends OperationDef<OperationInputSchema, z.ZodType, z.ZodType | undefined>>(def: D): D {
  return def;
}
