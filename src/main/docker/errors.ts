import { LucidError, type ErrorCode } from '../../shared/errors.js';
import { LINK_DOWN, UNTRUSTED_SERVER_CERT } from './link-errors.js';

/** The request never reached the daemon: safe to retry even a start or a stop. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', LINK_DOWN]);
/** OpenSSL's verdicts on a server certificate: the client gave up before sending anything. */
const TLS_REFUSED = new Set([...UNTRUSTED_SERVER_CERT, 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID']);

/** The alerts by which a TLS server refuses a client (its certificate, the handshake): it acted on nothing. */
const TLS_REFUSAL_ALERT =
  /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(?:BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_REQUIRED|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|UNSUPPORTED_CERTIFICATE|HANDSHAKE_FAILURE|ACCESS_DENIED)$/;

function neverSentCode(code: string): boolean {
  return NEVER_SENT.has(code) || TLS_REFUSED.has(code) || TLS_REFUSAL_ALERT.test(code);
}
/** The connection broke while the request may already have been acted upon. */
const BROKEN = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ERR_STREAM_PREMATURE_CLOSE']);

function errorCodeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

export function statusCodeOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const status = (err as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : undefined;
}

export function isNeverSent(err: unknown): boolean {
  const code = errorCodeOf(err);
  return code !== undefined && neverSentCode(code);
}

export function isConnectionError(err: unknown): boolean {
  const code = errorCodeOf(err);
  // Any other TLS failure (a bad record, an alert mid-stream) broke the connection, maybe after the request went.
  if (code !== undefined && (neverSentCode(code) || BROKEN.has(code) || code.startsWith('ERR_SSL_'))) return true;
  return err instanceof Error && /socket hang up/i.test(err.message);
}

/** Whatever a 404 or a 409 means for the object at hand (a container, a swarm service, …). */
export interface ErrorContext {
  notFound?: ErrorCode;
  /** Docker's 409 (its state does not allow the change); a container's conflict when left out. */
  conflict?: ErrorCode;
  /** The object's name in messages; a container when left out. */
  what?: string;
}

/**
 * Turns anything dockerode throws into a LucidError. The daemon's own message is kept out of the
 * answer: it can carry host paths and mount sources.
 */
export function toLucidError(err: unknown, timedOut: boolean, context: ErrorContext = {}): LucidError {
  if (err instanceof LucidError) return err;
  if (timedOut) return new LucidError('DOCKER_TIMEOUT', 'Docker did not answer in time');
  if (isConnectionError(err)) return new LucidError('DOCKER_UNAVAILABLE', 'Docker daemon is not reachable');
  const status = statusCodeOf(err);
  if (status === 404 && context.notFound) {
    return new LucidError(context.notFound, `${context.what ?? 'object'} not found`);
  }
  const cause = { cause: err };
  if (status !== undefined && /multiple IDs found|ambiguous/i.test(daemonMessage(err))) {
    return new LucidError('VALIDATION_FAILED', `the id prefix matches more than one ${context.what ?? 'object'}`);
  }
  if (status === 409) {
    const what = context.what ?? 'container';
    return new LucidError(context.conflict ?? 'CONTAINER_CONFLICT', `the ${what}'s current state does not allow this`, { dockerStatus: status }, cause);
  }
  if (status === 501) {
    return new LucidError('DOCKER_ERROR', 'Docker does not support this for the container (e.g. its log driver)', { dockerStatus: status }, cause);
  }
  if (status !== undefined) {
    return new LucidError('DOCKER_ERROR', `Docker refused the request (HTTP ${status})`, { dockerStatus: status }, cause);
  }
  return new LucidError('DOCKER_ERROR', 'unexpected answer from Docker', undefined, cause);
}

/** The daemon's own words, for matching and for the manager's log only. */
export function daemonMessage(err: unknown): string {
  if (typeof err !== 'object' || err === null) return '';
  const json = (err as { json?: unknown }).json;
  if (typeof json === 'object' && json !== null && typeof (json as { message?: unknown }).message === 'string') {
    return (json as { message: string }).message;
  }
  return err instanceof Error ? err.message : '';
}
