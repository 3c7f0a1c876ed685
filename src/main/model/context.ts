import { LucidError } from '../../shared/errors.js';
import { roleCovers, roleHas, type Permission, type Role } from '../../shared/permissions.js';

export type Transport = 'rest' | 'ipc';

export interface StreamHooks {
  onEvent?: ((event: unknown) => void) | undefined;
  onReady?: (() => void) | undefined;
}

/** What a public operation may still learn about its caller, on demand. */
export interface PublicCaller {
  /** The bearer token as presented, unverified (a shared secret such as the metrics token). Never logged. */
  bearer?: string | undefined;
  /** Who calls, when a valid token came along; never fails. */
  lookup?: (() => Promise<Identity | null>) | undefined;
}

export interface Identity {
  sub: string;
  role: Role;
  /** Seconds since the epoch; checked on every call, so an IPC identity expires like a token. */
  expiresAt?: number;
  /**
   * Set only by the host app's `bindIdentity` when it asks for it: the host vouches for the
   * window, so the rate limit does not apply. A token never carries it.
   */
  rateLimitExempt?: boolean;
}

/** How far clocks may disagree: jose verifies tokens with it, and the runner re-checks expiry with it. */
export const CLOCK_TOLERANCE_SECONDS = 30;

/** The same rule as jose's `exp` check, so a token is not valid on REST yet expired on IPC. */
export function isExpired(identity: Identity, nowMs: number = Date.now()): boolean {
  const end = expiryMs(identity);
  return end !== undefined && end <= nowMs;
}

/** The moment (ms since the epoch) from which the identity no longer counts, tolerance included. */
export function expiryMs(identity: Identity): number | undefined {
  return identity.expiresAt === undefined ? undefined : (identity.expiresAt + CLOCK_TOLERANCE_SECONDS) * 1000;
}

/**
 * A token whose signature and claims are good but whose time is up. The call is refused like any
 * failed authentication, but the subject is known, so audit and rate limit keep it.
 */
export class ExpiredIdentityError extends LucidError {
  constructor(readonly identity: Identity) {
    super('UNAUTHENTICATED', 'token expired');
  }
}

/**
 * What a service method learns about the call it serves: who asks, and a place to name the
 * target for the audit trail. Scope checks live here so REST and IPC cannot differ.
 */
export class OperationContext {
  target: string | undefined;
  /** Parts that failed although the operation answered (see `reportFailures`). */
  failures = 0;

  /** Aborted when the caller goes away (HTTP client disconnects, window destroyed, unsubscribe). */
  readonly signal: AbortSignal;
  private readonly stream: StreamHooks;

  constructor(
    readonly identity: Identity | null,
    stream: StreamHooks & { signal?: AbortSignal | undefined } = {},
    private readonly publicCaller: PublicCaller = {},
  ) {
    this.signal = stream.signal ?? new AbortController().signal;
    this.stream = stream;
  }

  /** See PublicCaller.bearer; undefined for protected operations. */
  get bearer(): string | undefined {
    return this.publicCaller.bearer;
  }

  /**
   * Whether a signed-in, unexpired caller holds `permission`. A public operation has no identity
   * up front; it is looked up only when asked, so probes never pay for token verification.
   */
  async callerMay(permission: Permission): Promise<boolean> {
    const identity = this.identity ?? (await this.publicCaller.lookup?.()) ?? null;
    return identity !== null && !isExpired(identity) && roleHas(identity.role, permission);
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

  /**
   * Marks a partial failure: the operation answers normally (a group result with `ok: false`),
   * but `count` of its parts did not reach the requested state. The audit trail records it.
   */
  reportFailures(count: number): void {
    this.failures += count;
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
