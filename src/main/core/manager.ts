import type { z } from 'zod';
import { getOperation, type OperationKind, type OperationName } from '../../shared/contract/index.js';
import { pathParams } from '../../shared/contract/path-template.js';
import { LucidError } from '../../shared/errors.js';
import { PUBLIC, roleHas, type OperationAccess, type Permission } from '../../shared/permissions.js';
import { ExpiredIdentityError, isExpired, OperationContext, type Identity, type StreamFlow, type Transport } from '../model/context.js';
import { watchExpiry } from './expiry.js';
import type { Handlers } from './handlers.js';
import { parsedInputOrUndefined, parseOperationInput } from './validation.js';

/** What the hooks need to know about a call: who may make it, and which budget and audit rule apply. */
export interface CallDescriptor {
  /** A permission, `public` (never limited), or `transport`: no permission of its own, but limited and audited. */
  access: OperationAccess | 'transport';
  kind: OperationKind;
  /** Counted by the limiter only without a valid identity: a sign-in with a good token costs nothing. */
  limitRefusalsOnly?: boolean;
  /** Recorded by the audit trail when it succeeds too, though not a control operation (a sign-in). */
  auditSuccess?: boolean;
}

/**
 * Calls that exist on one transport only, yet pass the same hooks as the operations: the IPC
 * sign-in (a failed attempt is audited and counted on the read budget; a good one is audited
 * too — it decides who the window is from then on — but costs nothing), and the stream cancel
 * and acknowledgement, which reach the hooks only when their sender is refused.
 */
export const TRANSPORT_CALLS = {
  'auth.setToken': { access: 'transport', kind: 'read', limitRefusalsOnly: true, auditSuccess: true },
  'stream.cancel': { access: 'transport', kind: 'read' },
  'stream.ack': { access: 'transport', kind: 'read' },
} as const satisfies Record<string, CallDescriptor>;

export type TransportCallName = keyof typeof TRANSPORT_CALLS;
export type CallName = OperationName | TransportCallName;

export function describeCall(name: CallName): CallDescriptor {
  return name in TRANSPORT_CALLS ? TRANSPORT_CALLS[name as TransportCallName] : getOperation(name as OperationName);
}

export interface CallMeta {
  /**
   * Who calls. Resolved inside the runner (REST verifies its bearer token here), so that a
   * failed authentication is rate-limited and audited like any other refused call.
   */
  credentials: () => Promise<Identity | null>;
  /** The caller's address (REST) or window (IPC): the rate-limit key and audit clue when no identity is known. */
  client: string;
  transport: Transport;
  /** Made by the server, never by the client: audit lines and logs can trust it. */
  requestId: string;
  /** The id the client sent (REST `X-Request-Id`), when it sent a sane one; kept apart from ours. */
  clientRequestId?: string | undefined;
  /** The calling frame's origin (IPC), recorded when a sender is refused for it. */
  origin?: string | null | undefined;
  signal?: AbortSignal;
  /** Receives the operation's events (see `events` in the contract) when the caller streams. */
  onEvent?: (event: unknown) => void;
  /** Called when the handler declares its stream open (`ctx.ready()`), before any event. */
  onReady?: () => void;
  /** How far a streaming caller is behind (see StreamFlow). */
  flow?: StreamFlow;
  /** The raw bearer token of a public call, unverified (see OperationContext.bearer). */
  bearer?: string | undefined;
}

export interface AdmittedCall {
  name: CallName;
  op: CallDescriptor;
  meta: CallMeta;
  /**
   * Null for public operations, anonymous callers and failed authentications. An expired
   * identity is kept (the call is refused all the same), so audit and limits know the subject.
   */
  identity: Identity | null;
}

export interface SettledCall extends AdmittedCall {
  /** What the call acted on: set by the handler, else the path parameter the caller named. */
  target: string | undefined;
  /** The host it acted on (set by the handler), else the one the caller named. */
  host: string | undefined;
  error: LucidError | undefined;
  /** Parts that failed in an operation that still answered (`ctx.reportFailures`). */
  failures: number;
  durationMs: number;
  /**
   * Settled by `interruptInFlight` while its handler still ran (the manager shutting down): the
   * error is SHUTTING_DOWN, and what the handler did or will do is unknown.
   */
  interrupted: boolean;
}

/** A control call about to reach its handler: identified, permitted, its input valid. */
export interface StartingCall extends AdmittedCall {
  target: string | undefined;
  host: string | undefined;
}

/** Observers of every call: audit trail, rate limiting and metrics hook in here, not in a transport. */
export interface CallHooks {
  /**
   * Runs after the identity is known (or known to be missing or invalid) but before any refusal,
   * so that anonymous and failed attempts count too; throws to refuse the call (e.g. RATE_LIMITED).
   */
  admit?(call: AdmittedCall): void | Promise<void>;
  /**
   * Awaited before the handler of a control call runs, i.e. before Docker is asked: the audit trail
   * makes the call's intent durable here, so a crash in between cannot hide what was done.
   */
  starting?(call: StartingCall): void | Promise<void>;
  /** Called exactly once per call, also for a call `interruptInFlight` settled before its handler returned. */
  settled?(call: SettledCall): void;
}

interface Outcome {
  target: string | undefined;
  host: string | undefined;
  failures: number;
}

const NO_OUTCOME: Outcome = { target: undefined, host: undefined, failures: 0 };

/**
 * Runs one contract operation for one caller, whatever transport brought it: identity, hooks,
 * permission, input validation, then the handler. Transports only translate requests and answers.
 */
export class OperationRunner {
  /** Admitted control calls whose handler has not returned: each settles as interrupted when called. */
  private readonly inFlight = new Set<() => void>();

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
    const op = getOperation(name);
    let ctx: OperationContext | undefined;
    const body = async (identity: Identity | null) => {
      if (op.access !== PUBLIC) authorize(identity, op.access);
      // A subscription runs until the caller leaves: it must also end when the caller's token does.
      const expiry = op.subscription ? watchExpiry(identity, meta.signal) : undefined;
      ctx = new OperationContext(
        identity,
        {
          // Read only when the handler asks (see OperationContext.signal).
          get signal() {
            return expiry?.signal ?? meta.signal;
          },
          onEvent: meta.onEvent,
          onReady: meta.onReady,
          flow: meta.flow,
        },
        op.access === PUBLIC ? { bearer: meta.bearer, lookup: () => meta.credentials().catch(() => null) } : {},
      );
      try {
        const input = parseOperationInput(name, rawInput);
        if (op.kind === 'control') {
          const starting = { name, op, meta, identity, target: requestedTarget(name, rawInput), host: ctx.host ?? requestedHost(name, rawInput) };
          for (const hook of this.hooks) await hook.starting?.(starting);
        }
        const handler = this.handlers[name] as (input: unknown, ctx: OperationContext) => Promise<unknown>;
        const output = await handler(input, ctx);
        if (expiry?.expired) throw new LucidError('UNAUTHENTICATED', 'token expired while streaming');
        if (this.validateOutputs) checkOutput(op.output, output);
        return output;
      } finally {
        expiry?.close();
      }
    };
    return this.guard(name, op, meta, body, () => ({
      target: ctx?.target ?? requestedTarget(name, rawInput),
      host: ctx?.host ?? requestedHost(name, rawInput),
      failures: ctx?.failures ?? 0,
    }));
  }

  /** A call that is not a contract operation (the IPC sign-in): identified, limited and audited like one. */
  runTransportCall<T>(name: TransportCallName, meta: CallMeta, body: (identity: Identity) => Promise<T>): Promise<T> {
    const run = (identity: Identity | null) => {
      if (identity === null) throw new LucidError('UNAUTHENTICATED', 'authentication required');
      return body(identity);
    };
    return this.guard(name, TRANSPORT_CALLS[name], meta, run, () => NO_OUTCOME);
  }

  /**
   * A call its transport refused before it reached the runner (an IPC sender from a foreign
   * origin): counted by the limiter — even for a public operation, it is a refusal — and audited
   * without an identity, since the sender is not trusted to have one. Rejects with `error`, or
   * with RATE_LIMITED once the sender is over its budget.
   */
  refuse(name: CallName, meta: Omit<CallMeta, 'credentials'>, error: LucidError): Promise<never> {
    const op: CallDescriptor = { access: 'transport', kind: describeCall(name).kind };
    const fail = async (): Promise<never> => {
      throw error;
    };
    return this.guard(name, op, { ...meta, credentials: async () => null }, fail, () => NO_OUTCOME);
  }

  /**
   * Settles every admitted control call whose handler is still running as interrupted
   * (SHUTTING_DOWN), for a host about to exit: a stop waiting on Docker when the shutdown grace ran
   * out would otherwise leave no audit line. Reads are left alone — they change nothing, and
   * counting them as failed would only add shutdown noise to the error metrics. The handlers are
   * not stopped; when one returns later, its hooks are not called again. Returns how many calls
   * were interrupted.
   */
  interruptInFlight(): number {
    const pending = [...this.inFlight];
    for (const interrupt of pending) interrupt();
    return pending.length;
  }

  private async guard<T>(
    name: CallName,
    op: CallDescriptor,
    meta: CallMeta,
    body: (identity: Identity | null) => Promise<T>,
    outcome: () => Outcome,
  ): Promise<T> {
    const started = performance.now();
    let identity: Identity | null = null;
    let failure: LucidError | undefined;
    let reported = false;
    const report = (error: LucidError | undefined, interrupted: boolean) => {
      if (reported) return;
      reported = true;
      this.inFlight.delete(interrupt);
      const { target, host, failures } = outcome();
      const settled = { name, op, meta, identity, target, host, failures, error, interrupted, durationMs: performance.now() - started };
      for (const hook of this.hooks) hook.settled?.(settled);
    };
    const interrupt = () => report(new LucidError('SHUTTING_DOWN', 'the manager shut down before the call ended'), true);
    try {
      let refusal: unknown;
      if (op.access !== PUBLIC) {
        ({ identity, refusal } = await identify(meta));
      }
      for (const hook of this.hooks) await hook.admit?.({ name, op, meta, identity });
      if (op.kind === 'control') this.inFlight.add(interrupt);
      if (refusal !== undefined) throw refusal;
      return await body(identity);
    } catch (err) {
      failure = err instanceof LucidError ? err : new LucidError('INTERNAL', 'internal error', undefined, { cause: err });
      if (failure.cause !== undefined) this.onFailure(failure, name, meta.requestId);
      throw failure;
    } finally {
      report(failure, false);
    }
  }

  /** Set by the host to log what went wrong inside (the cause); the caller sees only the code and message. */
  onFailure: (error: LucidError, name: CallName, requestId: string) => void = () => {};
}

function checkOutput(schema: z.ZodType, output: unknown): void {
  const result = schema.safeParse(output);
  if (!result.success) {
    throw new LucidError('INTERNAL', 'internal error', undefined, { cause: result.error });
  }
}

/** An expired identity is refused but kept: the subject is genuine (its signature checked out). */
async function identify(meta: CallMeta): Promise<{ identity: Identity | null; refusal: unknown }> {
  try {
    const identity = await meta.credentials();
    if (identity !== null && isExpired(identity)) {
      return { identity, refusal: new ExpiredIdentityError(identity) };
    }
    return { identity, refusal: undefined };
  } catch (err) {
    return { identity: err instanceof ExpiredIdentityError ? err.identity : null, refusal: err };
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
const targetParams = new Map<OperationName, string | undefined>();

function requestedTarget(name: OperationName, rawInput: unknown): string | undefined {
  if (!targetParams.has(name)) targetParams.set(name, pathParams(getOperation(name).path)[0]);
  const param = targetParams.get(name);
  if (param === undefined) return undefined;
  const parsed = parsedInputOrUndefined(name, rawInput);
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const value = (parsed as Record<string, unknown>)[param];
  return typeof value === 'string' ? value : undefined;
}

/** The host a call named (`host` of its input), taken only when it passes the operation's own input schema. */
function requestedHost(name: OperationName, rawInput: unknown): string | undefined {
  const parsed = parsedInputOrUndefined(name, rawInput);
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const value = (parsed as Record<string, unknown>)['host'];
  return typeof value === 'string' ? value : undefined;
}
