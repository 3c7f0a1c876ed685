import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { ServerResponse } from 'node:http';
import { SseStream } from '../../src/main/http/sse.js';
import { sleep } from '../support/sleep.js';

/** A response whose client reads only when told to: writes past a tiny buffer wait for `drain`. */
class SlowResponse extends Writable {
  readonly chunks: string[] = [];
  private pending: Array<() => void> = [];
  headers: Record<string, string> = {};
  statusCode = 0;

  constructor() {
    super({ highWaterMark: 64, decodeStrings: false });
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.chunks.push(String(chunk));
    this.pending.push(done);
  }

  /** The client reads everything written so far. */
  readAll(): void {
    for (const done of this.pending.splice(0)) done();
  }

  status(code: number): this {
    this.statusCode = code;
    return this;
  }

  setHeader(name: string, value: string): this {
    this.headers[name.toLowerCase()] = value;
    return this;
  }

  flushHeaders(): void {}

  text(): string {
    return this.chunks.join('');
  }
}

function open(options: { maxQueued?: number; maxQueuedBytes?: number; heartbeatMs?: number; endGraceMs?: number } = {}) {
  const res = new SlowResponse();
  const stream = new SseStream(res as unknown as ServerResponse, options);
  return { res, stream };
}

describe('SseStream', () => {
  it('frames each event with an increasing id, an event name and one JSON data line', () => {
    const { res, stream } = open();
    res.readAll();
    stream.send('line', { text: 'a\nb' });
    res.readAll();
    stream.end('end', { reason: 'ended' });
    res.readAll();
    assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
    assert.equal(
      res.text(),
      ': stream open\n\n' +
        'id: 1\nevent: line\ndata: {"text":"a\\nb"}\n\n' +
        'id: 2\nevent: end\ndata: {"reason":"ended"}\n\n',
    );
    res.destroy();
  });

  it('queues a bounded number of events for a slow client, then tells it how many were dropped', () => {
    const { res, stream } = open({ maxQueued: 5 });
    for (let i = 0; i < 100; i++) stream.send('line', { i });
    assert.ok(res.writableNeedDrain, 'the client is not reading');
    const before = res.chunks.length;
    assert.ok(before <= 3, `only what fit before the buffer filled was written (${before})`);
    for (let round = 0; round < 20; round++) res.readAll();
    const frames = res.text().split('\n\n').filter((f) => f.startsWith('id:'));
    const delivered = frames.filter((f) => f.includes('event: line')).length;
    const notice = frames.find((f) => f.includes('event: dropped'));
    assert.ok(notice, 'a dropped event follows');
    const dropped = JSON.parse(notice.split('data: ')[1] ?? '{}').dropped;
    assert.equal(delivered + dropped, 100, 'every event is either delivered or counted');
    assert.ok(delivered <= 5 + 2, `no more than the bound was held (${delivered} delivered)`);
    res.destroy();
  });

  it('sends heartbeat comments at the configured interval', async () => {
    const { res } = open({ heartbeatMs: 20 });
    const reading = setInterval(() => res.readAll(), 5);
    const beats = () => res.text().split('\n\n').filter((f) => f === ': heartbeat').length;
    // Bounded by a count, not a time: a loaded machine delays timers, and beats then come later.
    for (let waited = 0; beats() < 2 && waited < 5000; waited += 20) await sleep(20);
    clearInterval(reading);
    assert.ok(beats() >= 2, `heartbeats seen: ${beats()}`);
    res.destroy();
  });

  it('holds no more than its byte budget for a client that does not read, however many events fit the count', () => {
    const { res, stream } = open({ maxQueued: 1000, maxQueuedBytes: 4096 });
    const text = 'x'.repeat(1000);
    for (let i = 0; i < 500; i++) {
      stream.send('line', { text });
      assert.ok(stream.queuedBytes <= 4096 + 64, `held ${stream.queuedBytes} bytes (a dropped notice may keep its place)`);
    }
    for (let round = 0; round < 50; round++) res.readAll();
    const frames = res.text().split('\n\n').filter((f) => f.startsWith('id:'));
    const delivered = frames.filter((f) => f.includes('event: line')).length;
    const notices = frames.filter((f) => f.includes('event: dropped'));
    assert.ok(notices.length > 0, 'the client hears what it missed');
    const dropped = notices.reduce((sum, f) => sum + JSON.parse(f.split('data: ')[1] ?? '{}').dropped, 0);
    assert.equal(delivered + dropped, 500, 'every event is delivered or counted');
    res.destroy();
  });

  it('delivers the last word after a full queue, and cuts an ended stream whose client never reads', async () => {
    const { res, stream } = open({ maxQueued: 3, endGraceMs: 50 });
    for (let i = 0; i < 20; i++) stream.send('line', { i });
    stream.end('end', { reason: 'ended' });
    for (let waited = 0; !res.destroyed && waited < 5000; waited += 20) await sleep(20);
    assert.equal(res.destroyed, true, 'the response is cut after the grace');

    const second = open({ maxQueued: 3, endGraceMs: 5000 });
    for (let i = 0; i < 20; i++) second.stream.send('line', { i });
    second.stream.end('end', { reason: 'ended' });
    for (let round = 0; round < 20; round++) second.res.readAll();
    const events = second.res.text().split('\n\n').filter((f) => f.startsWith('id:')).map((f) => /event: (\w+)/.exec(f)?.[1]);
    assert.deepEqual(events.slice(-2), ['dropped', 'end'], 'the drop count, then the end, in that order');
    second.res.destroy();
  });
});
