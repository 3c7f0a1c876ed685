/**
 * The code of an error a transport gives a request it could not send: the link to the engine is
 * down (or closed). `isConnectionError` knows it, so callers map it like a refused socket.
 */
export const LINK_DOWN = 'ELINKDOWN';

export function linkDownError(message: string): Error {
  return Object.assign(new Error(message), { code: LINK_DOWN });
}

/** Node's words for the socket errors an operator meets, instead of the bare code. */
const SOCKET_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EPIPE: 'connection broken',
  ENOENT: 'no such file',
  EACCES: 'permission denied',
};

/** A short description of a system error for a link's reason: its code's meaning, no stack. */
export function describeError(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && SOCKET_ERRORS[code] !== undefined) return SOCKET_ERRORS[code];
  return err instanceof Error ? err.message : String(err);
}

/** OpenSSL's names for a server certificate the CA does not vouch for. */
export const UNTRUSTED_SERVER_CERT = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
]);
