import { isIP } from 'node:net';
import { ipKeyGenerator } from 'express-rate-limit';
import type { Identity } from '../model/context.js';
import type { CallMeta } from './manager.js';

/**
 * Whom a call is counted against, by the rate limit and the stream cap alike: the identity's
 * `sub` (an expired one too), else the client address (REST) or window (IPC). An IPv6 address
 * counts by its /56 network, as one host usually owns the whole block and could otherwise step
 * through it to escape any per-address limit.
 */
export function callerKey(identity: Identity | null, meta: Pick<CallMeta, 'transport' | 'client'>): string {
  return identity !== null ? `sub:${identity.sub}` : `client:${meta.transport}:${clientKey(meta.client)}`;
}

function clientKey(client: string): string {
  return isIP(client) ? ipKeyGenerator(client) : client;
}
