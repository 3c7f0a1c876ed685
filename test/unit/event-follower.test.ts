import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import type { DockerGateway } from '../../src/main/docker/gateway.js';
import { EventFollower, type FollowedState, type Refresh } from '../../src/main/state/event-follower.js';
import { eventually } from '../support/eventually.js';
import { sleep } from '../support/sleep.js';


/** Just what the follower asks of the gateway: one events stream per connection, which the test ends at will. */
function fakeEngine() {
  const streams: PassThrough[] = [];
  const filters: unknown[] = [];
  let refuse = false;
  let attempts = 0;
  const gateway = {
    openStream: async (_operation: string, open: (signal: AbortSignal) => Promise<PassThrough>, { signal }: { signal: AbortSignal }) => {
      attempts++;
      if (refuse) throw new Error('daemon down');
      const stream = await open(signal);
      signal.addEventListener('abort', () => stream.destroy(), { once: true });
      return stream;
    },
    docker: {
      getEvents: async (options: { filters: unknown }) => {
        filters.push(options.filters);
        const stream = new PassThrough();
        streams.push(stream);
        return stream;
      },
    },
  };
  return {
    gateway: gateway as unknown as DockerGateway,
    streams,
    filters,
    attempts: () => attempts,
    current: () => streams.at(-1)!,
    send: (value: unknown) => streams.at(-1)!.write(`${JSON.stringify(value)}\n`),
    /** The daemon drops the stream with no goodbye (a crash). */
    drop: () => streams.at(-1)!.destroy(new Error('socket hang up')),
    refuse: (on: boolean) => {
      refuse = on;
    },
  };
}

/** A state whose reads the test controls: each read waits for `release`, or fails while `failing`. */
function fakeState(follower: () => EventFollower<number>) {
  const reads: Refresh[] = [];
  const published: Refresh[] = [];
  let gate: { promise: Promise<void>; open: () => void } | null = null;
  const control = {
    reads,
    published,
    failing: null as Error | null,
    unfollowable: false,
    standBy: undefined as number | undefined,
    disconnects: 0,
    hold() {
      let open = () => {};
      const promise = new Promise<void>((resolve) => {
        open = resolve;
      });
      gate = { promise, open };
    },
    release() {
      gate?.open();
      gate = null;
    },
  };
  const state: FollowedState<number> = {
    onEvent: (value) => {
      const id = (value as { id?: string }).id;
      if (id === undefined) return;
      follower().mark(id);
      follower().refreshSoon();
    },
    read: async (work) => {
      reads.push(work);
      if (gate) await gate.promise;
      if (control.failing) throw control.failing;
      return reads.length;
    },
    publish: (_result, work) => {
      published.push(work);
    },
    unfollowable: () => control.unfollowable,
    standBy: () => control.standBy,
    disconnected: () => {
      control.disconnects++;
    },
  };
  return { state, control };
}

function setUp(breakerOpen = () => false) {
  const engine = fakeEngine();
  let follower!: EventFollower<number>;
  const { state, control } = fakeState(() => follower);
  const warnings: string[] = [];
  const logger = { debug: () => {}, warn: (message: string) => warnings.push(message) };
  follower = new EventFollower(
    engine.gateway,
    logger,
    {
      operation: 'test.events',
      filters: { type: ['container'] },
      breaker: { isOpen: breakerOpen },
      logs: { unavailable: 'stream unavailable', refreshFailed: 'refresh failed', reconnecting: 'stream closed; reconnecting' },
    },
    state,
  );
  return { engine, follower, control, warnings };
}

const followers: Array<EventFollower<number>> = [];
// The follower's timers never keep a process alive (it is a background loop): the test keeps it alive.
const keepAlive = setInterval(() => {}, 1000);
after(async () => {
  clearInterval(keepAlive);
  for (const follower of followers) await follower.close();
});
function started(breakerOpen?: () => boolean) {
  const parts = setUp(breakerOpen);
  followers.push(parts.follower);
  parts.follower.start();
  return parts;
}

describe('EventFollower', () => {
  it('asks the daemon for the given filters, reads everything once connected, then is live', async () => {
    const { engine, follower, control } = started();
    assert.equal(await waitLive(follower), true);
    assert.deepEqual(engine.filters, [{ type: ['container'] }]);
    assert.deepEqual(control.reads, [{ full: true, ids: [], resync: true, servedBefore: false }]);
    assert.deepEqual(control.published, control.reads, 'the good read is published');
  });

  it('reads one refresh at a time: what is marked during a read folds into the next one', async () => {
    const { engine, follower, control } = started();
    await waitLive(follower);
    control.hold();
    engine.send({ id: 'a' });
    await eventually(() => (control.reads.length === 2 ? true : undefined), 'the read of a started');
    engine.send({ id: 'b' });
    engine.send({ id: 'c' });
    engine.send({ id: 'b' });
    await eventually(() => (follower.marked === 2 ? true : undefined), 'b and c marked while a is read');
    assert.equal(control.reads.length, 2, 'no second read while one runs');
    control.release();
    await eventually(() => (control.reads.length === 3 ? true : undefined), 'the marks of the burst read');
    assert.deepEqual(control.reads.slice(1), [
      { full: false, ids: ['a'], resync: false, servedBefore: true },
      { full: false, ids: ['b', 'c'], resync: false, servedBefore: true },
    ]);
    await follower.refreshNow();
    assert.equal(control.reads.length, 3, 'nothing marked: no read');
  });

  it('marking all drops the marked ids: one full read covers them', async () => {
    const { follower, control } = started();
    await waitLive(follower);
    follower.mark('a');
    follower.markAll();
    assert.equal(follower.marked, 0);
    await follower.refreshNow();
    assert.deepEqual(control.reads.at(-1), { full: true, ids: [], resync: false, servedBefore: true });
  });

  it('is not live while the stream is down, and resyncs after the reconnect, telling the read it was served before', async () => {
    const { engine, follower, control, warnings } = started();
    await waitLive(follower);
    engine.refuse(true);
    engine.drop();
    await eventually(() => (follower.live ? undefined : true), 'not live once the stream dropped');
    assert.equal(control.disconnects, 1, 'the owner heard the stream close');
    await eventually(() => (engine.attempts() >= 3 ? true : undefined), 'two reconnects refused', 5000);
    assert.deepEqual(warnings, ['stream closed; reconnecting'], 'warned once for the whole outage');
    engine.refuse(false);
    assert.equal(await waitLive(follower, 5000), true);
    assert.equal(engine.streams.length, 2, 'reconnected once');
    assert.deepEqual(control.published.at(-1), { full: true, ids: [], resync: true, servedBefore: true });
  });

  it('stops serving after a failed read and retries it as a full resync', async () => {
    const { engine, follower, control } = started();
    await waitLive(follower);
    control.failing = new Error('inspect timed out');
    engine.send({ id: 'a' });
    await eventually(() => (follower.live ? undefined : true), 'not live after the failed read');
    assert.equal(control.published.length, 1, 'a failed read publishes nothing');
    control.failing = null;
    assert.equal(await waitLive(follower, 5000), true, 'live again after the retry');
    assert.deepEqual(control.published.at(-1), { full: true, ids: [], resync: true, servedBefore: true });
    assert.equal(engine.streams.length, 1, 'the stream stayed open');
  });

  it('an unfollowable engine wakes who waits, and is left alone for the stand-by time before it is asked again', async () => {
    const { engine, follower, control } = started();
    control.unfollowable = true;
    control.failing = new Error('not a swarm manager');
    control.standBy = 60_000;
    assert.equal(await waitLive(follower, 5000), false);
    await eventually(() => (engine.current().destroyed ? true : undefined), 'the stream is closed while standing by');
    // Longer than any reconnect backoff: a follower that ignored the stand-by would have reconnected.
    await sleep(1000);
    assert.equal(control.reads.length, 1, 'no retry of the read');
    assert.equal(engine.attempts(), 1, 'no reconnect within the stand-by time');
  });

  it('is not live while the health probe finds the daemon down, though its stream is open', async () => {
    let down = false;
    const { follower } = started(() => down);
    assert.equal(await waitLive(follower), true);
    down = true;
    assert.equal(follower.live, false);
    down = false;
    assert.equal(follower.live, true);
  });

  it('settle waits for what is marked; nothing to wait for when nothing is', async () => {
    const { follower, control } = started();
    await waitLive(follower);
    await follower.settle(60_000);
    assert.equal(control.reads.length, 1, 'no read for a settle with nothing marked');
    follower.mark('a');
    await follower.settle(60_000);
    assert.deepEqual(control.reads.at(-1)?.ids, ['a']);
  });
});

async function waitLive(follower: EventFollower<number>, ms = 2000): Promise<boolean> {
  await follower.waitLive(ms);
  return follower.live;
}
