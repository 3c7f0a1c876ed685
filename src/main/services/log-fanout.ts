import { finished } from 'node:stream';
import type { FollowLogsInput, LogLine } from '../../shared/schemas/containers.js';
import type { OperationContext } from '../model/context.js';
import type { DockerGateway } from '../docker/gateway.js';
import { LogDecoder, type SkippedLines } from '../docker/log-decoder.js';
import { lineBytes, readLogBounded, type LogQuery } from '../docker/log-read.js';
import type { ReadBudget } from '../docker/read-budget.js';
import { timePointSeconds } from '../../shared/schemas/common.js';
import { streamEnd, type StreamEnd } from './stream-end.js';

const NOT_FOUND = { notFound: 'CONTAINER_NOT_FOUND', what: 'container' } as const;

/** Live lines held for one follower while its backlog is read. */
const MAX_EARLY_LINES = 1000;

/** How long a shared daemon stream stays paused, by default, before it is read on, skipped. */
const SKIP_AFTER_MS = 1000;

let decodedBytes = 0;
let pausedSources = 0;

/** Bytes of shared daemon log streams this process has decoded into lines (for tests and diagnostics). */
export function decodedLogBytesInProcess(): number {
  return decodedBytes;
}

/** Shared daemon log streams paused now because none of their followers can take a line. */
export function pausedLogSourcesInProcess(): number {
  return pausedSources;
}

/**
 * Live lines that arrive while a follower's backlog is read, bounded, the oldest given up first:
 * the daemon's follow stream lags behind its one-off read, so the oldest held lines are the ones
 * the backlog most likely holds already. The times of the newest lines given up are kept (at most
 * MAX_EARLY_LINES to 2 × MAX_EARLY_LINES of them) to count, once the backlog is read, those it
 * lacks: they are lost, and the follower is told.
 */
class EarlyLines {
  private lines: LogLine[] = [];
  private head = 0;
  private bytes = 0;
  private givenUp: (string | undefined)[] = [];
  /** Lines passed over undecoded while every follower was full: never seen, so counted as lost. */
  private unseen = 0;
  /** Lines given up whose times are no longer kept: older than every kept one. */
  private givenUpUnkept = 0;

  constructor(private readonly maxBytes: number) {}

  /** At its bound: the next line costs an older one. */
  get full(): boolean {
    return this.bytes >= this.maxBytes || this.lines.length - this.head >= MAX_EARLY_LINES;
  }

  add(line: LogLine): void {
    this.lines.push(line);
    this.bytes += lineBytes(line);
    while ((this.bytes > this.maxBytes || this.lines.length - this.head > MAX_EARLY_LINES) && this.head < this.lines.length) {
      const oldest = this.lines[this.head++] as LogLine;
      this.bytes -= lineBytes(oldest);
      this.givenUp.push(timeKey(oldest.timestamp));
      if (this.givenUp.length >= 2 * MAX_EARLY_LINES) {
        this.givenUp = this.givenUp.slice(MAX_EARLY_LINES);
        this.givenUpUnkept += MAX_EARLY_LINES;
      }
    }
  }

  /**
   * Lines given up that the backlog ending at `seam` did not hold: newer than it, or all of them
   * without a backlog. Times are in order, so once the oldest kept time is past the seam, the
   * lines whose times were not kept count too (at most that many were lost).
   */
  lostAfter(seam: string | undefined): number {
    let lost = this.unseen;
    for (const key of this.givenUp) if (seam === undefined || key === undefined || key > seam) lost++;
    const oldestKept = this.givenUp[0];
    if (seam === undefined || oldestKept === undefined || oldestKept > seam) lost += this.givenUpUnkept;
    return lost;
  }

  /** `count` lines went by undecoded (see LiveLogSource): they count as lost. */
  skipped(count: number): void {
    this.unseen += count;
  }

  take(): LogLine[] {
    const held = this.lines.slice(this.head);
    this.lines = [];
    this.head = 0;
    this.bytes = 0;
    this.givenUp = [];
    this.givenUpUnkept = 0;
    this.unseen = 0;
    return held;
  }
}

type Listener = (line: LogLine) => void;

/** One follower of a shared daemon stream. */
interface Follower {
  take(line: LogLine): void;
  /** Lines went by undecoded because every follower was full. */
  skipped(lines: SkippedLines): void;
  /** True while it cannot take another line: what reaches it now would be dropped. */
  readonly full: boolean;
}

/**
 * One daemon stream of a container's new log lines (`follow`, `tail=0`, both output streams, with
 * timestamps), shared by every follower of that container. It closes when its last follower
 * leaves, and ends for all when the daemon ends it (the container stopped) or breaks it.
 *
 * When every follower is full (none reads), the stream is paused: the socket stops being read and
 * the daemon's writes block, so the manager does not decode lines only to drop them. It resumes
 * when a follower has room again or a new one joins, and what the daemon held back follows,
 * nothing skipped. But the daemon does not simply wait: its follow reader goes on filling a
 * buffer of up to 4,096 messages per paused stream (64 MiB of 16 KiB lines). So a pause lasts
 * `skipAfterMs` at most; then the stream is read on but not decoded, its frames only counted
 * (LogDecoder.skip), and each follower is told how many lines it missed, until one has room.
 */
class LiveLogSource {
  private readonly followers = new Set<Follower>();
  private readonly controller = new AbortController();
  private stream: NodeJS.ReadableStream | undefined;
  private paused = false;
  /** Read on while every follower is full, counting the lines instead of decoding them. */
  private skipping = false;
  private skipTimer: NodeJS.Timeout | undefined;
  /** Settles once the daemon stream is open; rejects with the opening's error. */
  readonly opened: Promise<void>;
  /** Resolves when the daemon stream ends: undefined for a clean end, else what broke it. */
  readonly done: Promise<unknown>;

  constructor(
    gateway: DockerGateway,
    id: string,
    tty: boolean,
    private readonly skipAfterMs: number,
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
        this.stream = stream;
        const decoder = new LogDecoder(tty, true);
        stream.on('data', (chunk: Buffer) => {
          if (this.skipping) {
            const skipped = decoder.skip(chunk);
            for (const follower of this.followers) follower.skipped(skipped);
            return;
          }
          decodedBytes += chunk.length;
          this.broadcast(decoder.push(chunk));
          this.pauseIfNoneTakes();
        });
        finished(stream, (err) => {
          this.broadcast(decoder.end());
          this.setPaused(false);
          clearTimeout(this.skipTimer);
          onClosed();
          settle(err ?? undefined);
        });
      });
    this.opened.catch((err: unknown) => {
      onClosed();
      settle(err);
    });
  }

  add(follower: Follower): void {
    this.followers.add(follower);
    this.room();
  }

  /** The last follower gone closes the daemon stream (or cancels its opening). */
  remove(follower: Follower): void {
    this.followers.delete(follower);
    if (this.followers.size > 0) {
      this.pauseIfNoneTakes();
      return;
    }
    // Out of the table first: a follower arriving now must open a fresh stream, not join this one.
    this.onClosed();
    this.setPaused(false);
    clearTimeout(this.skipTimer);
    this.controller.abort();
  }

  /** A follower may take lines again: the daemon stream flows. */
  room(): void {
    clearTimeout(this.skipTimer);
    this.skipping = false;
    if (!this.paused) return;
    this.setPaused(false);
    this.stream?.resume();
  }

  private pauseIfNoneTakes(): void {
    if (this.paused || this.stream === undefined || this.followers.size === 0) return;
    for (const follower of this.followers) if (!follower.full) return;
    this.setPaused(true);
    this.stream.pause();
    this.skipTimer = setTimeout(() => {
      if (!this.paused) return;
      this.skipping = true;
      this.setPaused(false);
      this.stream?.resume();
    }, this.skipAfterMs);
    this.skipTimer.unref();
  }

  private setPaused(paused: boolean): void {
    if (paused !== this.paused) pausedSources += paused ? 1 : -1;
    this.paused = paused;
  }

  private broadcast(lines: LogLine[]): void {
    for (const line of lines) for (const follower of this.followers) follower.take(line);
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
  /** What all log reads in flight may hold together; backlog reads take from it too. */
  readBudget?: ReadBudget | undefined;
  /** How long a daemon stream no follower can take from stays paused before it is skipped (default 1 s). */
  skipAfterMs?: number | undefined;
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
    const follower: Follower = {
      take: (line) => (deliverLive ? deliverLive(line) : early.add(line)),
      skipped: (lines) => {
        const missed = input.stream === 'all' ? lines.stdout + lines.stderr : lines[input.stream];
        if (deliverLive) ctx.lost(missed);
        else early.skipped(missed);
      },
      // While its backlog is read, a follower is full when holding more would cost held lines.
      get full() {
        return deliverLive ? ctx.streamFull : early.full;
      },
    };
    source.add(follower);
    let stopRoom = () => {};
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
      stopRoom = ctx.onStreamRoom(() => source.room());
      let seam: string | undefined;
      let lost = 0;
      if (input.tail > 0) {
        const backlog = await readLogBounded(
          this.gateway,
          id,
          tty,
          this.backlogQuery(input),
          this.options.backlogMaxBytes,
          ctx.signal,
          this.options.readBudget,
        );
        for (const line of backlog.lines) deliver(line);
        seam = timeKey(backlog.lines.at(-1)?.timestamp);
        lost = early.lostAfter(seam);
      }
      // The daemon's follow stream may lag behind its one-off read: until a line newer than the
      // backlog's last arrives, lines the backlog already held are skipped, held or live alike.
      const afterSeam = (line: LogLine) => {
        const key = timeKey(line.timestamp);
        if (seam !== undefined && key !== undefined && key <= seam) return;
        seam = undefined;
        deliver(line);
      };
      // Held lines given up while the backlog was read, and newer than it, are a gap: said here.
      ctx.lost(lost);
      for (const line of early.take()) afterSeam(line);
      deliverLive = seam === undefined ? deliver : afterSeam;
      // Now live: the stream flows again if this follower has room (it may have paused it).
      source.room();
      const broken = await Promise.race([source.done, aborted(ctx.signal)]);
      return { ...streamEnd(ctx.signal, broken), lines: count };
    } finally {
      stopRoom();
      source.remove(follower);
    }
  }

  private sourceFor(id: string, tty: boolean): LiveLogSource {
    const known = this.sources.get(id);
    if (known) return known;
    const source: LiveLogSource = new LiveLogSource(this.gateway, id, tty, this.options.skipAfterMs ?? SKIP_AFTER_MS, () => {
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
