import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { mintToken } from '../../src/main/auth/tokens.js';
import { createTestContainer, docker, removeRunContainers, requireEngine, stateOf } from '../support/engine.js';
import { TEST_SECRET } from '../support/server.js';
import { killAll, spawnServer } from '../support/spawned-server.js';
import { tempAuditPath } from '../support/temp.js';

describe('graceful shutdown of the headless server', () => {
  const spawned: ChildProcess[] = [];

  before(requireEngine);

  after(async () => {
    killAll(spawned);
    await removeRunContainers();
  });

  it('lets a request in flight at SIGTERM finish, ends subscriptions, refuses new connections, exits 0', async () => {
    // A stop that takes its whole grace period: the container ignores the SIGTERM it is sent.
    const stubborn = await createTestContainer({
      cmd: ['sh', '-c', 'trap "" TERM; while :; do sleep 1; done'],
      stopSignal: 'SIGTERM',
    });
    const talker = await createTestContainer({ cmd: ['sh', '-c', 'while :; do echo tick; sleep 1; done'] });
    const server = await spawnServer();
    spawned.push(server.child);
    const token = await mintToken({ secret: TEST_SECRET, sub: 'shutdown-test', role: 'admin', ttlSeconds: 600, audience: 'gui-docker-manager' });

    // A followed log: a subscription that would never end by itself.
    const follow = await fetch(`${server.url}/api/v1/containers/${talker.id}/logs?follow=true&tail=0`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    });
    assert.equal(follow.status, 200);
    assert.ok(follow.body);
    const reader = follow.body.getReader();
    const followed = (async () => {
      const decoder = new TextDecoder();
      let text = '';
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        text += decoder.decode(chunk.value, { stream: true });
      }
      return text;
    })();

    // The daemon reports the stop's SIGTERM as a "kill" event: then the request is surely in flight.
    const events = await docker.getEvents({ filters: { container: [stubborn.id], event: ['kill'] } });
    const stopBegan = new Promise<void>((resolve) => events.once('data', () => resolve()));
    const inFlight = fetch(`${server.url}/api/v1/containers/${stubborn.id}/stop`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ timeout: 3 }),
    });
    await stopBegan;
    (events as unknown as { destroy(): void }).destroy();
    server.child.kill('SIGTERM');
    await server.logged(/SIGTERM received/);
    // An impatient second signal (Ctrl-C twice) must not cut the request short either.
    server.child.kill('SIGINT');
    await server.logged(/SIGINT received again/);

    await assert.rejects(fetch(`${server.url}/api/v1/live`), 'no new connection is accepted once shutting down');

    const res = await inFlight;
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('connection'), 'close', 'the client is told the connection ends');
    const body = (await res.json()) as { state: string; changed: boolean };
    assert.deepEqual([body.state, body.changed], ['exited', true]);
    assert.equal(await stateOf(stubborn), 'exited');

    const sse = await followed;
    assert.match(sse, /event: end\ndata: \{[^\n]*"reason":"shutdown"/, 'the subscription ended with its end event');

    assert.deepEqual(await server.exited, { code: 0, signal: null });
    assert.match(server.output(), /shut down cleanly/);
  });

  it('records a control call the grace period cut as interrupted, once, before the process exits', async () => {
    const stubborn = await createTestContainer({
      cmd: ['sh', '-c', 'trap "" TERM; while :; do sleep 1; done'],
      stopSignal: 'SIGTERM',
    });
    const name = (await stubborn.inspect()).Name.slice(1);
    const auditPath = tempAuditPath();
    const server = await spawnServer({ SHUTDOWN_GRACE_MS: '300', AUDIT_LOG_PATH: auditPath });
    spawned.push(server.child);
    const token = await mintToken({ secret: TEST_SECRET, sub: 'cut-short', role: 'admin', ttlSeconds: 600, audience: 'gui-docker-manager' });

    const events = await docker.getEvents({ filters: { container: [stubborn.id], event: ['kill'] } });
    const stopBegan = new Promise<void>((resolve) => events.once('data', () => resolve()));
    // A stop that waits 60 s for a container that ignores SIGTERM: far beyond the 300 ms grace.
    const inFlight = fetch(`${server.url}/api/v1/containers/${stubborn.id}/stop`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ timeout: 60 }),
    });
    await stopBegan;
    (events as unknown as { destroy(): void }).destroy();
    server.child.kill('SIGTERM');

    await assert.rejects(inFlight, 'the grace period cut the connection');
    assert.deepEqual(await server.exited, { code: 0, signal: null });
    assert.equal(await stateOf(stubborn), 'running', 'the stop was still waiting when the manager went');
    const lines = readFileSync(auditPath, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
    assert.deepEqual(
      lines.map((e) => [e.operation, e.result, e.code, e.sub, e.role, e.target, e.transport]),
      [
        ['containers.stop', 'started', null, 'cut-short', 'admin', stubborn.id, 'rest'],
        ['containers.stop', 'interrupted', 'SHUTTING_DOWN', 'cut-short', 'admin', name, 'rest'],
      ],
      'the intent, then exactly one outcome, which says the call was cut',
    );
    assert.equal(lines[0].requestId, lines[1].requestId);
  });

  it('exits 0 at once on SIGINT when idle', async () => {
    const server = await spawnServer();
    spawned.push(server.child);
    assert.equal((await fetch(`${server.url}/api/v1/live`)).status, 200);
    server.child.kill('SIGINT');
    assert.deepEqual(await server.exited, { code: 0, signal: null });
  });
});
