import { MemoryStore, type Options } from 'express-rate-limit';
import type { OperationKind } from '../../shared/contract/index.js';
import { LucidError } from '../../shared/errors.js';
import { PUBLIC } from '../../shared/permissions.js';
import type { RateLimitDetails } from '../../shared/schemas/rate-limit.js';
import { callerKey } from '../core/caller-key.js';
import type { AdmittedCall, CallHooks } from '../core/manager.js';
import { isExpired, type Identity } from '../model/context.js';

const WINDOW_MS = 60_000;

export interface RateLimitSettings {
  /** Per minute and caller; 0 disables the limit. */
  readPerMinute: number;
  controlPerMinute: number;
}

interface Budget {
  limit: number;
  store: MemoryStore;
}

/** The rate limit's key (see callerKey); the audit recorder groups rate-limited refusals by it. */
export const rateLimitKey = callerKey;

/**
 * One limiter for both transports, in the core: per identity (`sub`), or per client address /
 * window when the caller has no valid identity, so anonymous and failed attempts are counted
 * too. Reads and control operations have separate budgets. Public operations (probes, metrics)
 * are never limited, nor identities the host app bound with `rateLimitExempt`. The counting is
 * express-rate-limit's MemoryStore (fixed one-minute windows).
 */
export class RateLimiter implements CallHooks {
  private readonly budgets: Partial<Record<OperationKind, Budget>> = {};

  constructor(settings: RateLimitSettings) {
    this.addBudget('read', settings.readPerMinute);
    this.addBudget('control', settings.controlPerMinute);
  }

  private addBudget(kind: OperationKind, limit: number): void {
    if (limit === 0) return;
    const store = new MemoryStore();
    // The store reads only windowMs from the middleware's options; the middleware itself is not used.
    store.init({ windowMs: WINDOW_MS } as Options);
    this.budgets[kind] = { limit, store };
  }

  async admit({ op, meta, identity }: AdmittedCall): Promise<void> {
    if (op.access === PUBLIC || identity?.rateLimitExempt === true) return;
    if (op.limitRefusalsOnly === true && identity !== null && !isExpired(identity)) return;
    const budget = this.budgets[op.kind];
    if (budget === undefined) return;
    const { totalHits, resetTime } = await budget.store.increment(rateLimitKey(identity, meta));
    if (totalHits <= budget.limit) return;
    const retryAfterSeconds = Math.max(1, Math.ceil(((resetTime?.getTime() ?? Date.now() + WINDOW_MS) - Date.now()) / 1000));
    const details: RateLimitDetails = {
      policy: op.kind,
      limit: budget.limit,
      windowSeconds: WINDOW_MS / 1000,
      retryAfterSeconds,
    };
    throw new LucidError(
      'RATE_LIMITED',
      `more than ${budget.limit} ${op.kind} requests in a minute; retry in ${retryAfterSeconds} s`,
      details,
    );
  }

  async close(): Promise<void> {
    for (const budget of Object.values(this.budgets)) budget.store.shutdown();
  }
}
