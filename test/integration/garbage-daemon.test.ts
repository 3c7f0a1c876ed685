import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { GARBAGE_CONTAINER, GarbageDaemon, type Behaviour } from '../support/garbage-daemon.js';
import { sampleValue } from '../support/metrics.js';
import { waitFor } from '../support/eventually.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * DOCKER_HOST points at a local socket that answers nonsense or hangs up. The manager answers
 * 502/503 with its error envelope, its probes say Docker is down, and it keeps serving.
 */
describe('a daemon that answers garbage', () => {
  let daemon: GarbageDaemon;
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);

  before(async () => {
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
    daemon = await GarbageDaemon.start();
  });

  after(async () => {
    await daemon?.close();
    process.removeListener('unhandledRejection', onCrash);
    process.removeListener('uncaughtException', onCrash);
  });

  /** A server against the daemon for test `t`, closed when it ends. */
  async function serveAgainst(behaviour: Behaviour, t: TestContext): Promise<TestServer> {
    daemon.behaviour = behaviour;
    return startTestServer({ DOCKER_HOST: daemon.dockerHost }, t);
  }

  async function assertStillServing(s: TestServer): Promise<void> {
    assert.equal((await s.call('GET', '/api/v1/live', { role: null })).status, 200);
    const summary = await s.call('GET', '/health', { role: null });
    assert.equal(summary.status, 200);
  }

  for (const behaviour of ['not-http', 'nonsense', 'hang-up'] as const) {
    it(`${behaviour}: probes say Docker is down, calls answer 502/503, the server keeps serving`, async (t) => {
      const s = await serveAgainst(behaviour, t);
      const before = daemon.requests;
      for (const path of ['/api/v1/containers', `/api/v1/containers/${GARBAGE_CONTAINER}`, '/api/v1/containers/x/logs']) {
        const res = await s.call('GET', path);
        assert.ok(res.status === 502 || res.status === 503, `${path}: ${res.status}`);
        assert.ok(['DOCKER_ERROR', 'DOCKER_UNAVAILABLE'].includes(res.body.error.code), res.body.error.code);
        assert.equal(JSON.stringify(res.body).includes('/tmp/'), false, 'no socket path in the answer');
      }
      assert.ok(daemon.requests > before, 'the garbage daemon was really asked');
      await waitFor('ready turns 503', 3000, async () => (await s.call('GET', '/api/v1/ready', { role: null })).status === 503);
      const summary = await s.call('GET', '/health', { role: null });
      assert.deepEqual(summary.body, { status: 'degraded', docker: 'down' });
      const details = await s.call('GET', '/api/v1/health', { role: 'user' });
      assert.equal(details.status, 503);
      assert.equal(details.body.docker.reachable, false);
      assert.equal(sampleValue((await s.call('GET', '/metrics', { role: null })).body, 'lucid_docker_up'), 0);
      await assertStillServing(s);
    });
  }

  it('bad-api: a wrong-shaped answer is a 502, a log cut off halfway fails at once, not at the deadline', async (t) => {
    const s = await serveAgainst('bad-api', t);
    await waitFor('ready: the ping is fine', 5000, async () => (await s.call('GET', '/api/v1/ready', { role: null })).status === 200);
    const details = await s.call('GET', '/api/v1/health', { role: 'user' });
    assert.equal(details.body.docker.serverVersion, '99.0.0');

    const list = await s.call('GET', '/api/v1/containers');
    assert.equal(list.status, 502);
    assert.equal(list.body.error.code, 'DOCKER_ERROR');

    const inspected = await s.call('GET', `/api/v1/containers/${GARBAGE_CONTAINER}`);
    assert.equal(inspected.status, 200);
    assert.equal(inspected.body.name, 'garbage');

    const started = Date.now();
    const logs = await s.call('GET', `/api/v1/containers/${GARBAGE_CONTAINER}/logs`);
    const tookMs = Date.now() - started;
    assert.ok(logs.status === 502 || logs.status === 503, `logs: ${logs.status}`);
    assert.ok(tookMs < 5000, `answered in ${tookMs} ms, well before the 10 s Docker deadline`);
    await assertStillServing(s);
  });

  it('never crashed: no unhandled rejection, no uncaught exception', () => {
    assert.deepEqual(crashes, []);
  });
});
