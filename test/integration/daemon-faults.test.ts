import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { requireEngine, RUN_ID, TEST_IMAGE, TEST_LABEL } from '../support/engine.js';
import { readSse } from '../support/sse.js';
import { useIpcHarness, type IpcWindow } from '../support/ipc.js';
import { sampleSum, sampleValue } from '../support/metrics.js';
import { waitFor } from '../support/eventually.js';
import { PrivateEngine } from '../support/private-engine.js';
import { useTestServer } from '../support/server.js';
import { sleep } from '../support/sleep.js';

/**
 * A private dockerd (own socket, data root, exec root) is killed, paused and restarted under a
 * running manager: the probes tell the truth within their documented bounds, calls fail fast instead
 * of hanging, and the manager recovers by itself.
 */
describe('Docker daemon faults, on a private dockerd', () => {
  let engine: PrivateEngine;
  let window: IpcWindow;
  let serverStartedAt = 0;
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);

  before(async () => {
    await requireEngine();
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
    engine = await PrivateEngine.start();
    serverStartedAt = Date.now();
  });
  const server = useTestServer(() => ({ DOCKER_HOST: engine.dockerHost }));
  const ipc = useIpcHarness(() => ({ DOCKER_HOST: engine.dockerHost }));
  before(async () => {
    window = await ipc.openWindow('user');
  });

  // Declared after the server and the harness, so that they close before their engine goes away.
  after(async () => {
    await engine?.destroy();
    process.removeListener('unhandledRejection', onCrash);
    process.removeListener('uncaughtException', onCrash);
  });

  const ready = () => server.call('GET', '/api/v1/ready', { role: null });
  const metrics = async () => (await server.call('GET', '/metrics', { role: null })).body as string;

  it('is ready within 5 s of start and reports the daemon', async () => {
    await waitFor('ready after start', 5000 - (Date.now() - serverStartedAt), async () => (await ready()).status === 200);
    const details = await server.call('GET', '/api/v1/health', { role: 'user' });
    assert.equal(details.status, 200);
    assert.equal(details.body.status === 'healthy' || details.body.status === 'degraded', true);
    assert.equal(details.body.docker.reachable, true);
    assert.equal(details.body.docker.apiVersion, (await engine.docker.version()).ApiVersion);
    assert.equal(details.body.docker.compatible, true);
    assert.equal(sampleValue(await metrics(), 'lucid_docker_up'), 1);
    const listed = await server.call('GET', '/api/v1/containers');
    assert.equal(listed.status, 200);
  });

  it('turns not ready within about 2 s of the daemon dying, and fails calls fast with 503', async () => {
    await engine.kill();
    await waitFor('ready turns 503', 3000, async () => (await ready()).status === 503);
    const notReady = await ready();
    assert.equal(notReady.body.ready, false);
    assert.equal(notReady.body.docker, 'down');
    assert.match(notReady.body.reason, /not reachable/);

    // A burst of calls while the daemon is away: every one answers 503 at once, none hangs.
    const started = Date.now();
    const burst = await Promise.all(Array.from({ length: 20 }, () => server.call('GET', '/api/v1/containers')));
    const burstMs = Date.now() - started;
    for (const res of burst) {
      assert.equal(res.status, 503);
      assert.equal(res.body.error.code, 'DOCKER_UNAVAILABLE');
    }
    assert.ok(burstMs < 2000, `20 calls answered in ${burstMs} ms`);

    const summary = await server.call('GET', '/health', { role: null });
    assert.deepEqual([summary.status, summary.body], [200, { status: 'degraded', docker: 'down' }]);
    assert.equal((await server.call('GET', '/api/v1/live', { role: null })).status, 200);
    const details = await server.call('GET', '/api/v1/health', { role: 'user' });
    assert.equal(details.status, 503);
    assert.equal(details.body.status, 'unhealthy');
    assert.equal(details.body.docker.reachable, false);
    assert.equal(typeof details.body.docker.lastError, 'string');
    assert.equal(JSON.stringify(details.body).includes(engine.dir), false, 'no host path in the answer');

    const text = await metrics();
    assert.equal(sampleValue(text, 'lucid_docker_up'), 0);
    assert.ok(sampleSum(text, 'docker_operations_total', { result: 'circuit_open' }) >= 1);
  });

  it('tells the same over IPC while the daemon is down', async () => {
    await waitFor('IPC sees Docker down', 3000, async () => !(await window.api.health.ready()).ready);
    assert.deepEqual(await window.api.health.summary(), { status: 'degraded', docker: 'down' });
    const details = await window.api.health.details();
    assert.equal(details.status, 'unhealthy');
    await assert.rejects(window.api.containers.list(), /^Error: \[DOCKER_UNAVAILABLE\]/);
  });

  it('recovers by itself within 5 s of the daemon coming back', async () => {
    await engine.startDaemon();
    await waitFor('ready again', 5000, async () => (await ready()).status === 200);
    assert.equal((await server.call('GET', '/api/v1/containers')).status, 200);
    assert.equal(sampleValue(await metrics(), 'lucid_docker_up'), 1);
    await waitFor('IPC ready again', 5000, async () => (await window.api.health.ready()).ready === true);
    assert.equal(typeof (await window.api.containers.list()).total, 'number');
  });

  it('answers calls made the moment the daemon hangs within about 2 s: 503 from Docker, or the snapshot of a moment ago', async () => {
    await waitFor('ready before the hang', 5000, async () => (await ready()).status === 200);
    engine.pause();
    try {
      const timed = async (path: string) => {
        const started = Date.now();
        const res = await server.call('GET', path);
        return { path, res, ms: Date.now() - started };
      };
      const [list, ...toDocker] = await Promise.all([
        timed('/api/v1/containers?all=true'),
        timed('/api/v1/containers/none-such'),
        timed('/api/v1/containers/none-such/logs'),
      ]);
      // Until a probe finds the hang, the list is still the live snapshot's; then it is Docker's 503.
      assert.ok(list!.res.status === 200 || list!.res.status === 503, JSON.stringify(list!.res.body));
      assert.ok(list!.ms < 2500, `list answered in ${list!.ms} ms`);
      for (const { path, res, ms } of toDocker) {
        assert.equal(res.status, 503, `${path}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, 'DOCKER_UNAVAILABLE');
        assert.ok(ms < 2500, `${path} answered in ${ms} ms`);
      }
      assert.ok(sampleSum(await metrics(), 'docker_operations_total', { result: 'unavailable' }) >= 1);
    } finally {
      engine.resume();
    }
    await waitFor('ready after resume', 5000, async () => (await ready()).status === 200);
    assert.equal((await server.call('GET', '/api/v1/containers')).status, 200);
  });

  it('stops waiting on a daemon that accepts connections but never answers', async () => {
    engine.pause();
    try {
      // Each probe waits 2 s for its answer: two missed answers at most before it is known down.
      await waitFor('ready turns 503 on a hung daemon', 6000, async () => (await ready()).status === 503);
      const started = Date.now();
      const res = await server.call('GET', '/api/v1/containers');
      assert.equal(res.status, 503);
      assert.ok(Date.now() - started < 2000, 'answered at once, not at the Docker deadline');
      assert.match((await ready()).body.reason, /did not answer in time/);
    } finally {
      engine.resume();
    }
    await waitFor('ready after resume', 5000, async () => (await ready()).status === 200);
  });

  it('ends a followed log with reason error when the daemon dies under it, and recovers', async () => {
    await waitFor('ready before the follow', 5000, async () => (await ready()).status === 200);
    await engine.loadTestImage();
    const ticker = await engine.docker.createContainer({
      Image: TEST_IMAGE,
      Cmd: ['sh', '-c', 'while true; do echo tick; sleep 0.2; done'],
      HostConfig: { NetworkMode: 'none' },
      Labels: { [TEST_LABEL]: RUN_ID },
    });
    await ticker.start();
    const res = await fetch(`${server.url}/api/v1/containers/${ticker.id}/logs?follow=true&tail=0`, {
      headers: { authorization: `Bearer ${await server.tokenFor('user')}`, accept: 'text/event-stream' },
    });
    assert.equal(res.status, 200);
    const reading = readSse(res, (f) => f.some((x) => x.event === 'end'));
    await sleep(600);
    await engine.kill();
    const end = (await reading).find((f) => f.event === 'end');
    assert.equal(end?.data.reason, 'error');
    assert.equal(end?.data.error.code, 'DOCKER_UNAVAILABLE');
    await engine.startDaemon();
    await waitFor('ready after the restart', 5000, async () => (await ready()).status === 200);
  });

  it('never crashed: no unhandled rejection, no uncaught exception', async () => {
    assert.equal((await server.call('GET', '/api/v1/live', { role: null })).status, 200);
    assert.deepEqual(crashes, []);
  });
});
