import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sleep, waitAtMost } from '../../src/main/system/sleep.js';

const HOUR_MS = 3_600_000;

describe('sleep', () => {
  it('resolves, not rejects, when its signal aborts', async () => {
    const stop = new AbortController();
    const waiting = sleep(HOUR_MS, { signal: stop.signal });
    stop.abort();
    assert.equal(await waiting, undefined);
  });

  it('resolves at once for an already aborted signal', async () => {
    assert.equal(await sleep(HOUR_MS, { signal: AbortSignal.abort() }), undefined);
  });
});

describe('waitAtMost', () => {
  it('ends with the work and leaves no timer keeping the process alive', async () => {
    let settled = false;
    await waitAtMost(Promise.resolve().then(() => (settled = true)), HOUR_MS);
    assert.equal(settled, true);
  });

  it('ends after the bound when the work never does', async () => {
    assert.equal(await waitAtMost(new Promise(() => undefined), 1), undefined);
  });

  it("passes the work's rejection through", async () => {
    await assert.rejects(waitAtMost(Promise.reject(new Error('boom')), HOUR_MS), /boom/);
  });
});
