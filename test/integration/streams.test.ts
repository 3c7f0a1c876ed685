import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestContainer, useEngine } from '../support/engine.js';
import { useIpcHarness } from '../support/ipc.js';
import { waitFor } from '../support/eventually.js';
import { readSse } from '../support/sse.js';
import { useTestServer } from '../support/server.js';
import { sleep } from '../support/sleep.js';

const TICKER = ['sh', '-c', 'i=0; while true; do echo tick$i; i=$((i+1)); sleep 0.2; done'];

describe('followed logs over REST (Server-Sent Events)', () => {
  useEngine();
  const server = useTestServer();

  async function follow(id: string, signal: AbortSignal, query = '') {
    return fetch(`${server.url}/api/v1/containers/${id}/logs?follow=true&tail=0${query}`, {
      headers: { authorization: `Bearer ${await server.tokenFor('user')}`, accept: 'text/event-stream' },
      signal,
    });
  }

  it('streams numbered line events as they are written', async () => {
    const c = await createTestContainer({ cmd: TICKER });
    const aborter = new AbortController();
    const res = await follow(c.id, aborter.signal);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const frames = await readSse(res, (f) => f.filter((x) => x.event === 'line').length >= 3);
    aborter.abort();
    const lines = frames.filter((f) => f.event === 'line');
    assert.deepEqual(lines.map((f) => f.data.stream), ['stdout', 'stdout', 'stdout']);
    assert.ok(lines.every((f) => /^tick\d+$/.test(f.data.text)));
    const ids = lines.map((f) => Number(f.id));
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(frames[0]?.event, 'comment', 'the stream opens with a comment');
  });

  it('ends with an end event when the container stops', async () => {
    const c = await createTestContainer({ cmd: TICKER });
    const res = await follow(c.id, new AbortController().signal);
    const reading = readSse(res, (f) => f.some((x) => x.event === 'end'));
    await sleep(500);
    await c.stop({ t: 0 });
    const frames = await reading;
    const end = frames.find((f) => f.event === 'end');
    assert.equal(end?.data.reason, 'ended');
    assert.ok(end?.data.lines >= 1);
  });

  it('answers a missing container with an ordinary 404 and anonymous callers with 401', async () => {
    const missing = await follow('no-such-container-follow', new AbortController().signal);
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, 'CONTAINER_NOT_FOUND');
    const anonymous = await fetch(`${server.url}/api/v1/containers/x/logs?follow=true`, {
      headers: { accept: 'text/event-stream' },
    });
    assert.equal(anonymous.status, 401);
  });

  it('keeps the plain log answer when follow is not asked for', async () => {
    const c = await createTestContainer({ cmd: ['sh', '-c', 'echo once'] });
    await c.wait();
    const res = await server.call('GET', `/api/v1/containers/${c.id}/logs`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.lines, [{ stream: 'stdout', text: 'once' }]);
  });
});

describe('followed logs over IPC', () => {
  useEngine();
  const harness = useIpcHarness();

  it('delivers lines to the subscribing window until it unsubscribes', async () => {
    const c = await createTestContainer({ cmd: TICKER });
    const { api } = await harness.openWindow('user');
    const other = await harness.openWindow('user');
    const otherLines: unknown[] = [];
    other.renderer.on('lucid-docker:stream.event', (...args) => otherLines.push(args));
    const lines: { text: string }[] = [];
    let ended: unknown = 'not yet';
    const unsubscribe = api.containers.followLogs({ id: c.id, tail: 0 }, (line: { text: string }) => lines.push(line), (err: unknown) => {
      ended = err;
    });
    await waitFor('three lines', 10_000, () => lines.length >= 3, 50);
    assert.ok(lines.every((l) => /^tick\d+$/.test(l.text)));
    assert.equal(harness.registration.openStreams, 1);
    unsubscribe();
    await waitFor('the end callback', 10_000, () => ended !== 'not yet', 50);
    assert.equal(ended, null);
    assert.equal(harness.registration.openStreams, 0);
    assert.deepEqual(otherLines, [], 'another window never sees these events');
  });

  it('cancels the stream when its window is destroyed', async () => {
    const c = await createTestContainer({ cmd: TICKER });
    const window = await harness.openWindow('user');
    let count = 0;
    window.api.containers.followLogs({ id: c.id, tail: 0 }, () => count++);
    await waitFor('a first line', 10_000, () => count >= 1, 50);
    window.webContents.destroy();
    await waitFor('the stream to close', 10_000, () => harness.registration.openStreams === 0, 50);
  });

  it('reports an error through the end callback', async () => {
    const { api } = await harness.openWindow('user');
    const ended = await new Promise<Error | null>((resolve) => {
      api.containers.followLogs({ id: 'no-such-container-follow' }, () => undefined, resolve);
    });
    assert.match(String(ended?.message), /^\[CONTAINER_NOT_FOUND\]/);
  });
});
