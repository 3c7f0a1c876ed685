import { finished } from 'node:stream';
import type { FollowLogsInput, LogLine } from '../../shared/schemas/containers.js';
import type { OperationContext } from '../model/context.js';
import type { DockerGateway } from '../docker/gateway.js';
import { LucidError } from '../../shared/errors.js';
import { LogDecoder } from '../docker/log-decoder.js';
import { lineBytes, readLogBounded, type LogQuery } from '../docker/log-read.js';
import type { ReadBudget } from '../docker/read-budget.js';
import { timePointSeconds } from '../../shared/schemas/common.js';
import { streamEnd, type StreamEnd } from './stream-end.js';

const NOT_FOUND = { notFound: 'CONTAINER_NOT_FOUND', what: 'container' } as const;

/** Live lines held for one follower while its backlog is read. */
const MAX_EARLY_LINES = 1000;

/** How long a shared daemon stream stays paused, by default, before it is closed. */
const CLOSE_AFTER_MS = 1000;

/** How often, by default, the container of a closed daemon stream is looked at (has it stopped?). */
const EXIT_CHECK_MS = 2000;

let decodedBytes = 0;
let pausedSources = 0;
let closedSources = 0;

/** Bytes of shared daemon log streams this process has decoded into lines (for tests and diagnostics). */
export function decodedLogBytesInProcess(): number {
  return decodedBytes;
}

/** Shared daemon log streams paused now because none of their followers can take a line. */
export function pausedLogSourcesInProcess(): number {
  return pausedSources;
}

/** Shared daemon log streams closed now, paused too long; each opens again when a follower has room. */
export function closedLogSourcesInProcess(): number {
  return closedSources;
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
    let lost = 0;
    for (const key of this.givenUp) if (seam === undefined || key === undefined || key > seam) lost++;
    const oldestKept = this.givenUp[0];
    if (seam === undefined || oldestKept === undefined || oldestKept > seam) lost += this.givenUpUnkept;
    return lost;
  }

  take(): LogLine[] {
    const held = this.lines.slice(this.head);
    this.lines = [];
    this.head = 0;
    this.bytes = 0;
    this.givenUp = [];
    this.givenUpUnkept = 0;
    return held;
  }
}

type Listener = (line: LogLine) => void;

/** One follower of a shared daemon stream. */
interface Follower {
  take(line: LogLine): void;
  /** True while it cannot take another line: what reaches it now would be dropped. */
  readonly full: boolean;
}

/**
 * Lines a reopened stream asks the daemon for at most, newest last: with a `tail`, Docker reads
 * the log file from its end and then applies `since`; without one it reads the whole file from
 * its start at every reopen, which a caller who reads a little every second could make the
 * daemon do again and again for a log of gigabytes. A follower's queue holds at most 1,000 lines,
 * so of more lines written while the stream was closed it would have kept no more than these.
 */
const REOPEN_TAIL_LINES = 1000;

interface SourceTiming {
  closeAfterMs: number;
  exitCheckMs: number;
}

/**
 * One daemon stream of a container's new log lines (`follow`, both output streams, with
 * timestamps), shared by every follower of that container. It closes when its last follower
 * leaves, and ends for all when the daemon ends it (the container stopped) or breaks it.
 *
 * When every follower is full (none reads), the stream is paused: the socket stops being read and
 * the daemon's writes block, so the manager does not decode lines only to drop them. It resumes
 * when a follower has room again or a new one joins, and what the daemon held back follows. But
 * the daemon does not simply wait: its follow reader goes on filling a buffer of up to 4,096
 * messages per paused stream (64 MiB of 16 KiB lines). So a pause lasts `closeAfterMs` at most;
 * then the daemon stream is closed, and nothing is read or held on either side: the container's
 * log file is the buffer. When a follower has room again (or a new one joins), the stream is
 * opened anew from the daemon time of the last line read (`since`, to the nanosecond; Docker
 * sends lines at that very time too, so lines up to it are dropped here), and followers get what
 * they would have got had it stayed open: lines in order, those reaching a full follower dropped
 * and counted by its stream. While closed, the container is looked at every `exitCheckMs`: once it
 * no longer runs, the stream is opened and read to its end, unpaused, so that the followers get
 * (or are told they lost) its last lines and end as they would have.
 */
class LiveLogSource {
  private readonly followers = new Set<Follower>();
  /** Aborts the daemon stream open now (or being opened), and only it. */
  private connection: AbortController | undefined;
  private stream: NodeJS.ReadableStream | undefined;
  private paused = false;
  /** Closed because no follower could take a line; opened again when one can. */
  private closed = false;
  /** Opened again because the container stopped: read to its end, never paused (it is finite). */
  private draining = false;
  private ended = false;
  /** While paused, the close; while closed, the next look at the container. */
  private timer: NodeJS.Timeout | undefined;
  /** The daemon's time of the last line read, as a timeKey: where a reopened stream takes up. */
  private lastKey: string | undefined;
  private settle: (broken: unknown) => void = () => {};
  /** Settles once the daemon stream is first open; rejects with the opening's error. */
  readonly opened: Promise<void>;
  /** Resolves when the daemon stream ends: undefined for a clean end, else what broke it. */
  readonly done: Promise<unknown>;

  constructor(
    private readonly gateway: DockerGateway,
    private readonly id: string,
    private readonly tty: boolean,
    private readonly timing: SourceTiming,
    private readonly onClosed: () => void,
  ) {
    this.done = new Promise((resolve) => (this.settle = resolve));
    // Should the stream close before any line was read, it takes up from its first opening.
    this.lastKey = timeKey(new Date().toISOString());
    this.opened = this.open(false);
    this.opened.catch((err: unknown) => this.end(err));
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
    this.end(undefined);
    this.connection?.abort();
  }

  /** A follower may take lines again: the daemon stream flows, or is opened again. */
  room(): void {
    if (this.closed) {
      if (this.anyHasRoom()) this.reopen();
      return;
    }
    clearTimeout(this.timer);
    if (!this.paused) return;
    this.setPaused(false);
    this.stream?.resume();
  }

  /** First opened: new lines only. Reopened: the log from the last line read on, that line excluded. */
  private open(again: boolean): Promise<void> {
    const connection = new AbortController();
    this.connection = connection;
    const seam = again ? this.lastKey : undefined;
    const from = seam === undefined ? { tail: 0 } : { since: sinceOf(seam), tail: REOPEN_TAIL_LINES };
    const query = { follow: true as const, stdout: true, stderr: true, timestamps: true, ...from };
    return this.gateway
      .openStream('containers.logs.follow', (abortSignal) => this.gateway.docker.getContainer(this.id).logs({ ...query, abortSignal }), {
        signal: connection.signal,
        ...NOT_FOUND,
      })
      .then((stream) => {
        this.stream = stream;
        const decoder = new LogDecoder(this.tty, true);
        const fresh = newerThan(seam);
        const broadcast = (lines: LogLine[]) => {
          for (const line of lines) {
            if (!fresh(line)) continue;
            this.lastKey = timeKey(line.timestamp) ?? this.lastKey;
            for (const follower of this.followers) follower.take(line);
          }
        };
        stream.on('data', (chunk: Buffer) => {
          decodedBytes += chunk.length;
          broadcast(decoder.push(chunk));
          this.pauseIfNoneTakes();
        });
        finished(stream, (err) => {
          // Closed for want of room, or left by every follower: not an end the followers hear of.
          if (this.ended || connection !== this.connection) return;
          broadcast(decoder.end());
          this.end(err ?? undefined);
        });
      });
  }

  private reopen(): void {
    clearTimeout(this.timer);
    this.setClosed(false);
    this.open(true).catch((err: unknown) => {
      // Removed while closed: its followers end as a removal ends a followed log, cleanly.
      const gone = err instanceof LucidError && err.code === NOT_FOUND.notFound;
      this.end(gone ? undefined : err);
    });
  }

  private pauseIfNoneTakes(): void {
    if (this.paused || this.draining || this.stream === undefined || this.followers.size === 0 || this.anyHasRoom()) return;
    this.setPaused(true);
    this.stream.pause();
    this.timer = setTimeout(() => this.close(), this.timing.closeAfterMs);
    this.timer.unref();
  }

  /** Paused too long: the daemon stream is closed, so the daemon holds nothing for it either. */
  private close(): void {
    if (!this.paused || this.ended) return;
    this.setPaused(false);
    this.setClosed(true);
    const connection = this.connection;
    this.connection = undefined;
    this.stream = undefined;
    connection?.abort();
    this.watchExit();
  }

  /** While closed, no stream tells of the container's end: it is looked at now and then. */
  private watchExit(): void {
    this.timer = setTimeout(() => {
      void this.gateway
        .call('containers.logs.exit', (abortSignal) => this.gateway.docker.getContainer(this.id).inspect({ abortSignal }), {
          ...NOT_FOUND,
          idempotent: true,
        })
        .then(
          (info) => info.State?.Running === true,
          () => false,
        )
        .then((running) => {
          if (!this.closed || this.ended) return;
          // Opened again, the stream of a container that stopped reads its last lines and ends.
          if (running) {
            this.watchExit();
            return;
          }
          this.draining = true;
          this.reopen();
        });
    }, this.timing.exitCheckMs);
    this.timer.unref();
  }

  private end(broken: unknown): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.setPaused(false);
    this.setClosed(false);
    this.onClosed();
    this.settle(broken);
  }

  private anyHasRoom(): boolean {
    for (const follower of this.followers) if (!follower.full) return true;
    return false;
  }

  private setPaused(paused: boolean): void {
    if (paused !== this.paused) pausedSources += paused ? 1 : -1;
    this.paused = paused;
  }

  private setClosed(closed: boolean): void {
    if (closed !== this.closed) closedSources += closed ? 1 : -1;
    this.closed = closed;
  }
}

/**
 * Passes lines newer than `seam` (a timeKey), then every line once one newer has passed: the
 * daemon sends a log in time order. Lines without a time always pass.
 */
function newerThan(seam: string | undefined): (line: LogLine) => boolean {
  let until = seam;
  return (line) => {
    const key = timeKey(line.timestamp);
    if (until !== undefined && key !== undefined && key <= until) return false;
    until = undefined;
    return true;
  };
}

/** A timeKey as Docker's `since` takes it exactly: `seconds.nanoseconds` since the epoch (UTC). */
export function sinceOf(key: string): string {
  return `${Date.parse(`${key.slice(0, 19)}Z`) / 1000}.${key.slice(20)}`;
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
  /** How long a daemon stream no follower can take from stays paused before it is closed (default 1 s). */
  closeAfterMs?: number | undefined;
  /** How often the container of a closed daemon stream is looked at (default 2 s): a stopped one ends its followers. */
  exitCheckMs?: number | undefined;
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
  private readonly timing: SourceTiming;

  constructor(
    private readonly gateway: DockerGateway,
    private readonly options: FollowOptions,
  ) {
    this.timing = { closeAfterMs: options.closeAfterMs ?? CLOSE_AFTER_MS, exitCheckMs: options.exitCheckMs ?? EXIT_CHECK_MS };
  }

  /** Shared daemon streams now (one per followed container), open or closed for want of room. */
  get openSources(): number {
    return this.sources.size;
  }

  async follow(id: string, tty: boolean, input: FollowLogsInput, ctx: OperationContext): Promise<StreamEnd & { lines: number }> {
    const source = this.sourceFor(id, tty);
    const early = new EarlyLines(this.options.backlogMaxBytes);
    let deliverLive: Listener | undefined;
    const follower: Follower = {
      take: (line) => (deliverLive ? deliverLive(line) : early.add(line)),
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
      const fresh = newerThan(seam);
      const afterSeam = (line: LogLine) => {
        if (fresh(line)) deliver(line);
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
    const source: LiveLogSource = new LiveLogSource(this.gateway, id, tty, this.timing, () => {
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
