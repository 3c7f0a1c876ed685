import { finished } from 'node:stream';
import type { FollowLogsInput, LogLine } from '../../shared/schemas/containers.js';
import type { OperationContext } from '../model/context.js';
import type { DockerGateway } from '../docker/gateway.js';
import { LogDecoder } from '../docker/log-decoder.js';
import { lineBytes, readLogBounded, type LogQuery } from '../docker/log-read.js';
import { timePointSeconds } from '../../shared/schemas/common.js';
import { streamEnd, type StreamEnd } from './stream-end.js';

const NOT_FOUND = { notFound: 'CONTAINER_NOT_FOUND', what: 'container' } as const;

/** Live lines held for one follower while its backlog is read. */
const MAX_EARLY_LINES = 1000;

/**
 * Live lines that arrive while a follower's backlog is read, bounded, the oldest given up first:
 * the daemon's follow stream lags behind its one-off read, so the oldest held lines are the ones
 * the backlog most likely holds already.
 */
class EarlyLines {
  private lines: LogLine[] = [];
  private head = 0;
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  add(line: LogLine): void {
    this.lines.push(line);
    this.bytes += lineBytes(line);
    while ((this.bytes > this.maxBytes || this.lines.length - this.head > MAX_EARLY_LINES) && this.head < this.lines.length) {
      this.bytes -= lineBytes(this.lines[this.head++] as LogLine);
    }
  }

  take(): LogLine[] {
    const held = this.lines.slice(this.head);
    this.lines = [];
    this.head = 0;
    this.bytes = 0;
    return held;
  }
}

type Listener = (line: LogLine) => void;

/**
 * One daemon stream of a container's new log lines (`follow`, `tail=0`, both output streams, with
 * timestamps), shared by every follower of that container. It closes when its last follower
 * leaves, and ends for all when the daemon ends it (the container stopped) or breaks it.
 */
class LiveLogSource {
  private readonly listeners = new Set<Listener>();
  private readonly controller = new AbortController();
  /** Settles once the daemon stream is open; rejects with the opening's error. */
  readonly opened: Promise<void>;
  /** Resolves when the daemon stream ends: undefined for a clean end, else what broke it. */
  readonly done: Promise<unknown>;

  constructor(
    gateway: DockerGateway,
    id: string,
    tty: boolean,
    private readonly onClosed: () => void,
  ) {
    let settle: (broken: unknown) => void = () => {};
    this.done = new Promise((resolve) => (settle = resolve));
    const query = { follow: true as const, stdout: true, stderr: true, tail: 0, timestamps: true };
    this.opened = gateway
      .openStream('containers.logs.follow', (abortSignal) => gateway.docker.getContainer(id).logs({ ...query, abortSignal }), {
        signal: this.controller.signal,
        ...NOT_FOUND,
      })
      .then((stream) => {
        const decoder = new LogDecoder(tty, true);
        stream.on('data', (chunk: Buffer) => this.broadcast(decoder.push(chunk)));
        finished(stream, (err) => {
          this.broadcast(decoder.end());
          onClosed();
          settle(err ?? undefined);
        });
      });
    this.opened.catch((err: unknown) => {
      onClosed();
      settle(err);
    });
  }

  add(listener: Listener): void {
    this.listeners.add(listener);
  }

  /** The last follower gone closes the daemon stream (or cancels its opening). */
  remove(listener: Listener): void {
    this.listeners.delete(listener);
    if (this.listeners.size > 0) return;
    // Out of the table first: a follower arriving now must open a fresh stream, not join this one.
    this.onClosed();
    this.controller.abort();
  }

  private broadcast(lines: LogLine[]): void {
    for (const line of lines) for (const listener of this.listeners) listener(line);
  }
}

/**
 * Docker's RFC 3339 times trim trailing zeros of the fraction, so they do not sort as text;
 * padded to nine digits they do (the daemon writes UTC, `Z`).
 */
export function timeKey(timestamp: string | undefined): string | undefined {
  if (timestamp === undefined) return undefined;
  const match = /^(.{19})(?:\.(\d{1,9}))?Z$/.exec(timestamp);
  return match ? `${match[1]}.${(match[2] ?? '').padEnd(9, '0')}` : timestamp;
}

export interface FollowOptions {
  /** Bytes of backlog (`tail`/`since`) read for one follower at most: what its stream can hold. */
  backlogMaxBytes: number;
}

/**
 * Followed logs, fanned out: followers of one container share one daemon stream, so 2,000
 * followers cost the daemon one connection, not 2,000. Each follower's `tail` and `since` are
 * its own: it joins the shared live stream first (holding live lines, bounded), reads its backlog
 * with a bounded one-off read, then hands over to the live lines newer than the backlog's last
 * (by the daemon's nanosecond timestamps), so nothing is lost or repeated at the seam. Its
 * `stream` and `timestamps` choices are applied to the shared lines.
 */
export class LogFanout {
  private readonly sources = new Map<string, LiveLogSource>();

  constructor(
    private readonly gateway: DockerGateway,
    private readonly options: FollowOptions,
  ) {}

  /** Daemon streams open now (one per followed container). */
  get openSources(): number {
    return this.sources.size;
  }

  async follow(id: string, tty: boolean, input: FollowLogsInput, ctx: OperationContext): Promise<StreamEnd & { lines: number }> {
    const source = this.sourceFor(id, tty);
    const early = new EarlyLines(this.options.backlogMaxBytes);
    let deliverLive: Listener | undefined;
    const listener: Listener = (line) => (deliverLive ? deliverLive(line) : early.add(line));
    source.add(listener);
    let count = 0;
    const deliver = (line: LogLine) => {
      if (input.stream !== 'all' && line.stream !== input.stream) return;
      count++;
      if (input.timestamps) ctx.emit(line);
      else ctx.emit(withoutTimestamp(line));
    };
    try {
      await source.opened;
      ctx.ready();
      let seam: string | undefined;
      if (input.tail > 0) {
        const backlog = await readLogBounded(this.gateway, id, tty, this.backlogQuery(input), this.options.backlogMaxBytes, ctx.signal);
        for (const line of backlog.lines) deliver(line);
        seam = timeKey(backlog.lines.at(-1)?.timestamp);
      }
      // The daemon's follow stream may lag behind its one-off read: until a line newer than the
      // backlog's last arrives, lines the backlog already held are skipped, held or live alike.
      const afterSeam = (line: LogLine) => {
        const key = timeKey(line.timestamp);
        if (seam !== undefined && key !== undefined && key <= seam) return;
        seam = undefined;
        deliver(line);
      };
      for (const line of early.take()) afterSeam(line);
      deliverLive = seam === undefined ? deliver : afterSeam;
      const broken = await Promise.race([source.done, aborted(ctx.signal)]);
      return { ...streamEnd(ctx.signal, broken), lines: count };
    } finally {
      source.remove(listener);
    }
  }

  private sourceFor(id: string, tty: boolean): LiveLogSource {
    const known = this.sources.get(id);
    if (known) return known;
    const source: LiveLogSource = new LiveLogSource(this.gateway, id, tty, () => {
      if (this.sources.get(id) === source) this.sources.delete(id);
    });
    this.sources.set(id, source);
    return source;
  }

  private backlogQuery(input: FollowLogsInput): LogQuery {
    const since = input.since === undefined ? undefined : timePointSeconds(input.since);
    return {
      stdout: input.stream !== 'stderr',
      stderr: input.stream !== 'stdout',
      tail: input.tail,
      timestamps: true,
      ...(since !== undefined ? { since } : {}),
    };
  }
}

function withoutTimestamp(line: LogLine): LogLine {
  if (line.timestamp === undefined) return line;
  const { timestamp: _dropped, ...rest } = line;
  return rest;
}

function aborted(signal: AbortSignal): Promise<undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(undefined);
    else signal.addEventListener('abort', () => resolve(undefined), { once: true });
  });
}
