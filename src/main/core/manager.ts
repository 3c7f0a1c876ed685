import type { z } from 'zod';
import { getOperation, type OperationName } from '../../shared/contract/index.js';
import { LucidError } from '../../shared/errors.js';
import { PUBLIC, roleHas } from '../../shared/permissions.js';
import { OperationContext, type Identity, type Transport } from './context.js';
import type { Handlers } from './handlers.js';
import { parseInput } from './validation.js';

export interface CallMeta {
  identity: Identity | null;
  transport: Transport;
  requestId: string;
  signal?: AbortSignal;
  /** Receives the operation's events (see `events` in the contract) when the caller streams. */
  onEvent?: (event: unknown) => void;
  /** Called when the handler declares its stream open (`ctx.ready()`), before any event. */
  onReady?: () => void;
}

/** Observers of every call: audit trail, rate limiting and metrics hook in here, not in a transport. */
export interface CallHooks {
  /** Runs before the input is looked at; throws to refuse the call (e.g. RATE_LIMITED). */
  admit?(name: OperationName, meta: CallMeta): void | Promise<void>;
  settled?(event: SettledCall): void;
}

export interface SettledCall {
  name: OperationName;
  meta: CallMeta;
  target: string | undefined;
  error: LucidError | undefined;
  durationMs: number;
}

/**
 * Runs one contract operation for one caller, whatever transport brought it: identity, permission,
 * input validation, the handler, then hooks. Transports only translate requests and answers.
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
    const ctx = new OperationContext(meta.identity, meta.transport, meta.requestId, {
      signal: meta.signal,
      onEvent: meta.onEvent,
      onReady: meta.onReady,
    });
    let failure: LucidError | undefined;
    try {
      const op = getOperation(name);
      if (op.access !== PUBLIC) {
        authorize(meta.identity, op.access);
      }
      for (const hook of this.hooks) await hook.admit?.(name, meta);
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
      const settled = { name, meta, target: ctx.target, error: failure, durationMs: performance.now() - started };
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

/** The same leeway jose grants when it verifies a token, so REST and IPC expire alike. */
const EXPIRY_TOLERANCE_SECONDS = 30;

function authorize(identity: Identity | null, permission: Parameters<typeof roleHas>[1]): void {
  if (identity === null) throw new LucidError('UNAUTHENTICATED', 'authentication required');
  if (identity.expiresAt !== undefined && (identity.expiresAt + EXPIRY_TOLERANCE_SECONDS) * 1000 <= Date.now()) {
    throw new LucidError('UNAUTHENTICATED', 'token expired');
  }
  if (!roleHas(identity.role, permission)) {
    throw new LucidError('FORBIDDEN', `missing permission ${permission}`, { permission, role: identity.role });
  }
}
