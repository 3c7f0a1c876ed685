import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dockerCli, psAll } from '../support/docker-cli.js';
import { requireEngine, RUN_ID, TEST_IMAGE, TEST_LABEL } from '../support/engine.js';
import { eventually } from '../support/eventually.js';
import { PrivateEngine } from '../support/private-engine.js';
import { readSse, type SseFrame } from '../support/sse.js';
import { useTestServer } from '../support/server.js';

/**
 * The daemon here is the test's own (see PrivateEngine): it is killed and restarted, which the
 * shared engine never is.
 */
describe('snapshot across a daemon restart', () => {
  let daemon: PrivateEngine;
  const label = `${TEST_LABEL}=${RUN_ID}`;
  const run = (...args: string[]) => dockerCli(args, daemon.dockerHost);
  const rows = (containers: any[]) =>
    containers
      .map((c) => ({ id: c.id, name: c.name, state: c.state, image: c.image }))
      .sort((a, b) => a.id.localeCompare(b.id));

  before(async () => {
    await requireEngine();
    daemon = await PrivateEngine.start();
    await daemon.loadTestImage();
  });
  const server = useTestServer(() => ({ DOCKER_HOST: daemon.dockerHost, DOCKER_TIMEOUT_MS: '2000' }));
  before(async () => {
    assert.ok(await server.manager.hosts.resolve(undefined).cache.waitLive(10_000), 'the snapshot goes live on the private daemon');
  });
  // Declared after the server, so that it closes before its daemon goes away.
  after(async () => {
    await daemon?.destroy();
  });

  it('stops serving the snapshot while the stream is down, resyncs after a crash and restart, then follows events again', async () => {
    const base = ['--network', 'none', '--stop-signal', 'SIGKILL', '--label', label];
    const running = await run('run', '-d', ...base, TEST_IMAGE, 'sleep', '3600');
    const created = await run('create', ...base, TEST_IMAGE, 'sleep', '3600');
    await eventually(async () => {
      const res = await server.call('GET', '/api/v1/containers');
      const states = Object.fromEntries((res.body.containers ?? []).map((c: any) => [c.id, c.state]));
      return states[running] === 'running' && states[created] === 'created' ? true : undefined;
    }, 'both containers in the snapshot');

    const aborter = new AbortController();
    const events = await fetch(`${server.url}/api/v1/events`, {
      headers: { authorization: `Bearer ${await server.tokenFor('user')}` },
      signal: aborter.signal,
    });
    assert.equal(events.status, 200);
    const resynced = readSse(events, (f) => f.some((x) => x.event === 'container' && x.data.type === 'resync'));

    // A crash: the event stream drops with no goodbye, and the containers are left to the restart.
    await daemon.kill();
    const down = await eventually(async () => {
      const res = await server.call('GET', '/api/v1/containers');
      return res.status === 503 ? res : undefined;
    }, 'list refused while Docker is down', 15_000);
    assert.equal(down.body.error.code, 'DOCKER_UNAVAILABLE', 'no stale snapshot served as if it were current');
    assert.equal(server.manager.hosts.resolve(undefined).cache.live, false);

    await daemon.startDaemon();
    // Changed before the manager may have reconnected: only a full resync can know.
    const late = await run('create', ...base, TEST_IMAGE, 'sleep', '3600');
    const frames: SseFrame[] = await Promise.race([
      resynced,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no resync event')), 20_000)),
    ]);
    assert.ok(frames.some((f) => f.data?.type === 'resync'), 'subscribers hear that the snapshot was rebuilt');
    // Not silence while the engine was gone: down when it went, up when it came back, then the resync.
    const told = frames.filter((f) => f.data?.type === 'daemon' || f.data?.type === 'resync').map((f) => f.data.state ?? f.data.type);
    assert.deepEqual(told.slice(-3), ['down', 'up', 'resync']);

    const expected = await psAll(label, daemon.dockerHost);
    assert.equal(expected.find((r) => r.id === running)?.state, 'exited', 'the restart (no live-restore) ended the running one');
    assert.ok(expected.some((r) => r.id === late));
    const agreed = await eventually(async () => {
      const res = await server.call('GET', '/api/v1/containers');
      if (res.status !== 200) return undefined;
      const listed = rows(res.body.containers);
      return JSON.stringify(listed) === JSON.stringify(expected) ? listed : undefined;
    }, 'the snapshot agrees with docker ps -a after the restart', 15_000);
    assert.deepEqual(agreed, expected);
    assert.ok(server.manager.hosts.resolve(undefined).cache.live);

    // Live again: an event-driven change shows within a second.
    await run('start', created);
    await eventually(async () => {
      const res = await server.call('GET', `/api/v1/containers?state=running`);
      return res.body.containers?.some((c: any) => c.id === created) ? true : undefined;
    }, 'a start after the resync is followed', 1000);
    aborter.abort();
    assert.equal(server.server.listening, true, 'the manager kept serving throughout');
  });
});
