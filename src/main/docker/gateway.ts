import type Docker from 'dockerode';
import { LucidError } from '../../shared/errors.js';
import { sleep } from '../system/sleep.js';
import { isConnectionError, isNeverSent, toLucidError, type ErrorContext } from './errors.js';
import { failOnTruncation } from './truncated-answers.js';

export interface CallOptions extends ErrorContext {
  /** Reads are retried on any connection error; control calls only when the request never left. */
  idempotent: boolean;
  /** Extra time on top of the default, e.g. the grace period of a stop. */
  extraMs?: number;
}

/** How a call ended, as a bounded label value for metrics. */
export type CallResult = 'success' | 'not_found' | 'timeout' | 'unavailable' | 'error' | 'circuit_open';

/** Who watches every call: the metrics. */
export interface CallObserver {
  observe(operation: string, result: CallResult, seconds: number): void;
}

/**
 * The daemon's health as the gateway needs it: whether to fail fast, and where to report a
 * connection that broke so the state is rechecked at once instead of at the next tick.
 */
export interface CircuitBreaker {
  isOpen(): boolean;
  suspect(): void;
  /** Calls `listener` each time a probe finds the daemon down; returns the unsubscribe. */
  onOpen(listener: () => void): () => void;
}

export interface GatewayOptions {
  timeoutMs: number;
  /**
   * A call still unanswered after this long asks the breaker for a probe at once, so a hung
   * daemon is found out within about this plus the breaker's quick probe, not at the deadline.
   */
  suspectAfterMs?: number;
  breaker?: CircuitBreaker;
  observer?: CallObserver;
}

const RETRIES = 2;
const SUSPECT_AFTER_MS = 1000;
const BACKOFF_MS = 100;

function resultOf(error: LucidError): CallResult {
  if (error.code === 'DOCKER_TIMEOUT') return 'timeout';
  if (error.code === 'DOCKER_UNAVAILABLE') return 'unavailable';
  if (error.code.endsWith('_NOT_FOUND')) return 'not_found';
  return 'error';
}

/**
 * Settles when `pending` does or when `signal` aborts, whichever comes first. docker-modem can
 * leave a promise pending forever when the daemon closes a response halfway; the deadline must
 * hold even then.
 */
function withDeadline<T>(pending: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

export const UNAVAILABLE_MESSAGE = 'Docker daemon is not reachable';

/**
 * The single way the manager talks to Docker: every call gets a deadline, a bounded retry where
 * that is safe, one error vocabulary, a metric, and fails fast while the daemon is known down.
 */
export class DockerGateway {
  readonly timeoutMs: number;
  private readonly suspectAfterMs: number;
  private readonly breaker: CircuitBreaker | undefined;
  private readonly observer: CallObserver | undefined;

  constructor(
    readonly docker: Docker,
    options: GatewayOptions,
  ) {
    this.timeoutMs = options.timeoutMs;
    this.suspectAfterMs = options.suspectAfterMs ?? SUSPECT_AFTER_MS;
    this.breaker = options.breaker;
    this.observer = options.observer;
  }

  /** `operation` names the call in metrics: a fixed word per call site, never an id. */
  async call<T>(operation: string, fn: (signal: AbortSignal) => Promise<T>, options: CallOptions): Promise<T> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    if (this.breaker?.isOpen()) {
      this.observer?.observe(operation, 'circuit_open', seconds());
      throw new LucidError('DOCKER_UNAVAILABLE', UNAVAILABLE_MESSAGE);
    }
    try {
      const value = await this.attempt(fn, this.timeoutMs + (options.extraMs ?? 0), options);
      this.observer?.observe(operation, 'success', seconds());
      return value;
    } catch (err) {
      const error = err instanceof LucidError ? err : new LucidError('INTERNAL', 'internal error');
      this.observer?.observe(operation, resultOf(error), seconds());
      throw err;
    }
  }

  /** A health probe: no retry (the next probe is the retry) and never refused by the breaker. */
  async probe<T>(operation: string, fn: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T> {
    const started = performance.now();
    try {
      const value = await withDeadline(failOnTruncation(() => fn(signal)), signal);
      this.observer?.observe(operation, 'success', (performance.now() - started) / 1000);
      return value;
    } catch (err) {
      const error = toLucidError(err, signal.aborted);
      this.observer?.observe(operation, resultOf(error), (performance.now() - started) / 1000);
      throw error;
    }
  }

  /**
   * A read still waiting when the breaker opens is answered DOCKER_UNAVAILABLE at once: it can be
   * asked again. A control call is left to its deadline: it may already have been acted upon,
   * and "unavailable" would wrongly tell the caller it was not, where the timeout says "unknown".
   */
  private async attempt<T>(fn: (signal: AbortSignal) => Promise<T>, deadlineMs: number, options: CallOptions): Promise<T> {
    const breakerOpened = new AbortController();
    const signal = AbortSignal.any([AbortSignal.timeout(deadlineMs), breakerOpened.signal]);
    const unsubscribe = options.idempotent
      ? this.breaker?.onOpen(() => breakerOpened.abort(new LucidError('DOCKER_UNAVAILABLE', UNAVAILABLE_MESSAGE)))
      : undefined;
    const suspicion = setTimeout(() => this.breaker?.suspect(), this.suspectAfterMs);
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          return await withDeadline(failOnTruncation(() => fn(signal)), signal);
        } catch (err) {
          if (breakerOpened.signal.aborted) throw breakerOpened.signal.reason;
          if (isConnectionError(err)) this.breaker?.suspect();
          const retryable = options.idempotent ? isConnectionError(err) : isNeverSent(err);
          if (!retryable || attempt >= RETRIES || signal.aborted) {
            throw toLucidError(err, signal.aborted, options);
          }
          await sleep(BACKOFF_MS * 2 ** attempt * (0.5 + Math.random()));
          if (this.breaker?.isOpen()) throw new LucidError('DOCKER_UNAVAILABLE', UNAVAILABLE_MESSAGE);
        }
      }
    } finally {
      clearTimeout(suspicion);
      unsubscribe?.();
    }
  }

  /**
   * Opens a long-lived stream (followed logs, live stats, events). Only the opening has a
   * deadline, a metric and the breaker's fast failure; afterwards the stream lives until
   * `signal` aborts, which also closes the connection to the daemon. (docker-modem's own
   * `timeout` would kill a quiet stream, so it is never set.)
   */
  async openStream<T extends NodeJS.ReadableStream>(
    operation: string,
    fn: (signal: AbortSignal) => Promise<T>,
    options: ErrorContext & { signal: AbortSignal },
  ): Promise<T> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    if (this.breaker?.isOpen()) {
      this.observer?.observe(operation, 'circuit_open', seconds());
      throw new LucidError('DOCKER_UNAVAILABLE', UNAVAILABLE_MESSAGE);
    }
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
      this.observer?.observe(operation, 'success', seconds());
      return stream;
    } catch (err) {
      options.signal.removeEventListener('abort', cancel);
      if (isConnectionError(err)) this.breaker?.suspect();
      const error = toLucidError(err, timedOut, options);
      this.observer?.observe(operation, resultOf(error), seconds());
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}

function destroy(stream: NodeJS.ReadableStream): void {
  (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
}
