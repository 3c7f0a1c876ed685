import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CreditedSender } from '../../src/main/ipc/flow.js';

function harness(window = 4, maxQueued = 6) {
  const sent: unknown[] = [];
  const notices: number[] = [];
  const sender = new CreditedSender((e) => sent.push(e), (n) => notices.push(n), window, maxQueued);
  return { sent, notices, sender };
}

describe('CreditedSender', () => {
  it('sends up to the window, then queues up to the bound, then counts drops', () => {
    const { sent, notices, sender } = harness();
    for (let i = 0; i < 20; i++) sender.push(i);
    assert.deepEqual(sent, [0, 1, 2, 3], 'nothing beyond the window without an ack');
    assert.equal(sender.queued, 6, 'the queue stops at its bound');
    assert.deepEqual(notices, []);
    sender.ack(4);
    assert.deepEqual(sent, [0, 1, 2, 3, 4, 5, 6, 7], 'an ack releases as many as it acknowledged');
    sender.ack(4);
    assert.deepEqual(sent.slice(8), [8, 9]);
    assert.deepEqual(notices, [10], 'the drop count follows once the queue is empty');
    sender.ack(4);
    sender.push(20);
    assert.deepEqual(sent.at(-1), 20, 'with credit back, events go straight out again');
  });

  it('tells the renderer what was dropped where the gap is, between the events around it', () => {
    const log: unknown[] = [];
    const sender = new CreditedSender((e) => log.push(e), (n) => log.push({ dropped: n }), 2, 4);
    for (let i = 0; i < 10; i++) sender.push(i);
    assert.deepEqual(log, [0, 1], 'the window');
    sender.ack(2);
    assert.deepEqual(log, [0, 1, 2, 3], '4 and 5 still queued, 6 to 9 dropped');
    sender.push(10);
    sender.ack(2);
    sender.ack(2);
    assert.deepEqual(log, [0, 1, 2, 3, 4, 5, { dropped: 4 }, 10], 'the count stands between 5 and 10, not after 10');
  });

  it('ignores acks beyond what is in flight', () => {
    const { sent, sender } = harness(2, 2);
    sender.ack(1000);
    for (let i = 0; i < 5; i++) sender.push(i);
    assert.deepEqual(sent, [0, 1]);
  });

  it('hands over the queue when the operation finishes, then the drop count', () => {
    const { sent, notices, sender } = harness(2, 3);
    for (let i = 0; i < 10; i++) sender.push(i);
    sender.finish();
    assert.deepEqual(sent, [0, 1, 2, 3, 4]);
    assert.deepEqual(notices, [5]);
  });

  it('keeps its memory bounded under a steady overload', () => {
    const { sender } = harness(8, 50);
    for (let round = 0; round < 1000; round++) {
      for (let i = 0; i < 20; i++) sender.push(i);
      sender.ack(4);
      assert.ok(sender.queued <= 50);
    }
  });
});
