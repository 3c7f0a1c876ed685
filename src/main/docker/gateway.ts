import type Docker from 'dockerode';
import { isConnectionError, isNeverSent, toLucidError, type ErrorContext } from './errors.js';

export interface CallOptions extends ErrorContext {
  /** Reads are retried on any connection error; control calls only when the request never left. */
  idempotent: boolean;
  /** Extra time on top of the default, e.g. the grace period of a stop. */
  extraMs?: number;
}

const RETRIES = 2;
const BACKOFF_MS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The single way the manager talks to Docker: every call gets a deadline, a bounded retry where
 * that is safe, and one error vocabulary.
 */
export class DockerGateway {
  constructor(
    readonly docker: Docker,
    private readonly timeoutMs: number,
  ) {}

  async call<T>(fn: (signal: AbortSignal) => Promise<T>, options: CallOptions): Promise<T> {
    const signal = AbortSignal.timeout(this.timeoutMs + (options.extraMs ?? 0));
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(signal);
      } catch (err) {
        const retryable = options.idempotent ? isConnectionError(err) : isNeverSent(err);
        if (!retryable || attempt >= RETRIES || signal.aborted) {
          throw toLucidError(err, signal.aborted, options);
        }
        await sleep(BACKOFF_MS * 2 ** attempt * (0.5 + Math.random()));
      }
    }
  }
}
