import assert from 'node:assert/strict';
import http from 'node:http';
import { before, describe, it } from 'node:test';
import { queuedBytesInProcess } from '../../src/main/core/bounded-queue.js';
import { closedLogSourcesInProcess, decodedLogBytesInProcess, pausedLogSourcesInProcess } from '../../src/main/services/log-fanout.js';
import { daemonConnections, quietConnections, settleConnections } from '../support/daemon-connections.js';
import { createTestContainer, requireEngine, useEngine } from '../support/engine.js';
import { readSse } from '../support/sse.js';
import { startTestServer, useTestServer } from '../support/server.js';
import { sleep } from '../support/sleep.js';

/** Prints 16 KB lines as fast as `usleep` lets it: a chatty container. */
const CHATTY = ['sh', '-c', 's=$(printf "%16000s" "" | tr " " a); i=0; while true; do i=$((i+1)); echo "$i $s"; usleep 5000; done'];

/** A GET whose response is never read: the client's socket stops taking bytes. */
function openUnread(url: string, token: string): Promise<{ res: http.IncomingMessage; req: http.ClientRequest }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (res) => {
      res.pause();
      resolve({ res, req });
    });
    req.on('error', reject);
  });
}

describe('streams bounded per stream and per caller', () => {
  const BUDGET = 64 * 1024;
  useEngine();
  const server = useTestServer({ STREAM_MAX_QUEUED_BYTES: String(BUDGET) });

  it('holds at most the byte budget for a follower that stops reading, closes the daemon stream, and reopens it without a silent gap or a repeat', async () => {
    const c = await createTestContainer({ cmd: CHATTY });
    const token = await server.tokenFor('user');
    const base = await quietConnections();
    const pausedBefore = pausedLogSourcesInProcess();
    const closedBefore = closedLogSourcesInProcess();
    const { res, req } = await openUnread(`${server.url}/api/v1/containers/${c.id}/logs?follow=true&tail=0`, token);
    try {
      let most = 0;
      for (let i = 0; i < 100 && pausedLogSourcesInProcess() === pausedBefore; i++) {
        await sleep(100);
        most = Math.max(most, queuedBytesInProcess());
      }
      assert.equal(pausedLogSourcesInProcess(), pausedBefore + 1, 'its only follower full, the daemon stream is paused');
      assert.ok(most > BUDGET / 2, `the queue filled up (${most} bytes): the client really stopped reading`);
      // The budget, plus at most one small `dropped` notice that keeps its place in the queue.
      assert.ok(most <= BUDGET + 256, `the manager held ${most} bytes for the stream, budget ${BUDGET}`);
      const received = decodedLogBytesInProcess();
      const newest = async () => Number((await server.call('GET', `/api/v1/containers/${c.id}/logs?tail=1`)).body.lines[0].text.split(' ')[0]);
      const writtenBefore = await newest();
      for (let i = 0; i < 50 && closedLogSourcesInProcess() === closedBefore; i++) await sleep(100);
      assert.equal(closedLogSourcesInProcess(), closedBefore + 1, 'paused for over a second, the daemon stream is closed');
      const closedCount = await settleConnections((n) => n <= base);
      assert.ok(closedCount <= base, `no daemon connection is left for the stream (${closedCount}, ${base} before it)`);
      await sleep(1500);
      assert.ok((await newest()) > writtenBefore, 'the container kept writing');
      assert.equal(decodedLogBytesInProcess(), received, 'paused, then closed, the stream is not read');
      // The client reads again: lines continue in order, a gap only where a `dropped` notice says so.
      res.resume();
      res.setEncoding('utf8');
      const frames = await new Promise<{ event: string; data: any }[]>((resolve, reject) => {
        const seen: { event: string; data: any }[] = [];
        let text = '';
        const timer = setTimeout(() => reject(new Error(`reading again, the daemon stream is not reopened (${seen.length} frames)`)), 30_000);
        res.on('data', (chunk: string) => {
          text += chunk;
          let cut: number;
          while ((cut = text.indexOf('\n\n')) >= 0) {
            const raw = text.slice(0, cut);
            text = text.slice(cut + 2);
            const event = /^event: (\w+)$/m.exec(raw)?.[1];
            const data = /^data: (.*)$/m.exec(raw)?.[1];
            if (event && data) seen.push({ event, data: JSON.parse(data) });
          }
          // Past what the sockets and the queue held: lines the manager decoded after the resume.
          if (decodedLogBytesInProcess() > received + 1024 * 1024 && closedLogSourcesInProcess() === closedBefore) {
            clearTimeout(timer);
            resolve(seen);
          }
        });
      });
      let previous: number | undefined;
      let gapTold = false;
      for (const frame of frames) {
        if (frame.event === 'dropped') {
          assert.ok(frame.data.dropped > 0);
          gapTold = true;
          continue;
        }
        if (frame.event !== 'line') continue;
        const n = Number(frame.data.text.split(' ')[0]);
        if (previous !== undefined) assert.ok(gapTold ? n > previous : n === previous + 1, `in order, no silent gap: ${previous} then ${n}`);
        previous = n;
        gapTold = false;
      }
      assert.ok(frames.filter((f) => f.event === 'line').length > 64, 'more lines than the queue held');
    } finally {
      req.destroy();
    }
  });

  it('lets 50 followers of one container share one daemon stream, each with its own tail', async (t) => {
    // The default budget: live lines arriving during a follower's backlog read fit in it.
    const server = await startTestServer({ MAX_STREAMS_PER_CALLER: '60' }, t);
    const c = await createTestContainer({ cmd: CHATTY });
    await sleep(500);
    const base = await quietConnections();
    const token = await server.tokenFor('user', 'fan-out');
    const aborter = new AbortController();
    const follow = (tail: number, signal = aborter.signal) =>
      fetch(`${server.url}/api/v1/containers/${c.id}/logs?follow=true&tail=${tail}`, {
        headers: { authorization: `Bearer ${token}` },
        signal,
      });
    try {
      const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => follow(i % 2 === 0 ? 0 : 3)));
      assert.ok(responses.every((r) => r.status === 200));
      // Every follower hears live lines; the ones that asked for a tail get a backlog first.
      const firsts = await Promise.all(
        responses.map((r) => readSse(r, (frames) => frames.filter((f) => f.event === 'line').length >= 4)),
      );
      const counters = firsts.map((frames) => frames.filter((f) => f.event === 'line').map((f) => Number(f.data.text.split(' ')[0])));
      for (const frames of firsts) {
        // Lines come in order, none twice; a gap only where the stream says it dropped lines.
        let previous: number | undefined;
        let gapAllowed = false;
        for (const frame of frames) {
          if (frame.event === 'dropped') gapAllowed = true;
          if (frame.event !== 'line') continue;
          const n = Number(frame.data.text.split(' ')[0]);
          if (previous !== undefined) {
            assert.ok(gapAllowed ? n > previous : n === previous + 1, `in order, no gap or repeat: ${previous} then ${n}`);
          }
          previous = n;
          gapAllowed = false;
        }
      }
      const withTail = counters.filter((_, i) => i % 2 === 1);
      assert.ok(withTail.every((n) => n.length >= 4), 'the tailed followers got lines');
    } finally {
      aborter.abort();
    }
    // Counted while the 50 were open would race their closing; reopen 50 that stay, and count.
    const keep = new AbortController();
    try {
      const open = await Promise.all(Array.from({ length: 50 }, () => follow(0, keep.signal)));
      // Read with the body left open: readSse cancels its reader at the end, so peek at one chunk.
      await Promise.all(open.map((r) => r.body!.getReader().read()));
      const during = await daemonConnections();
      // One shared follow stream; a health probe or a snapshot refresh in flight may add one or two.
      assert.ok(during - base <= 3, `50 followers opened ${during - base} daemon connections`);
    } finally {
      keep.abort();
    }
    await settleConnections((n) => n <= base);
  });

  it('refuses a caller past its stream cap with 429 TOO_MANY_STREAMS, and takes it again once one closes', async (t) => {
    const capped = await startTestServer({ MAX_STREAMS_PER_CALLER: '2' }, t);
    const token = await capped.tokenFor('user', 'capped');
    const open = (signal: AbortSignal) => fetch(`${capped.url}/api/v1/events`, { headers: { authorization: `Bearer ${token}` }, signal });
    const first = new AbortController();
    const second = new AbortController();
    try {
      assert.equal((await open(first.signal)).status, 200);
      assert.equal((await open(second.signal)).status, 200);
      const third = await open(new AbortController().signal);
      assert.equal(third.status, 429);
      assert.equal((await third.json()).error.code, 'TOO_MANY_STREAMS');
      const other = await fetch(`${capped.url}/api/v1/events`, { headers: { authorization: `Bearer ${await capped.tokenFor('user', 'someone-else')}` } });
      assert.equal(other.status, 200, 'the cap is per caller');
      await other.body?.cancel();
      first.abort();
      let again: Response | undefined;
      for (let i = 0; i < 50 && again?.status !== 200; i++) {
        await again?.body?.cancel();
        await sleep(50);
        again = await open(second.signal);
      }
      assert.equal(again?.status, 200, 'a closed stream frees its slot');
    } finally {
      first.abort();
      second.abort();
    }
  });
});

describe('answers bounded', () => {
  useEngine();
  const server = useTestServer({ LOG_READ_MAX_BYTES: String(64 * 1024) });

  it('answers a log read with its newest lines within the byte limit, and says it is truncated', async () => {
    const c = await createTestContainer({ cmd: ['sh', '-c', 's=$(printf "%2000s" "" | tr " " b); for i in $(seq 1 200); do echo "$i $s"; done'] });
    await c.wait();
    const res = await server.call('GET', `/api/v1/containers/${c.id}/logs?tail=1000`);
    assert.equal(res.status, 200);
    assert.equal(res.body.truncated, true);
    const texts: string[] = res.body.lines.map((l: any) => l.text);
    const bytes = texts.reduce((sum, t) => sum + t.length, 0);
    assert.ok(bytes <= 64 * 1024, `${bytes} bytes of text answered`);
    assert.ok(texts.length > 10, `${texts.length} lines`);
    assert.equal(texts.at(-1)?.split(' ')[0], '200', 'the newest line is kept');
    const numbers = texts.map((t) => Number(t.split(' ')[0]));
    assert.deepEqual(numbers, numbers.map((_, i) => 200 - numbers.length + 1 + i), 'a contiguous run of the newest lines');
  });

  it('counts a line by its JSON bytes: control characters, 6 bytes each escaped, keep the answer within the limit', async () => {
    const c = await createTestContainer({ cmd: ['sh', '-c', 's=$(printf "%2000s" "" | tr " " "\\001"); for i in $(seq 1 200); do echo "$i $s"; done'] });
    await c.wait();
    const token = await server.tokenFor('user');
    const res = await fetch(`${server.url}/api/v1/containers/${c.id}/logs?tail=1000`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    const raw = Buffer.from(await res.arrayBuffer());
    const body = JSON.parse(raw.toString('utf8'));
    assert.equal(body.truncated, true);
    const texts: string[] = body.lines.map((l: any) => l.text);
    assert.ok(texts.length >= 2, `${texts.length} lines`);
    assert.ok(texts.every((t) => t.endsWith('\x01'.repeat(2000))), 'the control characters arrive as written');
    assert.equal(texts.at(-1)?.split(' ')[0], '200', 'the newest line is kept');
    // The answer's own envelope (id, truncated) comes on top of the lines' 64 KiB.
    assert.ok(raw.length <= 64 * 1024 + 256, `${raw.length} bytes answered`);
  });

  it('delivers output that never ends its line, in partial pieces, to every follower', async () => {
    const c = await createTestContainer({ cmd: ['sh', '-c', 'while true; do printf "%16384s" "" | tr " " c; usleep 50000; done'] });
    const token = await server.tokenFor('user');
    const aborter = new AbortController();
    try {
      const responses = await Promise.all(
        Array.from({ length: 3 }, () =>
          fetch(`${server.url}/api/v1/containers/${c.id}/logs?follow=true&tail=0`, {
            headers: { authorization: `Bearer ${token}` },
            signal: aborter.signal,
          }),
        ),
      );
      const got = await Promise.all(responses.map((r) => readSse(r, (frames) => frames.filter((f) => f.event === 'line').length >= 3)));
      for (const frames of got) {
        const lines = frames.filter((f) => f.event === 'line').map((f) => f.data);
        assert.ok(lines.length >= 3);
        assert.ok(lines.every((l: any) => l.partial === true && l.text.length <= 16 * 1024 && /^c+$/.test(l.text)));
      }
    } finally {
      aborter.abort();
    }
  });
});

describe('Docker health under a stalled event loop', () => {
  before(requireEngine);
  const server = useTestServer();

  it('does not mark the daemon down because the manager’s own loop was blocked for 3 s', async () => {
    const health = server.manager.hosts.resolve(undefined).health;
    assert.equal((await health.check()).reachable, true);
    const changes: boolean[] = [];
    const stop = health.onReachabilityChange((reachable) => changes.push(reachable));
    try {
      const probe = health.check();
      const until = Date.now() + 3000;
      while (Date.now() < until) {
        // Busy: no timer, no socket is served in this time.
      }
      const status = await probe;
      assert.equal(status.reachable, true, 'the probe in flight during the stall still finds the daemon');
      await sleep(500);
      assert.deepEqual(changes, [], 'the daemon never counted as down');
      assert.equal(health.isOpen(), false);
    } finally {
      stop();
    }
  });
});
