import { z } from 'zod';

/**
 * Every failure the manager reports carries one of these codes. They are part of the public API:
 * clients branch on them, so a code is never renamed or reused for another meaning.
 */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  /** A field the operation does not declare, or (REST) one sent in another part than declared. */
  'UNKNOWN_INPUT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'CONTAINER_NOT_FOUND',
  'GROUP_NOT_FOUND',
  'PROJECT_NOT_FOUND',
  /** A `host` that names no configured host. */
  'HOST_NOT_FOUND',
  'SERVICE_NOT_FOUND',
  'NODE_NOT_FOUND',
  /** A stack name with no service of that stack on the host's swarm. */
  'STACK_NOT_FOUND',
  /** A cluster operation sent to a host whose engine is a swarm worker or in no swarm. */
  'NOT_SWARM_MANAGER',
  /** The service's mode, history or state does not allow it: scaling a global service, rolling back a service never updated, Docker's 409 on a service. */
  'SERVICE_CONFLICT',
  'ROUTE_NOT_FOUND',
  'CONTAINER_NOT_RUNNING',
  'SELF_PROTECTED',
  'CONTAINER_CONFLICT',
  'OPERATION_IN_PROGRESS',
  'RATE_LIMITED',
  'TOO_MANY_STREAMS',
  /** Log reads in flight hold as much as the process allows them together (LOG_READS_MAX_BYTES). */
  'LOG_READS_BUSY',
  'DOCKER_ERROR',
  'COMPOSE_FAILED',
  'DOCKER_UNAVAILABLE',
  'COMPOSE_UNAVAILABLE',
  'SHUTTING_DOWN',
  'DOCKER_TIMEOUT',
  'COMPOSE_TIMEOUT',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const errorBodySchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  details: z.unknown().optional(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** The one error type of the manager; transports translate `code`, never the class. */
export class LucidError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  /** `cause` is for the manager's own log (e.g. the daemon's message); it never reaches a client. */
  constructor(code: ErrorCode, message: string, details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LucidError';
    this.code = code;
    this.details = details;
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isLucidError(value: unknown): value is LucidError {
  return value instanceof LucidError;
}
