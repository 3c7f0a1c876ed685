import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { statsOutput } from '../../src/shared/schemas/containers.js';
import { CREDIT_WINDOW, MAX_QUEUED } from '../../src/main/ipc/flow.js';
import { daemonConnections, quietConnections, settleConnections } from '../support/daemon-connections.js';
import { createTestContainer, sleeper, useEngine } from '../support/engine.js';
import { eventually } from '../support/eventually.js';
import { startIpcHarness, useIpcHarness, type IpcWindow } from '../support/ipc.js';
import { newScenario } from '../support/scenario.js';
import { readSse } from '../support/sse.js';
import { useTestServer } from '../support/server.js';
import { sleep } from '../support/sleep.js';

const BUSY = ['sh', '-c', 'while :; do :; done'];
const TICKER = ['sh', '-c', 'while :; do echo tick; sleep 0.2; done'];

describe('live stats (containers.watchStats)', () => {
  useEngine();
  const server = useTestServer();
  const harness = useIpcHarness();

  it('REST: one numbered stats event per sample, CPU % from successive samples, end when the container stops', async () => {
    const busy = await createTestContainer({ cmd: BUSY });
    const res = await fetch(`${server.url}/api/v1/containers/${busy.id}/stats?stream=true`, {
      headers: { authorization: `Bearer ${await server.tokenFor('user')}` },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reading = readSse(res, (f) => f.some((x) => x.event === 'end'));
    await sleep(3500);
    await busy.kill();
    const frames = await reading;
    const samples = frames.filter((f) => f.event === 'stats').map((f) => statsOutput.parse(f.data));
    assert.ok(samples.length >= 2, `samples: ${samples.length}`);
    assert.ok(samples.every((s) => s.id === busy.id));
    const later = samples.slice(1);
    assert.ok(later.every((s) => s.cpuWindowSeconds > 0.5 && s.cpuWindowSeconds < 3), 'later samples span one collection cycle');
    assert.ok(Math.max(...later.map((s) => s.cpuPercent)) > 5, `a spinning shell shows CPU: ${later.map((s) => s.cpuPercent)}`);
    assert.ok(samples.every((s) => s.memoryUsageBytes > 0 && s.pids >= 1));
    const end = frames.find((f) => f.event === 'end');
    assert.equal(end?.data.reason, 'ended');
    assert.equal(end?.data.samples, samples.length);
  });

  it('IPC: samples reach the subscribing window until it unsubscribes', async () => {
    const c = await sleeper();
    const { api } = await harness.openWindow('user');
    const samples: any[] = [];
    let ended: unknown = 'not yet';
    const unsubscribe = api.containers.watchStats({ id: c.id }, (s: any) => samples.push(s), (err: unknown) => (ended = err));
    await eventually(() => (samples.length >= 2 ? true : undefined), 'two samples', 10_000);
    unsubscribe();
    await eventually(() => (ended !== 'not yet' ? true : undefined), 'the end callback', 5000);
    assert.equal(ended, null);
    assert.ok(samples.every((s) => statsOutput.safeParse(s).success && s.id === c.id));
  });

  it('refuses what cannot be watched before a stream opens: stopped, unknown, malformed, anonymous', async () => {
    const stopped = await sleeper({}, false);
    const cases: Array<[string, number, string]> = [
      [stopped.id, 409, 'CONTAINER_NOT_RUNNING'],
      ['no-such-container-stats', 404, 'CONTAINER_NOT_FOUND'],
      ['.bad', 400, 'VALIDATION_FAILED'],
    ];
    for (const [id, status, code] of cases) {
      const res = await server.call('GET', `/api/v1/containers/${id}/stats?stream=true`, { role: 'user' });
      assert.equal(res.status, status, id);
      assert.equal(res.body.error.code, code, id);
    }
    const anonymous = await fetch(`${server.url}/api/v1/containers/${stopped.id}/stats?stream=true`);
    assert.equal(anonymous.status, 401);
    const plain = await server.call('GET', `/api/v1/containers/${stopped.id}/stats?stream=false`, { role: 'user' });
    assert.equal(plain.body.error.code, 'CONTAINER_NOT_RUNNING', 'stream=false is the one-shot answer');
  });

  it('refuses a stream switch that is neither true nor false, on REST and IPC, instead of answering once', async (t) => {
    const running = await sleeper({}, true);
    for (const path of [
      `/api/v1/containers/${running.id}/stats?stream=yes`,
      `/api/v1/containers/${running.id}/stats?stream=1`,
      `/api/v1/containers/${running.id}/logs?follow=maybe`,
    ]) {
      const res = await server.call('GET', path, { role: 'user' });
      assert.equal(res.status, 400, path);
      assert.equal(res.body.error.code, 'VALIDATION_FAILED', path);
    }
    const ipc = await startIpcHarness({}, t);
    const window = await ipc.openWindow('user');
    await assert.rejects(window.api.containers.stats({ id: running.id, stream: true }), /^Error: \[VALIDATION_FAILED\] .*stream/);
    assert.equal(ipc.registration.openStreams, 0);
  });
});

describe('batch stats (stats.list)', () => {
  const s = newScenario((n) => [
    { name: 'application', phase: 3, members: [{ name: n('a') }, { name: n('b') }] },
    { name: 'support', phase: 4, members: [{ name: n('c') }] },
  ]);
  useEngine();
  const server = useTestServer({ ...s.env, STATS_LINGER_MS: '1500' });
  before(async () => {
    assert.ok(await server.manager.hosts.resolve(undefined).cache.waitLive(10_000));
  });

  it('answers for every running container of a group at once, collects only while asked, then lets go', async () => {
    const a = await s.container('a', { cmd: BUSY });
    const b = await s.container('b');
    const c = await s.container('c');
    const idle = await s.container('idle');
    await Promise.all([a.start(), b.start(), c.start()]);
    await eventually(async () => (server.manager.hosts.resolve(undefined).cache.running().some((r) => r.Id === c.id) ? true : undefined), 'running in the snapshot');
    const baseline = await quietConnections();
    assert.equal(server.manager.hosts.resolve(undefined).statsCollector.openFeeds, 0, 'nothing is collected before anyone asks');

    const cold = await server.call('GET', '/api/v1/stats?group=application', { role: 'user' });
    assert.equal(cold.status, 200);
    assert.equal(cold.body.running, 2);
    assert.deepEqual(cold.body.stats.map((x: any) => x.id).sort(), [a.id, b.id].sort(), 'only the group, only running ones');
    assert.ok(!cold.body.stats.some((x: any) => x.id === idle.id));
    assert.equal(server.manager.hosts.resolve(undefined).statsCollector.openFeeds, 2, 'one stream per running container in scope');
    const during = await daemonConnections();

    const warm = await server.call('GET', '/api/v1/stats?group=application', { role: 'user' });
    const busy = warm.body.stats.find((x: any) => x.id === a.id);
    assert.ok(busy.cpuWindowSeconds > 0.5, 'CPU % over the daemon collection cycle');
    assert.ok(busy.cpuPercent > 5, `the spinning member shows CPU (${busy.cpuPercent})`);

    const everything = await server.call('GET', '/api/v1/stats', { role: 'user' });
    assert.ok(everything.body.stats.some((x: any) => x.id === c.id), 'without a group: every running container');

    // Nobody asks any more: after the linger every stream is closed, nothing polls.
    await eventually(() => (server.manager.hosts.resolve(undefined).statsCollector.openFeeds === 0 ? true : undefined), 'feeds closed', 10_000);
    const after = await settleConnections((n) => n <= baseline);
    assert.ok(after <= baseline, `no connection to the daemon is left (${baseline} before, ${after} after)`);
    assert.ok(during - after >= 2, `the feeds were real daemon connections (${during} while open, ${after} after)`);
  });

  it('rejects a bad group, a group nobody configured, and anonymous callers', async () => {
    const bad = await server.call('GET', '/api/v1/stats?group=NOPE', { role: 'user' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'VALIDATION_FAILED');
    for (const path of ['/api/v1/stats?group=nosuchgroup', '/api/v1/events?group=nosuchgroup']) {
      const unknown = await server.call('GET', path, { role: 'user' });
      assert.equal(unknown.status, 404, path);
      assert.equal(unknown.body.error.code, 'GROUP_NOT_FOUND', path);
    }
    assert.equal((await server.call('GET', '/api/v1/stats', { role: null })).status, 401);
  });
});

describe('stream teardown closes the Docker connection behind it', () => {
  useEngine();
  const server = useTestServer();
  const harness = useIpcHarness();
  before(async () => {
    assert.ok(await server.manager.hosts.resolve(undefined).cache.waitLive(10_000));
    assert.ok(await harness.manager.hosts.resolve(undefined).cache.waitLive(10_000));
  });

  it('REST: a client that disconnects leaves no daemon connection behind', async () => {
    const c = await createTestContainer({ cmd: TICKER });
    const baseline = await quietConnections();
    const token = await server.tokenFor('user');
    const aborters = [new AbortController(), new AbortController(), new AbortController()];
    const paths = [`/api/v1/containers/${c.id}/logs?follow=true&tail=0`, `/api/v1/containers/${c.id}/stats?stream=true`, `/api/v1/containers/${c.id}/logs?follow=true&tail=5`];
    const responses = await Promise.all(
      paths.map((path, i) => fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: aborters[i]?.signal })),
    );
    assert.deepEqual(responses.map((r) => r.status), [200, 200, 200]);
    const open = await settleConnections((n) => n >= baseline + 3);
    assert.ok(open >= baseline + 3, `three streams hold three connections (${baseline} → ${open})`);
    for (const aborter of aborters) aborter.abort();
    const after = await settleConnections((n) => n <= baseline);
    assert.ok(after <= baseline, `back to ${baseline} after the disconnect (now ${after})`);
  });

  it('IPC: unsubscribing and destroying the window close their daemon connections', async () => {
    const c = await createTestContainer({ cmd: TICKER });
    const baseline = await quietConnections();
    const window = await harness.openWindow('user');
    let lines = 0;
    let samples = 0;
    const stopLogs = window.api.containers.followLogs({ id: c.id, tail: 0 }, () => lines++);
    window.api.containers.watchStats({ id: c.id }, () => samples++);
    window.api.containers.onEvent({}, () => undefined);
    await eventually(() => (lines > 0 && samples > 0 ? true : undefined), 'lines and samples flow', 10_000);
    assert.equal(harness.registration.openStreams, 3);
    assert.ok((await daemonConnections()) >= baseline + 2, 'logs and stats hold a connection each; events share the snapshot');
    stopLogs();
    const afterUnsubscribe = await settleConnections((n) => n <= baseline + 1);
    assert.ok(afterUnsubscribe <= baseline + 1, `unsubscribe closed one (${afterUnsubscribe})`);
    window.webContents.destroy();
    await eventually(() => (harness.registration.openStreams === 0 ? true : undefined), 'every stream of the window ends', 5000);
    const after = await settleConnections((n) => n <= baseline);
    assert.ok(after <= baseline, `back to ${baseline} after the window went away (now ${after})`);
  });

  for (const [how, pageGone] of [
    ['reloading the page', (w: IpcWindow) => w.webContents.reload()],
    ['a crashed renderer', (w: IpcWindow) => w.webContents.crash()],
  ] as const) {
    it(`IPC: ${how} ends the page's streams and closes their daemon connections; the window lives on`, async () => {
      const c = await createTestContainer({ cmd: TICKER });
      const baseline = await quietConnections();
      const window = await harness.openWindow('user');
      let lines = 0;
      window.api.containers.followLogs({ id: c.id, tail: 0 }, () => lines++);
      window.api.containers.watchStats({ id: c.id }, () => undefined);
      await eventually(() => (lines > 0 ? true : undefined), 'lines flow', 10_000);
      assert.ok((await daemonConnections()) >= baseline + 2, 'logs and stats hold a connection each');
      pageGone(window);
      await eventually(() => (harness.registration.openStreams === 0 ? true : undefined), 'every stream of the page ends', 5000);
      const after = await settleConnections((n) => n <= baseline);
      assert.ok(after <= baseline, `back to ${baseline} after the page went away (now ${after})`);
      assert.equal(window.webContents.isDestroyed(), false);
      window.webContents.destroy();
    });
  }
});

describe('IPC backpressure', () => {
  useEngine();
  const harness = useIpcHarness();

  it('a stalled page gets a bounded window and queue, then a dropped notice; nothing is lost uncounted', async () => {
    const c = await createTestContainer({ cmd: ['sh', '-c', 'seq 1 12000; sleep 3600'] });
    await eventually(async () => ((await c.logs({ stdout: true, tail: 1 })).toString().includes('12000') ? true : undefined), 'the log is written', 10_000);
    const window = await harness.openWindow('user');
    window.webContents.stall();
    let delivered = 0;
    let dropped = 0;
    let ready = false;
    const unsubscribe = window.api.containers.followLogs({ id: c.id, tail: 10000 }, () => delivered++, {
      onReady: () => (ready = true),
      onDropped: (n: number) => (dropped += n),
    });
    let maxHeld = 0;
    let maxQueued = 0;
    await eventually(() => {
      maxHeld = Math.max(maxHeld, window.webContents.held.filter(([ch]) => ch === 'lucid-docker:stream.event').length);
      maxQueued = Math.max(maxQueued, harness.registration.queuedEvents);
      return maxQueued >= MAX_QUEUED ? true : undefined;
    }, 'main fills its bounded queue', 10_000);
    await sleep(300);
    maxHeld = Math.max(maxHeld, window.webContents.held.filter(([ch]) => ch === 'lucid-docker:stream.event').length);
    assert.equal(maxHeld, CREDIT_WINDOW, 'no more than the credit window went to the stalled page');
    assert.equal(harness.registration.queuedEvents, MAX_QUEUED, 'main holds no more than its bound');
    window.webContents.resume();
    await eventually(() => (delivered + dropped === 10000 ? true : undefined), 'every line delivered or counted', 10_000);
    assert.ok(ready);
    assert.ok(dropped > 0, 'the page is told what it missed');
    assert.ok(delivered >= CREDIT_WINDOW + MAX_QUEUED, `what was held is delivered (${delivered})`);
    unsubscribe();
    await eventually(() => (harness.registration.openStreams === 0 ? true : undefined), 'the stream ends', 5000);
  });
});
