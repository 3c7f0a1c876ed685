import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedQueue, queuedBytesInProcess } from '../../src/main/core/bounded-queue.js';
import type { AdmittedCall, CallMeta, SettledCall } from '../../src/main/core/manager.js';
import { StreamCaps } from '../../src/main/core/stream-caps.js';
import { LoopTimeDeadline } from '../../src/main/docker/loop-deadline.js';
import { timeKey } from '../../src/main/services/log-fanout.js';
import { sleep } from '../support/sleep.js';

describe('BoundedQueue', () => {
  it('refuses past its byte budget and counts the drops, whatever the event count', () => {
    const queue = new BoundedQueue<string>({ maxEvents: 1000, maxBytes: 100 }, (s) => s.length, (n) => `gap ${n}`);
    const before = queuedBytesInProcess();
    for (let i = 0; i < 50; i++) queue.push('x'.repeat(30));
    assert.equal(queue.length, 3, 'three 30-byte items fit in 100 bytes');
    assert.equal(queue.bytes, 90);
    assert.equal(queuedBytesInProcess() - before, 90, 'the process-wide figure follows');
    assert.equal(queue.dropped, 47);
    assert.equal(queue.shift(), 'x'.repeat(30));
    assert.equal(queue.bytes, 60);
    assert.equal(queue.takeDropped(), 47);
    assert.equal(queue.takeDropped(), 0, 'the count is handed out once');
    queue.clear();
    assert.equal(queuedBytesInProcess(), before);
  });

  it('refuses past its event bound too', () => {
    const queue = new BoundedQueue<number>({ maxEvents: 2, maxBytes: 1e9 }, () => 1, (n) => -n);
    for (let i = 0; i < 5; i++) queue.push(i);
    assert.deepEqual([queue.shift(), queue.shift(), queue.shift()], [0, 1, undefined]);
    assert.equal(queue.dropped, 3);
    queue.clear();
  });
});

describe('BoundedQueue gaps and room', () => {
  it('puts the count of what was dropped where the gap is, before the next item it stores', () => {
    const queue = new BoundedQueue<string>({ maxEvents: 4, maxBytes: 1e9 }, () => 1, (n) => `dropped ${n}`);
    for (const item of ['a', 'b', 'c', 'd', 'e', 'f']) queue.push(item);
    queue.shift();
    queue.shift();
    queue.shift();
    queue.push('g');
    const out: (string | undefined)[] = [];
    while (queue.length > 0) out.push(queue.shift());
    assert.deepEqual(out, ['d', 'dropped 2', 'g']);
    assert.equal(queue.takeDropped(), 0, 'told once');
  });

  it('once full, takes nothing until drained to half, and then says so once', () => {
    const queue = new BoundedQueue<number>({ maxEvents: 4, maxBytes: 1e9 }, () => 1, (n) => -n);
    let rooms = 0;
    queue.onRoom(() => rooms++);
    for (let i = 0; i < 4; i++) queue.push(i);
    assert.equal(queue.full, true);
    queue.shift();
    assert.equal(queue.push(9), false, 'three held of four: still refusing');
    assert.equal(queue.offer(() => assert.fail('not built while full')), false);
    assert.equal(rooms, 0);
    queue.shift();
    assert.equal(rooms, 1, 'half drained: room');
    assert.equal(queue.full, false);
    queue.shift();
    assert.equal(rooms, 1, 'room is told once per fill');
    assert.equal(queue.push(10), true);
    assert.deepEqual([queue.shift(), queue.shift(), queue.shift()], [3, -2, 10]);
    queue.clear();
  });
});

function call(sub: string | null, client = 'a', streaming = true) {
  const meta = { client, transport: 'rest', requestId: 'r', credentials: async () => null, ...(streaming ? { onEvent: () => {} } : {}) } as CallMeta;
  const admitted = { name: 'containers.watchEvents', op: {}, meta, identity: sub ? { sub, role: 'user' } : null } as unknown as AdmittedCall;
  return { admitted, settled: { ...admitted, error: undefined } as unknown as SettledCall };
}

describe('StreamCaps', () => {
  it('refuses a caller its next stream at the cap with TOO_MANY_STREAMS, and frees a slot when one settles', () => {
    const caps = new StreamCaps(2);
    const a = call('alice');
    const b = call('alice');
    caps.admit(a.admitted);
    caps.admit(b.admitted);
    const third = call('alice');
    assert.throws(() => caps.admit(third.admitted), (err: any) => err.code === 'TOO_MANY_STREAMS' && err.details.limit === 2);
    caps.settled(third.settled);
    assert.equal(caps.total, 2, 'a refused call gives back nothing it did not take');
    caps.admit(call('bob').admitted);
    caps.admit(call(null, 'window-7').admitted);
    caps.admit(call('alice', 'a', false).admitted);
    caps.settled(a.settled);
    caps.admit(call('alice').admitted);
    assert.equal(caps.total, 4);
  });
});

describe('StreamCaps keys', () => {
  it('counts IPv6 callers without an identity by their /56 network, like the rate limit', () => {
    const caps = new StreamCaps(2);
    caps.admit(call(null, '2001:db8:1:100::1').admitted);
    caps.admit(call(null, '2001:db8:1:1ff::2').admitted);
    assert.throws(() => caps.admit(call(null, '2001:db8:1:1aa::3').admitted), (err: any) => err.code === 'TOO_MANY_STREAMS');
    caps.admit(call(null, '2001:db8:1:200::1').admitted);
    caps.admit(call(null, '127.0.0.2').admitted);
    assert.equal(caps.total, 4, 'another /56, and an IPv4 address, count apart');
  });
});

describe('LoopTimeDeadline', () => {
  it('does not expire because the event loop was blocked past it', async () => {
    let expired = false;
    const deadline = new LoopTimeDeadline(500, () => (expired = true));
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      // A stalled loop: nothing else runs, timers fire late.
    }
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(expired, false, 'a 1.5 s stall counts as one late tick, not as 1.5 s');
    await sleep(1500);
    assert.equal(expired, true, 'loop time that really passes expires it');
    deadline.cancel();
  });
});

describe('timeKey', () => {
  it('orders Docker timestamps whose fractions were trimmed of zeros', () => {
    const a = timeKey('2026-01-01T00:00:00.1Z') ?? '';
    const b = timeKey('2026-01-01T00:00:00.12Z') ?? '';
    const c = timeKey('2026-01-01T00:00:01Z') ?? '';
    assert.ok(a < b && b < c);
  });
});
