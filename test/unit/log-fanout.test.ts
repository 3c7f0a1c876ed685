import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import type { DockerGateway } from '../../src/main/docker/gateway.js';
import { readLogBounded } from '../../src/main/docker/log-read.js';
import { ReadBudget } from '../../src/main/docker/read-budget.js';
import { OperationContext, type StreamFlow } from '../../src/main/model/context.js';
import { decodedLogBytesInProcess, LogFanout, pausedLogSourcesInProcess } from '../../src/main/services/log-fanout.js';
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

/** A gateway whose daemon streams are PassThroughs the test writes: the live one, then one per one-off read. */
function fakeGateway() {
  const live = new PassThrough();
  const reads: PassThrough[] = [];
  const gateway = {
    timeoutMs: 10_000,
    openStream: async (operation: string) => {
      if (operation === 'containers.logs.follow') return live;
      const read = new PassThrough();
      reads.push(read);
      return read;
    },
  } as unknown as DockerGateway;
  return { gateway, live, reads };
}

type Seen = { line: string } | { lost: number };

/** A follower's context over a flow the test controls: whether it is full, and its room. */
function follower(full = false) {
  const seen: Seen[] = [];
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
    onEvent: (event) => seen.push({ line: (event as { text: string }).text }),
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
  for (let i = 0; i < 200 && !check(); i++) await tick();
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
    live.write(frame(1));
    await until(() => f.seen.length === 1);
    f.state.full = true;
    live.write(frame(2));
    await until(() => pausedLogSourcesInProcess() === pausedBefore + 1);
    assert.equal(live.isPaused(), true, 'the daemon stream is no longer read');
    const bytes = decodedLogBytesInProcess();
    for (let n = 3; n < 8; n++) live.write(frame(n));
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
    live.write(frame(1));
    await until(() => reading.seen.length === 1);
    assert.equal(live.isPaused(), false, 'one follower reads: the stream flows');
    reading.stop();
    await b;
    await until(() => live.isPaused());
    const late = follower(false);
    const c = fanout.follow('c', false, input(0), late.ctx);
    await until(() => !live.isPaused());
    full.stop();
    late.stop();
    await Promise.all([a, c]);
  });
});

describe('LogFanout skipping', () => {
  it('reads on without decoding once paused too long, and tells the follower how many lines it missed', async () => {
    const { gateway, live } = fakeGateway();
    const fanout = new LogFanout(gateway, { backlogMaxBytes: 64 * 1024, skipAfterMs: 20 });
    const f = follower(true);
    const following = fanout.follow('c', false, input(0), f.ctx);
    await tick();
    live.write(frame(1));
    await until(() => live.isPaused());
    const decoded = decodedLogBytesInProcess();
    for (let n = 2; n < 6; n++) live.write(frame(n));
    await new Promise((resolve) => setTimeout(resolve, 60));
    await until(() => live.readableLength === 0);
    assert.equal(live.isPaused(), false, 'read on: the daemon holds nothing back for long');
    assert.equal(decodedLogBytesInProcess(), decoded, 'but nothing is decoded');
    f.hasRoom();
    live.write(frame(6));
    await until(() => f.seen.some((s) => 'line' in s && s.line === 'line-6'));
    const lost = f.seen.filter((s): s is { lost: number } => 'lost' in s).reduce((sum, s) => sum + s.lost, 0);
    assert.equal(lost, 4, 'each skipped line is counted');
    assert.deepEqual(f.seen.at(0), { line: 'line-1' });
    assert.ok(f.seen.slice(1, -1).every((s) => 'lost' in s), 'the counts stand between line 1 and line 6');
    f.stop();
    await following;
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
    for (let n = 10; n < 40; n++) live.write(frame(n));
    await until(() => decodedLogBytesInProcess() > 0 && live.readableLength === 0);
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
    for (let n = 10; n < 40; n++) live.write(frame(n));
    await until(() => live.readableLength === 0);
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
    const budget = new ReadBudget(100, 2, 60_000);
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

  it('refuses a read that waited its whole time, and forgets one whose caller left', async () => {
    const budget = new ReadBudget(10, 5, 20);
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
    const budget = new ReadBudget(1024 * 1024, 4, 60_000);
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
