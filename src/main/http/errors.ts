import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { errorBodySchema, LucidError } from '../../shared/errors.js';
import { rateLimitDetailsSchema } from '../../shared/schemas/rate-limit.js';
import { HTTP_STATUS } from './error-status.js';
import { locals } from './request-context.js';

/** REST error envelope: `{"error":{code,message,details?},"requestId"}`; the OpenAPI document shows this schema. */
export const errorEnvelopeSchema = z.object({ error: errorBodySchema, requestId: z.string() });
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

export function sendError(res: Response, err: unknown, requestId: string): void {
  const error = err instanceof LucidError ? err : new LucidError('INTERNAL', 'internal error');
  if (error.code === 'UNAUTHENTICATED') res.setHeader('WWW-Authenticate', 'Bearer');
  if (error.code === 'RATE_LIMITED') setRateLimitHeaders(res, error.details);
  const envelope: ErrorEnvelope = { error: error.toBody(), requestId };
  res.status(HTTP_STATUS[error.code]).json(envelope);
}

/**
 * `Retry-After` (RFC 9110) and the IETF httpapi RateLimit fields in their structured-field form
 * (draft 8 onwards): `RateLimit-Policy: "read";q=100;w=60` and `RateLimit: "read";r=0;t=42`.
 */
function setRateLimitHeaders(res: Response, details: unknown): void {
  const parsed = rateLimitDetailsSchema.safeParse(details);
  if (!parsed.success) return;
  const { policy, limit, windowSeconds, retryAfterSeconds } = parsed.data;
  res.setHeader('Retry-After', String(retryAfterSeconds));
  res.setHeader('RateLimit-Policy', `"${policy}";q=${limit};w=${windowSeconds}`);
  res.setHeader('RateLimit', `"${policy}";r=0;t=${retryAfterSeconds}`);
}

/**
 * Errors of body-parser and the router, translated into the manager's vocabulary: a client
 * error of theirs (malformed JSON, bad gzip, an undecodable `%ZZ` in the path) is a 400.
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

function hasBody(req: Request): boolean {
  return req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;
}

function refuse(res: Response, message: string): void {
  res.setHeader('Connection', 'close');
  sendError(res, new LucidError('UNKNOWN_INPUT', message), locals(res).requestId);
}

/**
 * Every GET operation declares its input in the path and query: a body would be read by nobody,
 * so it is refused whatever its size or type (no 413 nor 415 on a GET), before it is read.
 */
export function refuseBodyOnRead(req: Request, res: Response, next: NextFunction): void {
  if ((req.method === 'GET' || req.method === 'HEAD') && hasBody(req)) refuse(res, 'a GET request takes no body');
  else next();
}

/** The same for a POST whose operation declares no body field (`containers.start`): any body, even `{}`. */
export function refuseBody(what: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (hasBody(req)) refuse(res, `${what} takes no body`);
    else next();
  };
}

/** A body in any other type would be ignored and the operation run with defaults: refuse it instead. */
export function requireJsonBody(req: Request, res: Response, next: NextFunction): void {
  if (hasBody(req) && !req.is('application/json')) {
    sendError(res, new LucidError('UNSUPPORTED_MEDIA_TYPE', 'request bodies must be application/json'), locals(res).requestId);
    return;
  }
  next();
}
