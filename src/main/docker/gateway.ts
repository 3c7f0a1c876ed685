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

  /**
   * Opens a long-lived stream (followed logs, live stats, events). Only the opening has a
   * deadline; afterwards the stream lives until `signal` aborts, which also closes the
   * connection to the daemon. (docker-modem's own `timeout` would kill a quiet stream, so it is
   * never set.)
   */
  async openStream<T extends NodeJS.ReadableStream>(
    fn: (signal: AbortSignal) => Promise<T>,
    options: ErrorContext & { signal: AbortSignal },
  ): Promise<T> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    const cancel = () => controller.abort();
    options.signal.addEventListener('abort', cancel, { once: true });
    try {
      const stream = await fn(controller.signal);
      if (controller.signal.aborted) throw new Error('aborted while opening');
      controller.signal.addEventListener('abort', () => destroy(stream), { once: true });
      return stream;
    } catch (err) {
      options.signal.removeEventListener('abort', cancel);
      throw toLucidError(err, timedOut, options);
    } finally {
      clearTimeout(timer);
    }
  }
}

function destroy(stream: NodeJS.ReadableStream): void {
  (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
}
