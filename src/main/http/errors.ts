import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { errorBodySchema, LucidError } from '../../shared/errors.js';
import { rateLimitDetailsSchema } from '../../shared/schemas/rate-limit.js';
import type { Logger } from '../system/logging.js';
import { HTTP_STATUS } from './error-status.js';
import { locals } from './request-context.js';

/** REST error envelope: `{"error":{code,message,details?},"requestId"}`; the OpenAPI document shows this schema. */
export const errorEnvelopeSchema = z.object({ error: errorBodySchema, requestId: z.string() });
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

export function sendError(res: ServerResponse, err: unknown, requestId: string): void {
  const error = err instanceof LucidError ? err : new LucidError('INTERNAL', 'internal error');
  if (error.code === 'UNAUTHENTICATED') res.setHeader('WWW-Authenticate', 'Bearer');
  if (error.code === 'RATE_LIMITED') setRateLimitHeaders(res, error.details);
  const envelope: ErrorEnvelope = { error: error.toBody(), requestId };
  sendBody(res, HTTP_STATUS[error.code], 'application/json; charset=utf-8', Buffer.from(JSON.stringify(envelope), 'utf8'));
}

/** An answer in one write: status, type and length, then the bytes (none for HEAD, Node drops them). */
export function sendBody(res: ServerResponse, status: number, type: string, body: Buffer): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', body.length);
  res.end(body);
}

/**
 * `Retry-After` (RFC 9110) and the IETF httpapi RateLimit fields in their structured-field form
 * (draft 8 onwards): `RateLimit-Policy: "read";q=100;w=60` and `RateLimit: "read";r=0;t=42`.
 */
function setRateLimitHeaders(res: ServerResponse, details: unknown): void {
  const parsed = rateLimitDetailsSchema.safeParse(details);
  if (!parsed.success) return;
  const { policy, limit, windowSeconds, retryAfterSeconds } = parsed.data;
  res.setHeader('Retry-After', String(retryAfterSeconds));
  res.setHeader('RateLimit-Policy', `"${policy}";q=${limit};w=${windowSeconds}`);
  res.setHeader('RateLimit', `"${policy}";r=0;t=${retryAfterSeconds}`);
}

/**
 * Errors of body-parser and of Express (the pages), translated into the manager's vocabulary: a
 * client error of theirs (malformed JSON, bad gzip, an undecodable `%ZZ` in a page's path) is a 400.
 */
export function bodyParserError(err: unknown): LucidError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { type, status } = err as { type?: unknown; status?: unknown };
  if (type === 'entity.parse.failed') return new LucidError('VALIDATION_FAILED', 'malformed JSON body');
  if (type === 'entity.too.large') return new LucidError('PAYLOAD_TOO_LARGE', 'JSON body larger than 64 KiB');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new LucidError('UNSUPPORTED_MEDIA_TYPE', 'unsupported body encoding');
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new LucidError('VALIDATION_FAILED', 'malformed request');
  }
  return undefined;
}

/**
 * Whatever failed a request outside its operation (the body reader, the pages, a defect): a
 * client error answered as itself, anything else logged and answered as a bare 500. An answer
 * already under way can only be cut off.
 */
export function sendFailure(res: ServerResponse, err: unknown, logger: Logger, what: string): void {
  const { requestId } = locals(res);
  const known = err instanceof LucidError ? err : bodyParserError(err);
  if (!known) logger.error(`${requestId} ${what} failed`, err);
  if (res.headersSent) res.destroy();
  else sendError(res, known ?? new LucidError('INTERNAL', 'internal error'), requestId);
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/** The media type of a body, without its parameters (`application/json; charset=utf-8` → `application/json`). */
function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/**
 * Why a body must not be read, before it is: every GET operation declares its input in the path
 * and query, and a POST without body fields (`containers.start`) takes none, so a body would be
 * read by nobody — refused whatever its size or type (no 413 nor 415 then). A body in any other
 * type than JSON would be ignored and the operation run with defaults: refused too.
 */
export function bodyRefusal(req: IncomingMessage, what: string, takesBody: boolean): LucidError | undefined {
  if (!hasBody(req)) return undefined;
  if (!takesBody) return new LucidError('UNKNOWN_INPUT', `${what} takes no body`);
  if (mediaType(req) !== 'application/json') return new LucidError('UNSUPPORTED_MEDIA_TYPE', 'request bodies must be application/json');
  return undefined;
}

/**
 * Sends a refusal; an unread body is left behind unread, so the connection closes after the
 * answer instead of being kept for a next request that would start inside that body.
 */
export function sendRefusal(res: ServerResponse, error: LucidError): void {
  if (error.code === 'UNKNOWN_INPUT') res.setHeader('Connection', 'close');
  sendError(res, error, locals(res).requestId);
}

/** The pages beside the API (dashboard, docs) are read with GET too: a body is refused there as well. */
export function refuseBodyOnRead(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  const refusal = req.method === 'GET' || req.method === 'HEAD' ? bodyRefusal(req, 'a GET request', false) : undefined;
  if (refusal) sendRefusal(res, refusal);
  else next();
}
