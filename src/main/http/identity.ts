import type { IncomingMessage } from 'node:http';
import { LucidError } from '../../shared/errors.js';
import type { Identity } from '../model/context.js';
import { markAuthenticated } from './connection-guard.js';

const TOKEN_QUERY_KEYS = ['token', 'access_token', 'jwt', 'bearer'];
/** RFC 6750 §2.1: `"Bearer" 1*SP b64token`; the scheme is case-insensitive (RFC 9110). */
const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*)$/i;

export type Authenticate = (token: string) => Promise<Identity>;

/** A request's query string, parsed: each key once (a string) or repeated (an array). */
export type Query = Record<string, string | string[] | undefined>;

/**
 * The caller's identity from `Authorization: Bearer`, or null when the header is absent.
 * A token in the query string is refused outright: URLs end up in logs and browser history.
 */
export async function identityOf(req: IncomingMessage, query: Query, authenticate: Authenticate): Promise<Identity | null> {
  const refusal = queryTokenRefusal(query);
  if (refusal) throw refusal;
  const header = req.headers.authorization;
  if (header === undefined) return null;
  const match = BEARER.exec(header.trim());
  if (!match?.[1]) throw new LucidError('UNAUTHENTICATED', 'Authorization header must be "Bearer <token>"');
  const identity = await authenticate(match[1]);
  // A token holder's connection may leave the anonymous ones the guard sheds first.
  markAuthenticated(req.socket, identity.sub);
  return identity;
}

/** A token in the query string is an authentication failure, never an unknown input. */
export function queryTokenRefusal(query: Query): LucidError | undefined {
  return TOKEN_QUERY_KEYS.some((key) => key in query)
    ? new LucidError('UNAUTHENTICATED', 'tokens are accepted only in the Authorization header')
    : undefined;
}

/** The peer's address as the socket reports it: no proxy header is trusted. */
export function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/** The bearer credential as sent, unverified: for a public operation with a secret of its own. */
export function bearerOf(req: IncomingMessage): string | undefined {
  return BEARER.exec(req.headers.authorization?.trim() ?? '')?.[1];
}
