import type { Response } from 'express';
import { LucidError } from '../../shared/errors.js';
import { HTTP_STATUS } from './error-status.js';

/** REST error envelope: `{"error":{code,message,details?},"requestId"}`. */
export function sendError(res: Response, err: unknown, requestId: string): void {
  const error = err instanceof LucidError ? err : new LucidError('INTERNAL', 'internal error');
  if (error.code === 'UNAUTHENTICATED') res.setHeader('WWW-Authenticate', 'Bearer');
  res.status(HTTP_STATUS[error.code]).json({ error: error.toBody(), requestId });
}

/** body-parser's own errors, translated into the manager's vocabulary. */
export function bodyParserError(err: unknown): LucidError | undefined {
  const type = typeof err === 'object' && err !== null ? (err as { type?: unknown }).type : undefined;
  if (type === 'entity.parse.failed') return new LucidError('VALIDATION_FAILED', 'malformed JSON body');
  if (type === 'entity.too.large') return new LucidError('PAYLOAD_TOO_LARGE', 'JSON body larger than 64 KiB');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new LucidError('VALIDATION_FAILED', 'unsupported body encoding');
  }
  return undefined;
}
