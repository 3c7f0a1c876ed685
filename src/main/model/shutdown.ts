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
