import { LucidError } from '../../shared/errors.js';
import { callerKey } from './caller-key.js';
import type { AdmittedCall, CallHooks, CallMeta, SettledCall } from './manager.js';

/** `details` of a TOO_MANY_STREAMS refusal. */
export interface StreamCapDetails {
  limit: number;
  open: number;
}

/**
 * A cap on the streams one caller holds open at once, in the core so both transports obey it:
 * a call is a stream when its transport forwards events (`meta.onEvent`: an SSE response, an IPC
 * subscription, a progress stream). The slot is taken on admission and given back when the call
 * settles, whatever ended it. Every stream's queue is bounded in bytes, so this cap bounds what
 * one caller can make the manager hold. Identities the host app vouches for are capped too: a
 * page that leaks subscriptions would otherwise grow without bound.
 */
export class StreamCaps implements CallHooks {
  private readonly open = new Map<string, number>();
  private readonly holders = new WeakMap<CallMeta, string>();

  constructor(private readonly limit: number) {}

  admit({ meta, identity }: AdmittedCall): void {
    if (meta.onEvent === undefined) return;
    const key = callerKey(identity, meta);
    const open = this.open.get(key) ?? 0;
    if (open >= this.limit) {
      const details: StreamCapDetails = { limit: this.limit, open };
      throw new LucidError('TOO_MANY_STREAMS', `at most ${this.limit} streams may be open at once; close one first`, details);
    }
    this.open.set(key, open + 1);
    this.holders.set(meta, key);
  }

  settled({ meta }: SettledCall): void {
    const key = this.holders.get(meta);
    if (key === undefined) return;
    this.holders.delete(meta);
    const open = (this.open.get(key) ?? 1) - 1;
    if (open <= 0) this.open.delete(key);
    else this.open.set(key, open);
  }

  /** Streams open right now, all callers together. */
  get total(): number {
    let sum = 0;
    for (const count of this.open.values()) sum += count;
    return sum;
  }
}
