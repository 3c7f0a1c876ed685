import type { Identity } from '../model/context.js';

/** Tokens remembered at most; the least recently used one goes first. */
const MAX_ENTRIES = 1024;
/**
 * How long a verified token is taken on trust without a new signature check. It bounds how long a
 * key rotated out of a JWKS still admits the tokens it signed.
 */
const TRUST_MS = 60_000;

interface Entry {
  identity: Identity;
  /** Epoch ms after which the token is verified again (its expiry, or the trust window). */
  until: number;
}

/**
 * Tokens whose signature and claims were checked, by their exact text. A client sends the same
 * token with every request; checking its signature each time cost more than the rest of a cached
 * read. Only a token that passed every check is kept, so a caller can fill this with nothing but
 * valid tokens, and a hit needs the whole token text.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = MAX_ENTRIES,
  ) {}

  get(token: string): Identity | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    this.entries.delete(token);
    if (this.now() >= entry.until) return undefined;
    // Re-inserted: the Map's order is the recency order.
    this.entries.set(token, entry);
    return entry.identity;
  }

  /** `validUntilMs`: when the token stops being accepted (its `exp` plus the clock tolerance). */
  set(token: string, identity: Identity, validUntilMs: number): void {
    this.entries.delete(token);
    this.entries.set(token, { identity, until: Math.min(validUntilMs, this.now() + TRUST_MS) });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }
}
