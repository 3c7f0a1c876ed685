import { LucidError } from '../../shared/errors.js';
import { roleCovers, roleHas, type Permission, type Role } from '../../shared/permissions.js';

export type Transport = 'rest' | 'ipc';

export interface StreamHooks {
  onEvent?: ((event: unknown) => void) | undefined;
  onReady?: (() => void) | undefined;
  flow?: StreamFlow | undefined;
}

/**
 * How far the caller is behind on a stream, from its transport's bounded queue: lets a producer
 * that feeds many streams from one source (followed logs) stop reading it while nobody can take
 * more, and tell a caller about lines it lost before they reached the stream.
 */
export interface StreamFlow {
  /** True while an event emitted now would be dropped. */
  full(): boolean;
  /** Calls `listener` when the stream, having been full, has room again; returns the unsubscribe. */
  onRoom(listener: () => void): () => void;
  /** Events lost before they reached the stream: the caller hears the count where the gap is. */
  lost(count: number): void;
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
  /** The token's `hosts` claim: only these hosts, whatever the role allows elsewhere. */
  hosts?: readonly string[];
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
  /** The host the operation acts on, once resolved: the audit trail records it. */
  host: string | undefined;
  /** Parts that failed although the operation answered (see `reportFailures`). */
  failures = 0;

  /**
   * Made on first read: most calls (a list answered from the snapshot) never look at their signal,
   * and an AbortSignal, above all `AbortSignal.any` over a host's long-lived signal, costs more than
   * such a call's whole handler. Until then the signals it will follow wait in `endsWith`.
   */
  private currentSignal: AbortSignal | undefined;
  private readonly endsWith: AbortSignal[] = [];

  /** `stream.signal` is read when the call's signal is first asked for, not before. */
  constructor(
    readonly identity: Identity | null,
    private readonly stream: StreamHooks & { readonly signal?: AbortSignal | undefined } = {},
    private readonly publicCaller: PublicCaller = {},
  ) {}

  /**
   * Aborted when the caller goes away (HTTP client disconnects, window destroyed, unsubscribe),
   * the manager shuts down, or what the call acts on goes away (see `endWhen`).
   */
  get signal(): AbortSignal {
    if (this.currentSignal === undefined) {
      const own = this.stream.signal ?? new AbortController().signal;
      this.currentSignal = this.endsWith.length === 0 ? own : AbortSignal.any([own, ...this.endsWith]);
    }
    return this.currentSignal;
  }

  /** Ends the call's streams also when `signal` aborts (the host it streams from is removed). */
  endWhen(signal: AbortSignal): void {
    if (this.currentSignal === undefined) this.endsWith.push(signal);
    else this.currentSignal = AbortSignal.any([this.currentSignal, signal]);
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

  /** True while the caller is a whole queue behind: an event emitted now would be dropped. */
  get streamFull(): boolean {
    return this.stream.flow?.full() ?? false;
  }

  /** Calls `listener` when a full stream has room again (never for a caller without events). */
  onStreamRoom(listener: () => void): () => void {
    return this.stream.flow?.onRoom(listener) ?? (() => {});
  }

  /** `count` events were lost before they reached the caller; it hears so before the next one. */
  lost(count: number): void {
    if (count > 0) this.stream.flow?.lost(count);
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
