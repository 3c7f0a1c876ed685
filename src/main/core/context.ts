import { LucidError } from '../../shared/errors.js';
import { roleCovers, type Role } from '../../shared/permissions.js';

export type Transport = 'rest' | 'ipc';

export interface Identity {
  sub: string;
  role: Role;
  /** Seconds since the epoch; checked on every call, so an IPC identity expires like a token. */
  expiresAt?: number;
}

/**
 * What a service method learns about the call it serves: who asks, and a place to name the
 * target for the audit trail. Scope checks live here so REST and IPC cannot differ.
 */
export class OperationContext {
  target: string | undefined;

  constructor(
    readonly identity: Identity | null,
    readonly transport: Transport,
    readonly requestId: string,
    /** Aborted when the caller goes away (HTTP client disconnects, window destroyed, unsubscribe). */
    readonly signal: AbortSignal = new AbortController().signal,
    private readonly sink: ((event: unknown) => void) | undefined = undefined,
  ) {}

  /** True when the transport forwards events, so a handler can skip building them otherwise. */
  get streaming(): boolean {
    return this.sink !== undefined;
  }

  /** Sends one progress / live event to the caller; a no-op when the caller did not ask for events. */
  emit(event: unknown): void {
    this.sink?.(event);
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
