import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IpcStreams } from '../../src/main/ipc/streams.js';
import { FakeWebContents } from '../support/fake-electron.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('IpcStreams.close', () => {
  it('cancels every stream and resolves only once each call has returned', async () => {
    const streams = new IpcStreams();
    const sender = new FakeWebContents();
    const first = streams.begin(sender, 'a');
    const second = streams.begin(sender, 'b');
    let closed = false;
    const closing = streams.close().then(() => (closed = true));
    assert.deepEqual([first.signal.aborted, second.signal.aborted, streams.size], [true, true, 0]);
    first.done();
    await turn();
    assert.equal(closed, false, 'one call still runs');
    second.done();
    await closing;
    assert.equal(closed, true);
  });

  it('resolves at once when no stream is open', async () => {
    assert.equal(await new IpcStreams().close(), undefined);
  });
});
