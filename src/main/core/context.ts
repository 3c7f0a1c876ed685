import { LucidError } from '../../shared/errors.js';
import { roleCovers, type Role } from '../../shared/permissions.js';

export type Transport = 'rest' | 'ipc';

export interface StreamHooks {
  onEvent?: ((event: unknown) => void) | undefined;
  onReady?: (() => void) | undefined;
}

export interface Identity {
  sub: string;
  role: Role;
  /** Seconds since the epoch; checked on every call, so an IPC identity expires like a token. */
  expiresAt?: number;
}

/** How far clocks may disagree: jose verifies tokens with it, and the runner re-checks expiry with it. */
export const CLOCK_TOLERANCE_SECONDS = 30;

/** The same rule as jose's `exp` check, so a token is not valid on REST yet expired on IPC. */
export function isExpired(identity: Identity, nowMs: number = Date.now()): boolean {
  return identity.expiresAt !== undefined && (identity.expiresAt + CLOCK_TOLERANCE_SECONDS) * 1000 <= nowMs;
}

/**
 * What a service method learns about the call it serves: who asks, and a place to name the
 * target for the audit trail. Scope checks live here so REST and IPC cannot differ.
 */
export class OperationContext {
  target: string | undefined;

  /** Aborted when the caller goes away (HTTP client disconnects, window destroyed, unsubscribe). */
  readonly signal: AbortSignal;
  private readonly stream: StreamHooks;

  constructor(
    readonly identity: Identity | null,
    readonly transport: Transport,
    readonly requestId: string,
    stream: StreamHooks & { signal?: AbortSignal | undefined } = {},
  ) {
    this.signal = stream.signal ?? new AbortController().signal;
    this.stream = stream;
  }

  /** True when the transport forwards events, so a handler can skip building them otherwise. */
  get streaming(): boolean {
    return this.stream.onEvent !== undefined;
  }

  /**
   * Declares the stream open: the target exists and the events may begin. Before this, a failure
   * is still an ordinary error answer (a 404, say) rather than an error event inside a stream.
   */
  ready(): void {
    this.stream.onReady?.();
  }

  /** Sends one progress / live event to the caller; a no-op when the caller did not ask for events. */
  emit(event: unknown): void {
    this.stream.onEvent?.(event);
  }

  /** Controlling something needs the thing's group inside the caller's role scope. */
  requireScope(group: string | null, what: string): void {
    if (this.identity === null) throw new LucidError('UNAUTHENTICATED', 'authentication required');
    if (!roleCovers(this.identity.role, group)) {
      const where = group === null ? 'in no service group' : `in group ${group}`;
      throw new LucidError('FORBIDDEN', `role ${this.identity.role} may not control ${what} ${where}`, {
        group,
        role: this.identity.role,
      });
    }
  }
}
