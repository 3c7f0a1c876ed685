import type { ErrorBody, ErrorCode } from '../../shared/errors.js';

/** The page's own codes, for what happens before the manager can answer. */
export type ClientErrorCode = ErrorCode | 'CONNECTION_LOST';

/**
 * A failed call as the REST client reports it: the code leads the message, as it does for an error
 * from the preload, so the page reads both the same way (`errorOf`).
 */
export class ClientError extends Error {
  constructor(
    readonly code: ClientErrorCode,
    readonly detail: string,
  ) {
    super(`[${code}] ${detail}`);
    this.name = 'ClientError';
  }

  static of(body: ErrorBody): ClientError {
    return new ClientError(body.code, body.message);
  }
}

const LEADING_CODE = /^\[([A-Z_]+)\] ([\s\S]*)$/;

/** Code and message of anything a call rejected with (an Error across contextBridge keeps only its message). */
export function errorOf(err: unknown): { code: string; message: string } {
  const text = err instanceof Error ? err.message : String(err);
  const match = LEADING_CODE.exec(text);
  return match ? { code: match[1] as string, message: match[2] as string } : { code: 'INTERNAL', message: text };
}
