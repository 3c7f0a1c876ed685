/**
 * The reason a host aborts its subscriptions with when it shuts down, so that a handler can tell
 * the manager going away from the caller leaving (`AbortSignal.any` passes the reason on).
 */
export class ShutdownReason extends Error {
  constructor() {
    super('the manager is shutting down');
    this.name = 'ShutdownReason';
  }
}

export function isShutdown(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason instanceof ShutdownReason;
}

/** The reason a host's subscriptions end with when a hosts reload removes or replaces the host. */
export class HostRemovedReason extends Error {
  constructor(readonly host: string) {
    super(`host ${host} was removed or changed by a hosts reload`);
    this.name = 'HostRemovedReason';
  }
}

export function isHostRemoved(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason instanceof HostRemovedReason;
}
