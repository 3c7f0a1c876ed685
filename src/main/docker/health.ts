import { z } from 'zod';
import { LucidError } from '../../shared/errors.js';
import type { Logger } from '../system/logging.js';
import { parseAnswer } from './answers.js';
import { isSupportedApi } from './api-version.js';
import type { CircuitBreaker, DockerGateway } from './gateway.js';
import { LoopTimeDeadline } from './loop-deadline.js';

export interface DockerStatus {
  /** The latest probe succeeded. */
  reachable: boolean;
  /** At least one probe has finished since start. */
  checked: boolean;
  serverVersion: string | null;
  apiVersion: string | null;
  minApiVersion: string | null;
  /** The daemon's API is one the manager supports (1.41 or newer); false while unknown. */
  compatible: boolean;
  latencyMs: number | null;
  lastError: string | undefined;
}

export interface HealthTiming {
  /** Time between probes while the daemon answers. */
  intervalMs: number;
  /** Deadline of each probe request. */
  timeoutMs: number;
  /**
   * Deadline of a probe asked for by a call that has itself waited without an answer: a ping
   * answers in milliseconds, so together they tell a hung daemon within the 2 s readiness promises.
   */
  suspectTimeoutMs: number;
  /** Delays between probes while it does not: quick at first (a blip), then every intervalMs. */
  backoffMs: readonly number[];
  /** Versions are re-read at least this often, besides after every outage. */
  versionMaxAgeMs: number;
}

export const DEFAULT_TIMING: HealthTiming = {
  intervalMs: 2000,
  timeoutMs: 2000,
  suspectTimeoutMs: 1000,
  backoffMs: [250, 500, 1000, 2000],
  versionMaxAgeMs: 60_000,
};

/** A broken call asks for a probe at once, but never more often than this. */
const MIN_PROBE_GAP_MS = 250;

const versionAnswerSchema = z.object({
  Version: z.string(),
  ApiVersion: z.string(),
  MinAPIVersion: z.string().optional(),
});

/** dockerode passes `abortSignal` on for ping and version, though its typings list no options. */
interface SignalledSystemCalls {
  ping(options: { abortSignal: AbortSignal }): Promise<unknown>;
  version(options: { abortSignal: AbortSignal }): Promise<unknown>;
}

const INITIAL: DockerStatus = {
  reachable: false,
  checked: false,
  serverVersion: null,
  apiVersion: null,
  minApiVersion: null,
  compatible: false,
  latencyMs: null,
  lastError: undefined,
};

/**
 * Knows whether the Docker daemon answers, by probing it in the background: every 2 s while it
 * is up, with a short backoff while it is down. It is also the gateway's circuit breaker: while
 * the latest probe failed, calls fail fast with DOCKER_UNAVAILABLE instead of piling up.
 */
export class DockerHealth implements CircuitBreaker {
  private current: DockerStatus = INITIAL;
  private failures = 0;
  private versionReadAt = 0;
  private lastProbeEnd = 0;
  private inFlight: Promise<DockerStatus> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private nextAt = Number.POSITIVE_INFINITY;
  private running = false;
  private quickNext = false;
  private tighten: ((deadlineMs: number) => void) | undefined;
  private readonly openListeners = new Set<() => void>();
  private readonly changeListeners = new Set<(reachable: boolean) => void>();

  constructor(
    private readonly gateway: DockerGateway,
    private readonly logger?: Pick<Logger, 'warn' | 'info'>,
    private readonly timing: HealthTiming = DEFAULT_TIMING,
  ) {}

  private get system(): SignalledSystemCalls {
    return this.gateway.docker as unknown as SignalledSystemCalls;
  }

  get status(): DockerStatus {
    return this.current;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops the background probes; a probe in flight finishes on its own deadline. */
  async close(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  isOpen(): boolean {
    return this.current.checked && !this.current.reachable;
  }

  onOpen(listener: () => void): () => void {
    this.openListeners.add(listener);
    return () => this.openListeners.delete(listener);
  }

  /** Calls `listener` when the daemon goes from answering to not answering (false) or back (true). */
  onReachabilityChange(listener: (reachable: boolean) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** A call went wrong or waits too long: probe now, and only briefly, or cut the probe in flight short. */
  suspect(): void {
    if (this.inFlight) {
      this.tighten?.(this.timing.suspectTimeoutMs);
      return;
    }
    this.quickNext = true;
    this.schedule(Math.max(0, this.lastProbeEnd + MIN_PROBE_GAP_MS - Date.now()));
  }

  /** Probes now (or joins the probe in flight) and returns the fresh status. */
  check(): Promise<DockerStatus> {
    this.inFlight ??= this.probe().finally(() => {
      this.inFlight = undefined;
      this.lastProbeEnd = Date.now();
    });
    return this.inFlight;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    const at = Date.now() + delayMs;
    if (this.timer !== undefined && at >= this.nextAt) return;
    clearTimeout(this.timer);
    this.nextAt = at;
    this.timer = setTimeout(() => void this.tick(), delayMs);
    // Background probes must never keep a process (a test, a CLI) alive on their own.
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    this.nextAt = Number.POSITIVE_INFINITY;
    await this.check();
    const { backoffMs, intervalMs } = this.timing;
    const delay = this.failures === 0 ? intervalMs : (backoffMs[Math.min(this.failures, backoffMs.length) - 1] ?? intervalMs);
    this.schedule(delay);
  }

  private async probe(): Promise<DockerStatus> {
    const timeoutMs = this.quickNext ? this.timing.suspectTimeoutMs : this.timing.timeoutMs;
    this.quickNext = false;
    const controller = new AbortController();
    // Timed in loop time: a stall of the manager's own event loop must not pass for a slow daemon.
    const deadline = new LoopTimeDeadline(timeoutMs, () => controller.abort());
    this.tighten = (ms) => deadline.tighten(ms);
    const started = performance.now();
    const wasReachable = this.current.reachable;
    const wasChecked = this.current.checked;
    try {
      const { signal } = controller;
      const answer = await this.gateway.probe('ping', (s) => this.system.ping({ abortSignal: s }), signal);
      if (String(answer).trim() !== 'OK') throw new LucidError('DOCKER_ERROR', 'unexpected answer from Docker');
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      let versions = this.current;
      if (!wasReachable || Date.now() - this.versionReadAt > this.timing.versionMaxAgeMs) {
        versions = await this.readVersion(signal);
      }
      this.failures = 0;
      this.current = { ...versions, reachable: true, checked: true, latencyMs, lastError: undefined };
      if (!wasReachable) this.logger?.info(`Docker daemon reachable (API ${this.current.apiVersion ?? '?'})`);
    } catch (err) {
      this.failures++;
      const message = err instanceof LucidError ? err.message : 'unexpected answer from Docker';
      this.current = { ...this.current, reachable: false, checked: true, latencyMs: null, lastError: message };
      if (this.failures === 1) this.logger?.warn(`Docker daemon unavailable: ${message}`);
      for (const listener of [...this.openListeners]) listener();
    } finally {
      deadline.cancel();
      this.tighten = undefined;
      if (this.current.reachable !== wasReachable || (!wasChecked && !this.current.reachable)) {
        for (const listener of [...this.changeListeners]) listener(this.current.reachable);
      }
    }
    return this.current;
  }

  private async readVersion(signal: AbortSignal): Promise<DockerStatus> {
    const raw = await this.gateway.probe('version', (s) => this.system.version({ abortSignal: s }), signal);
    const answer = parseAnswer(versionAnswerSchema, raw);
    this.versionReadAt = Date.now();
    return {
      ...this.current,
      serverVersion: answer.Version,
      apiVersion: answer.ApiVersion,
      minApiVersion: answer.MinAPIVersion ?? null,
      compatible: isSupportedApi(answer.ApiVersion),
    };
  }
}
