import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { CLOCK_TOLERANCE_SECONDS } from '../../src/main/model/context.js';
import { createTestContainer, useEngine } from '../support/engine.js';
import { useIpcHarness } from '../support/ipc.js';
import { TEST_SECRET, useTestServer } from '../support/server.js';
import { readSse } from '../support/sse.js';

const TICKER = ['sh', '-c', 'i=0; while true; do echo tick$i; i=$((i+1)); sleep 0.2; done'];
/** An `exp` that the 30 s tolerance still accepts for about four more seconds. */
const soonExpired = () => Math.floor(Date.now() / 1000) - CLOCK_TOLERANCE_SECONDS + 4;
/** Generous: the stream must end at expiry, not whenever; a stream that never ends fails here. */
const WITHIN_MS = 30_000;

function deadline<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not end within ${WITHIN_MS} ms`)), WITHIN_MS).unref()),
  ]);
}

describe('streams end when the caller’s token expires', () => {
  useEngine();
  const server = useTestServer();
  const harness = useIpcHarness();

  it('over REST: the SSE stream ends with an UNAUTHENTICATED error event', async () => {
    const c = await createTestContainer({ cmd: TICKER });
    const token = await new SignJWT({ role: 'user', aud: 'gui-docker-manager' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject('short-lived')
      .setExpirationTime(soonExpired())
      .sign(new TextEncoder().encode(TEST_SECRET));
    const aborter = new AbortController();
    const res = await fetch(`${server.url}/api/v1/containers/${c.id}/logs?follow=true&tail=0`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      signal: aborter.signal,
    });
    assert.equal(res.status, 200, 'the token was still good when the stream opened');
    try {
      const frames = await deadline(readSse(res, (f) => f.some((x) => x.event === 'error' || x.event === 'end')), 'the stream');
      assert.ok(frames.some((f) => f.event === 'line'), 'lines flowed before the expiry');
      const last = frames.at(-1);
      assert.equal(last?.event, 'error');
      assert.equal(last?.data.error.code, 'UNAUTHENTICATED');
    } finally {
      aborter.abort();
    }
    const [entry] = (await server.manager.audit.list({ limit: 1, sub: 'short-lived' })).entries;
    assert.deepEqual([entry?.operation, entry?.code], ['containers.followLogs', 'UNAUTHENTICATED']);
  });

  it('over IPC: the subscription ends through its end callback with UNAUTHENTICATED', async () => {
    const c = await createTestContainer({ cmd: TICKER });
    const { api, webContents } = await harness.openWindow(null);
    harness.registration.bindIdentity(webContents, { sub: 'short-window', role: 'user', expiresAt: soonExpired() });
    let lines = 0;
    let unsubscribe = () => {};
    const ended = new Promise<Error | null>((resolve) => {
      unsubscribe = api.containers.followLogs({ id: c.id, tail: 0 }, () => lines++, resolve);
    });
    try {
      const error = await deadline(ended, 'the subscription');
      assert.match(String(error?.message), /^\[UNAUTHENTICATED\]/);
      assert.ok(lines > 0, 'lines flowed before the expiry');
      assert.equal(harness.registration.openStreams, 0);
    } finally {
      unsubscribe();
    }
  });
});
