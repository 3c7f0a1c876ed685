import type { z } from 'zod';
import { getOperation, type OperationDef, type OperationName } from '../../shared/contract/index.js';
import { LucidError } from '../../shared/errors.js';
import { PUBLIC, roleHas, type Permission } from '../../shared/permissions.js';
import { isExpired, OperationContext, type Identity, type Transport } from './context.js';
import type { Handlers } from './handlers.js';
import { parseInput } from './validation.js';

export interface CallMeta {
  /**
   * Who calls. Resolved inside the runner (REST verifies its bearer token here), so that a
   * failed authentication is rate-limited and audited like any other refused call.
   */
  credentials: () => Promise<Identity | null>;
  /** The caller's address (REST) or window (IPC): the rate-limit key and audit clue when no identity is known. */
  client: string;
  transport: Transport;
  requestId: string;
  signal?: AbortSignal;
  /** Receives the operation's events (see `events` in the contract) when the caller streams. */
  onEvent?: (event: unknown) => void;
  /** Called when the handler declares its stream open (`ctx.ready()`), before any event. */
  onReady?: () => void;
}

export interface AdmittedCall {
  name: OperationName;
  meta: CallMeta;
  /** Null for public operations, anonymous callers and failed authentications. */
  identity: Identity | null;
}

export interface SettledCall extends AdmittedCall {
  /** What the call acted on: set by the handler, else the path parameter the caller named. */
  target: string | undefined;
  error: LucidError | undefined;
  durationMs: number;
}

/** Observers of every call: audit trail, rate limiting and metrics hook in here, not in a transport. */
export interface CallHooks {
  /**
   * Runs after the identity is known (or known to be missing or invalid) but before any refusal,
   * so that anonymous and failed attempts count too; throws to refuse the call (e.g. RATE_LIMITED).
   */
  admit?(call: AdmittedCall): void | Promise<void>;
  settled?(call: SettledCall): void;
}

/**
 * Runs one contract operation for one caller, whatever transport brought it: identity, hooks,
 * permission, input validation, then the handler. Transports only translate requests and answers.
 */
export class OperationRunner {
  constructor(
    private readonly handlers: Handlers,
    private readonly hooks: CallHooks[] = [],
    /**
     * Checks every answer against its output schema: on in development and tests, where a
     * handler drifting from the contract should fail loudly; off in production, where the list
     * of 1000 containers should not be walked twice.
     */
    private readonly validateOutputs = false,
  ) {}

  async run(name: OperationName, rawInput: unknown, meta: CallMeta): Promise<unknown> {
    const started = performance.now();
    const op = getOperation(name);
    let identity: Identity | null = null;
    let ctx: OperationContext | undefined;
    let failure: LucidError | undefined;
    try {
      let refusal: unknown;
      if (op.access !== PUBLIC) {
        ({ identity, refusal } = await identify(meta));
      }
      for (const hook of this.hooks) await hook.admit?.({ name, meta, identity });
      if (refusal !== undefined) throw refusal;
      if (op.access !== PUBLIC) authorize(identity, op.access);
      ctx = new OperationContext(identity, meta.transport, meta.requestId, {
        signal: meta.signal,
        onEvent: meta.onEvent,
        onReady: meta.onReady,
      });
      const input = parseInput(op.input, rawInput ?? {});
      const handler = this.handlers[name] as (input: unknown, ctx: OperationContext) => Promise<unknown>;
      const output = await handler(input, ctx);
      if (this.validateOutputs) checkOutput(op.output, output);
      return output;
    } catch (err) {
      failure = err instanceof LucidError ? err : new LucidError('INTERNAL', 'internal error', undefined, { cause: err });
      if (failure.cause !== undefined) this.onFailure(failure, name, meta.requestId);
      throw failure;
    } finally {
      const target = ctx?.target ?? requestedTarget(op, rawInput);
      const settled = { name, meta, identity, target, error: failure, durationMs: performance.now() - started };
      for (const hook of this.hooks) hook.settled?.(settled);
    }
  }

  /** Set by the host to log what went wrong inside (the cause); the caller sees only the code and message. */
  onFailure: (error: LucidError, name: OperationName, requestId: string) => void = () => {};
}

function checkOutput(schema: z.ZodType, output: unknown): void {
  const result = schema.safeParse(output);
  if (!result.success) {
    throw new LucidError('INTERNAL', 'internal error', undefined, { cause: result.error });
  }
}

async function identify(meta: CallMeta): Promise<{ identity: Identity | null; refusal: unknown }> {
  try {
    const identity = await meta.credentials();
    if (identity !== null && isExpired(identity)) {
      return { identity: null, refusal: new LucidError('UNAUTHENTICATED', 'token expired') };
    }
    return { identity, refusal: undefined };
  } catch (err) {
    return { identity: null, refusal: err };
  }
}

function authorize(identity: Identity | null, permission: Permission): void {
  if (identity === null) throw new LucidError('UNAUTHENTICATED', 'authentication required');
  if (!roleHas(identity.role, permission)) {
    throw new LucidError('FORBIDDEN', `missing permission ${permission}`, { permission, role: identity.role });
  }
}

/**
 * A call refused before its handler ran still names what it aimed at: the first path parameter
 * (`{id}`, `{name}`…), taken only when it passes the operation's own input schema.
 */
function requestedTarget(op: OperationDef, rawInput: unknown): string | undefined {
  const param = /\{(\w+)\}/.exec(op.path)?.[1];
  if (param === undefined) return undefined;
  const parsed = op.input.safeParse(rawInput ?? {});
  if (!parsed.success || typeof parsed.data !== 'object' || parsed.data === null) return undefined;
  const value = (parsed.data as Record<string, unknown>)[param];
  return typeof value === 'string' ? value : undefined;
}
