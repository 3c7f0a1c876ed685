import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import type { DockerGateway } from '../../src/main/docker/gateway.js';
import { readLogBounded } from '../../src/main/docker/log-read.js';
import { ReadBudget } from '../../src/main/docker/read-budget.js';
import { OperationContext, type StreamFlow } from '../../src/main/model/context.js';
import { closedLogSourcesInProcess, decodedLogBytesInProcess, LogFanout, pausedLogSourcesInProcess } from '../../src/main/services/log-fanout.js';
import { LucidError } from '../../src/shared/errors.js';
import type { FollowLogsInput } from '../../src/shared/schemas/containers.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** One multiplexed stdout frame of a log with timestamps: `n` is the line's second and its text. */
function frame(n: number): Buffer {
  const body = Buffer.from(`2026-01-01T00:00:${String(n).padStart(2, '0')}.5Z line-${n}\n`);
  const header = Buffer.alloc(8);
  header[0] = 1;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/**
 * A gateway whose daemon streams are PassThroughs the test writes: each follow stream opened
 * (with the query it was opened with; aborting its signal destroys it, as the real gateway does),
 * and one per one-off read. `running` is what an inspect of the container says.
 */
function fakeGateway() {
  const follows: { stream: PassThrough; query: Record<string, unknown> }[] = [];
  const reads: PassThrough[] = [];
  const state = { running: true };
  const container = {
    logs: async (query: Record<string, unknown>) => {
      const stream = new PassThrough();
      follows.push({ stream, query });
      return stream;
    },
    inspect: async () => ({ State: { Running: state.running } }),
  };
  const gateway = {
    timeoutMs: 10_000,
    docker: { getContainer: () => container },
    call: (_operation: string, fn: (signal: AbortSignal) => Promise<unknown>) => fn(new AbortController().signal),
    openStream: async (operation: string, fn: (signal: AbortSignal) => Promise<PassThrough>, options: { signal: AbortSignal }) => {
      if (operation === 'containers.logs.follow') {
        const stream = await fn(options.signal);
        options.signal.addEventListener('abort', () => stream.destroy(), { once: true });
        return stream;
      }
      const read = new PassThrough();
      reads.push(read);
      return read;
    },
  } as unknown as DockerGateway;
  /** The follow stream opened last. */
  const live = () => (follows.at(-1) as (typeof follows)[number]).stream;
  return { gateway, live, follows, reads, state };
}

type Seen = { line: string } | { lost: number };

/**
 * A follower's context over a flow the test controls: whether it is full, and its room. With
 * `drops`, it behaves as a bounded stream does: a line reaching it while full is dropped, and the
 * count is told before the next line it takes.
 */
function follower(full = false, drops = false) {
  const seen: Seen[] = [];
  let dropped = 0;
  const room = new Set<() => void>();
  const state = { full };
  const flow: StreamFlow = {
    full: () => state.full,
    onRoom: (listener) => {
      room.add(listener);
      return () => room.delete(listener);
    },
    lost: (count) => seen.push({ lost: count }),
  };
  const aborter = new AbortController();
  const ctx = new OperationContext({ sub: 't', role: 'user' }, {
    signal: aborter.signal,
    onEvent: (event) => {
      if (drops && state.full) {
        dropped++;
        return;
      }
      if (dropped > 0) seen.push({ lost: dropped });
      dropped = 0;
      seen.push({ line: (event as { text: string }).text });
    },
    flow,
  });
  const hasRoom = () => {
    state.full = false;
    for (const listener of [...room]) listener();
  };
  return { ctx, seen, state, hasRoom, stop: () => aborter.abort() };
}

const input = (tail: number): FollowLogsInput => ({ id: 'c', tail, stream: 'all', timestamps: false }) as FollowLogsInput;

async function until(check: () => boolean): Promise<void> {
  // A few turns of the loop first; then, for timers (closing, looking at the container), a few seconds.
  for (let i = 0; i < 200 && !check(); i++) await tick();
  for (let i = 0; i < 500 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(check(), 'reached in time');
}

describe('LogFanout backpressure', () => {
  it('pauses the daemon stream while its only follower is full, and resumes it when the follower has room', async () => {
    const { gateway, live } = fakeGateway();
    const fanout = new LogFanout(gateway, { backlogMaxBytes: 64 * 1024 });
    const f = follower();
    const pausedBefore = pausedLogSourcesInProcess();
    const following = fanout.follow('c', false, input(0), f.ctx);
    await tick();
    live().write(frame(1));
    await until(() => f.seen.length === 1);
    f.state.full = true;
    live().write(frame(2));
    await until(() => pausedLogSourcesInProcess() === pausedBefore + 1);
    assert.equal(live().isPaused(), true, 'the daemon stream is no longer read');
    const bytes = decodedLogBytesInProcess();
    for (let n = 3; n < 8; n++) live().write(frame(n));
    for (let i = 0; i < 20; i++) await tick();
    assert.equal(decodedLogBytesInProcess(), bytes, 'nothing more is taken from the daemon, so nothing is decoded');
    f.hasRoom();
    await until(() => f.seen.length === 7);
    assert.deepEqual(
      f.seen.map((s) => ('line' in s ? s.line : s)),
      ['line-1', 'line-2', 'line-3', 'line-4', 'line-5', 'line-6', 'line-7'],
      'what the daemon held back follows, nothing skipped',
    );
    assert.equal(pausedLogSourcesInProcess(), pausedBefore);
    f.stop();
    await following;
  });

  it('keeps reading while any follower has room, and a new follower resumes a paused stream', async () => {
    const { gateway, live } = fakeGateway();
    const fanout = new LogFanout(gateway, { backlogMaxBytes: 64 * 1024 });
    const full = follower(true);
    const reading = follower(false);
    const a = fanout.follow('c', false, input(0), full.ctx);
    const b = fanout.follow('c', false, input(0), reading.ctx);
    await tick();
    live().write(frame(1));
    await until(() => reading.seen.length === 1);
    assert.equal(live().isPaused(), false, 'one follower reads: the stream flows');
    reading.stop();
    await b;
    await until(() => live().isPaused());
    const late = follower(false);
    const c = fanout.follow('c', false, input(0), late.ctx);
    await until(() => !live().isPaused());
    full.stop();
    late.stop();
    await Promise.all([a, c]);
  });
});

/** Docker's `since` for the time of `frame(n)`: seconds and nanoseconds. */
const sinceOfFrame = (n: number) => `${Date.parse('2026-01-01T00:00:00Z') / 1000 + n}.500000000`;

const linesOf = (seen: Seen[]) => seen.map((s) => ('line' in s ? s.line : s));

describe('LogFanout closing', () => {
  it('closes the daemon stream once paused too long, and reopens it from the last line read when the follower has room', async () => {
    const { gateway, live, follows } = fakeGateway();
    const fanout = new LogFanout(gateway, { backlogMaxBytes: 64 * 1024, closeAfterMs: 20, exitCheckMs: 60_000 });
    const f = follower(false, true);
    const closedBefore = closedLogSourcesInProcess();
    const following = fanout.follow('c', false, input(0), f.ctx);
    await tick();
    live().write(frame(1));
    await until(() => f.seen.length === 1);
    f.state.full = true;
    live().write(frame(2));
    await until(() => closedLogSourcesInProcess() === closedBefore + 1);
    const first = follows[0] as (typeof follows)[number];
    assert.equal(first.stream.destroyed, true, 'the daemon stream is closed');
    assert.equal(first.query['tail'], 0, 'first opened for new lines only');
    const decoded = decodedLogBytesInProcess();
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(follows.length, 1, 'not opened again while the follower is full');
    assert.equal(decodedLogBytesInProcess(), decoded, 'nothing is read while closed');
    f.hasRoom();
    await until(() => follows.length === 2);
    const again = follows[1] as (typeof follows)[number];
    assert.equal(again.query['since'], sinceOfFrame(2), 'reopened from the last line read, to the nanosecond');
    assert.equal(again.query['tail'], 1000, 'the log since then, read from its end: not only new lines, not the whole file');
    assert.equal(closedLogSourcesInProcess(), closedBefore);
    // Docker sends the line at `since` too: it was read before the close and is not repeated.
    for (let n = 2; n < 6; n++) live().write(frame(n));
    await until(() => f.seen.some((s) => 'line' in s && s.line === 'line-5'));
    assert.deepEqual(linesOf(f.seen), ['line-1', { lost: 1 }, 'line-3', 'line-4', 'line-5'], 'in order, none repeated; a gap only where a line reached it full');
    f.stop();
    await following;
  });

  it('counts exactly what reaches a follower still full after another one reopened the stream', async () => {
    const { gateway, live, follows } = fakeGateway();
    const fanout = new LogFanout(gateway, { backlogMaxBytes: 64 * 1024, closeAfterMs: 20, exitCheckMs: 60_000 });
    const a = follower(false, true);
    const b = follower(false, true);
    const closedBefore = closedLogSourcesInProcess();
    const following = [fanout.follow('c', false, input(0), a.ctx), fanout.follow('c', false, input(0), b.ctx)];
    await tick();
    live().write(frame(1));
    await until(() => a.seen.length === 1 && b.seen.length === 1);
    a.state.full = true;
    b.state.full = true;
    live().write(frame(2));
    await until(() => closedLogSourcesInProcess() === closedBefore + 1);
    a.hasRoom();
    await until(() => follows.length === 2);
    for (let n = 2; n < 5; n++) live().write(frame(n));
    await until(() => a.seen.some((s) => 'line' in s && s.line === 'line-4'));
    b.hasRoom();
    live().write(frame(5));
    await until(() => a.seen.length === 5 && b.seen.length === 3);
    assert.deepEqual(linesOf(a.seen), ['line-1', { lost: 1 }, 'line-3', 'line-4', 'line-5']);
    assert.deepEqual(linesOf(b.seen), ['line-1', { lost: 3 }, 'line-5'], 'lines 2 to 4 reached it full, the replayed line 2 not twice');
    assert.equal(follows.length, 2, 'one daemon stream for both');
    a.stop();
    b.stop();
    await Promise.all(following);
  });

  it('reopens a closed stream for a new follower', async () => {
    const { gateway, live, follows } = fakeGateway();
    const fanout = new LogFanout(gateway, { backlogMaxBytes: 64 * 1024, closeAfterMs: 20, exitCheckMs: 60_000 });
    const full = follower(true, true);
    const closedBefore = closedLogSourcesInProcess();
    const a = fanout.follow('c', false, input(0), full.ctx);
    await tick();
    live().write(frame(1));
    await until(() => closedLogSourcesInProcess() === closedBefore + 1);
    const late = follower();
    const b = fanout.follow('c', false, input(0), late.ctx);
    await until(() => follows.length === 2);
    assert.equal(follows[1]?.query['since'], sinceOfFrame(1));
    live().write(Buffer.concat([frame(1), frame(2)]));
    await until(() => late.seen.length === 1);
    assert.deepEqual(linesOf(late.seen), ['line-2']);
    full.stop();
    late.stop();
    await Promise.all([a, b]);
  });

  it('ends the followers of a closed stream whose container stopped, after its last lines', async () => {
    const { gateway, live, follows, state } = fakeGateway();
    const fanout = new LogFanout(gateway, { backlogMaxBytes: 64 * 1024, closeAfterMs: 20, exitCheckMs: 20 });
    const f = follower(true, true);
    const closedBefore = closedLogSourcesInProcess();
    const following = fanout.follow('c', false, input(0), f.ctx);
    await tick();
    live().write(frame(1));
    await until(() => closedLogSourcesInProcess() === closedBefore + 1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(follows.length, 1, 'still running: left closed');
    state.running = false;
    await until(() => follows.length === 2);
    // A stopped container's follow stream sends its last lines and ends.
    live().end(Buffer.concat([frame(1), frame(2)]));
    const end = await following;
    assert.equal(end.reason, 'ended');
    f.hasRoom();
    assert.deepEqual(f.seen, [], 'both lines reached it full');
    assert.equal(fanout.openSources, 0);
  });

  it('ends the followers with an error when the stream cannot be opened again', async () => {
    const { gateway, live, follows } = fakeGateway();
    const fanout = new LogFanout(gateway, { backlogMaxBytes: 64 * 1024, closeAfterMs: 20, exitCheckMs: 60_000 });
    const f = follower(false, true);
    const closedBefore = closedLogSourcesInProcess();
    const following = fanout.follow('c', false, input(0), f.ctx);
    await tick();
    f.state.full = true;
    live().write(frame(1));
    await until(() => closedLogSourcesInProcess() === closedBefore + 1);
    const container = (gateway.docker as unknown as { getContainer: () => { logs: unknown } }).getContainer();
    container.logs = async () => {
      throw new LucidError('DOCKER_UNAVAILABLE', 'Docker is not reachable');
    };
    f.hasRoom();
    const end = await following;
    assert.equal(end.reason, 'error');
    assert.equal(end.error?.code, 'DOCKER_UNAVAILABLE');
    assert.equal(follows.length, 1);
    assert.equal(closedLogSourcesInProcess(), closedBefore);
  });
});

describe('LogFanout backlog seam', () => {
  it('tells a follower about live lines it gave up during a slow backlog read that the backlog lacks', async () => {
    const { gateway, live, reads } = fakeGateway();
    // Room for about a dozen held lines (each counts its text, its time and 40 bytes).
    const fanout = new LogFanout(gateway, { backlogMaxBytes: 1000 });
    const f = follower();
    const following = fanout.follow('c', false, input(5), f.ctx);
    await until(() => reads.length === 1);
    // The backlog read is slow: 30 newer lines arrive live meanwhile, more than can be held.
    for (let n = 10; n < 40; n++) live().write(frame(n));
    await until(() => decodedLogBytesInProcess() > 0 && live().readableLength === 0);
    const backlog = reads[0] as PassThrough;
    backlog.end(Buffer.concat([frame(8), frame(9)]));
    await until(() => f.seen.some((s) => 'line' in s && s.line === 'line-39'));
    const lost = f.seen.find((s) => 'lost' in s);
    assert.ok(lost && 'lost' in lost, 'the follower hears of the gap');
    const lines = f.seen.filter((s): s is { line: string } => 'line' in s).map((s) => Number(s.line.slice(5)));
    assert.deepEqual(lines.slice(0, 2), [8, 9], 'the backlog first');
    const at = f.seen.indexOf(lost);
    assert.equal(at, 2, 'then the gap, where it is');
    assert.equal(lost.lost + lines.length - 2, 30, 'every live line is delivered or counted');
    assert.deepEqual(lines.slice(2), Array.from({ length: lines.length - 2 }, (_, i) => 40 - (lines.length - 2) + i), 'then the newest held lines, in order');
    f.stop();
    await following;
  });

  it('says nothing is lost when the lines given up are older than the backlog’s last', async () => {
    const { gateway, live, reads } = fakeGateway();
    const fanout = new LogFanout(gateway, { backlogMaxBytes: 1000 });
    const f = follower();
    const following = fanout.follow('c', false, input(5), f.ctx);
    await until(() => reads.length === 1);
    for (let n = 10; n < 40; n++) live().write(frame(n));
    await until(() => live().readableLength === 0);
    (reads[0] as PassThrough).end(Buffer.concat([frame(34), frame(35)]));
    await until(() => f.seen.some((s) => 'line' in s && s.line === 'line-39'));
    assert.deepEqual(
      f.seen.map((s) => ('line' in s ? s.line : s)),
      ['line-34', 'line-35', 'line-36', 'line-37', 'line-38', 'line-39'],
      'no gap told, none repeated',
    );
    f.stop();
    await following;
  });
});

describe('ReadBudget', () => {
  it('lets reads in while their limits fit the total, queues the rest in order, and refuses past the queue', async () => {
    const budget = new ReadBudget(100, 2, 60_000, 10);
    const signal = new AbortController().signal;
    const first = await budget.take(60, signal);
    const second = await budget.take(40, signal);
    assert.equal(budget.inUse, 100);
    const order: string[] = [];
    const third = budget.take(50, signal).then((release) => (order.push('third'), release));
    const fourth = budget.take(10, signal).then((release) => (order.push('fourth'), release));
    await assert.rejects(budget.take(1, signal), (err: any) => err.code === 'LOG_READS_BUSY' && err.details.waiting === 2);
    await tick();
    assert.deepEqual(order, [], 'nothing fits yet');
    second();
    second();
    await tick();
    assert.deepEqual(order, [], 'the first in line does not fit in 40, and the next waits behind it');
    first();
    const releases = await Promise.all([third, fourth]);
    assert.deepEqual(order, ['third', 'fourth']);
    assert.equal(budget.inUse, 60);
    for (const release of releases) release();
    assert.equal(budget.inUse, 0);
  });

  it('runs at most its number of reads at once, however small they are', async () => {
    const budget = new ReadBudget(100, 5, 60_000, 2);
    const signal = new AbortController().signal;
    const first = await budget.take(1, signal);
    await budget.take(1, signal);
    let third = false;
    const waiting = budget.take(1, signal).then((release) => ((third = true), release));
    await tick();
    assert.equal(third, false, 'a third read waits though its bytes fit');
    assert.equal(budget.waiting, 1);
    first();
    (await waiting)();
    assert.equal(third, true, 'it starts once a read ends');
  });

  it('refuses a read that waited its whole time, and forgets one whose caller left', async () => {
    const budget = new ReadBudget(10, 5, 20, 10);
    const signal = new AbortController().signal;
    const held = await budget.take(10, signal);
    await assert.rejects(budget.take(5, signal), (err: any) => err.code === 'LOG_READS_BUSY');
    const leaving = new AbortController();
    const left = budget.take(5, leaving.signal);
    leaving.abort();
    await assert.rejects(left);
    assert.equal(budget.waiting, 0);
    held();
    assert.equal(budget.inUse, 0);
  });

  it('keeps a log read from opening its daemon stream until the budget has room for it', async () => {
    const { gateway, reads } = fakeGateway();
    const budget = new ReadBudget(1024 * 1024, 4, 60_000, 10);
    const signal = new AbortController().signal;
    const query = { stdout: true, stderr: true, tail: 10, timestamps: true };
    const first = readLogBounded(gateway, 'c', false, query, 1024 * 1024, signal, budget);
    const second = readLogBounded(gateway, 'c', false, query, 1024 * 1024, signal, budget);
    await until(() => reads.length === 1);
    for (let i = 0; i < 20; i++) await tick();
    assert.equal(reads.length, 1, 'the second read waits: its limit does not fit beside the first');
    (reads[0] as PassThrough).end(frame(1));
    assert.equal((await first).lines.length, 1);
    await until(() => reads.length === 2);
    (reads[1] as PassThrough).end(frame(2));
    assert.equal((await second).lines[0]?.text, 'line-2');
    assert.equal(budget.inUse, 0);
  });
});
