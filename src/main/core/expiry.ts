import { expiryMs, type Identity } from '../model/context.js';

/** setTimeout fires at once beyond this (about 24.8 days): longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ExpiryWatch {
  /** Aborted when the caller goes away or when its identity expires. */
  signal: AbortSignal;
  /** True once the identity expired (as opposed to the caller leaving). */
  readonly expired: boolean;
  /** Stops watching (the call ended). */
  close(): void;
}

/**
 * A stream authorised once must not outlive its caller's token: this aborts the stream's signal
 * at the identity's expiry (tolerance included). Undefined when the identity never expires.
 */
export function watchExpiry(identity: Identity | null, outer: AbortSignal | undefined): ExpiryWatch | undefined {
  const end = identity === null ? undefined : expiryMs(identity);
  if (end === undefined) return undefined;
  const expiry = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = end - Date.now();
    if (left <= 0) {
      expiry.abort();
      return;
    }
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    timer.unref();
  };
  arm();
  return {
    signal: outer ? AbortSignal.any([outer, expiry.signal]) : expiry.signal,
    get expired() {
      return expiry.signal.aborted;
    },
    close: () => clearTimeout(timer),
  };
}
