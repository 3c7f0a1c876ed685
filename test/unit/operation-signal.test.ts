import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OperationContext } from '../../src/main/model/context.js';

/** A stream hook whose signal counts how often it was read. */
function counted(signal?: AbortSignal) {
  let reads = 0;
  return {
    hooks: {
      get signal() {
        reads++;
        return signal;
      },
    },
    reads: () => reads,
  };
}

describe("an operation's signal", () => {
  it('is not made until the handler asks for it', () => {
    const caller = new AbortController();
    const stream = counted(caller.signal);
    const ctx = new OperationContext(null, stream.hooks);
    ctx.endWhen(new AbortController().signal);
    assert.equal(stream.reads(), 0);
    assert.equal(ctx.signal.aborted, false);
    assert.equal(ctx.signal, ctx.signal, 'made once');
    assert.equal(stream.reads(), 1);
  });

  it('aborts when the caller leaves, whether read before or after', () => {
    const early = new AbortController();
    const read = new OperationContext(null, { signal: early.signal });
    const signal = read.signal;
    early.abort();
    assert.equal(signal.aborted, true);

    const late = new AbortController();
    const unread = new OperationContext(null, { signal: late.signal });
    late.abort();
    assert.equal(unread.signal.aborted, true);
  });

  it('aborts when what it acts on goes away, named before or after the first read', () => {
    const before = new AbortController();
    const first = new OperationContext(null, {});
    first.endWhen(before.signal);
    const signal = first.signal;
    assert.equal(signal.aborted, false);
    before.abort();
    assert.equal(signal.aborted, true);

    const after = new AbortController();
    const second = new OperationContext(null, {});
    assert.equal(second.signal.aborted, false);
    second.endWhen(after.signal);
    after.abort();
    assert.equal(second.signal.aborted, true);
  });

  it('is aborted at once when a host it names was removed before it was read', () => {
    const removed = new AbortController();
    removed.abort();
    const ctx = new OperationContext(null, { signal: new AbortController().signal });
    ctx.endWhen(removed.signal);
    assert.equal(ctx.signal.aborted, true);
  });

  it('never aborts on its own without a caller signal', () => {
    const ctx = new OperationContext(null);
    assert.equal(ctx.signal.aborted, false);
  });
});
