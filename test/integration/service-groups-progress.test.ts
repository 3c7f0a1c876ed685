import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { groupProgressEvent, type GroupProgressEvent } from '../../src/shared/schemas/services.js';
import { stateOf, useEngine } from '../support/engine.js';
import { useIpcHarness } from '../support/ipc.js';
import { newScenario, type Scenario } from '../support/scenario.js';
import { readSse } from '../support/sse.js';
import { useTestServer } from '../support/server.js';

const SLOW_READY = {
  cmd: ['sh', '-c', 'sleep 1; touch /tmp/ready; exec sleep 3600'],
  healthCmd: 'test -f /tmp/ready',
  healthIntervalMs: 200,
};

/** db (with a healthcheck) → api; the events must tell the whole story in order. */
async function prepare(): Promise<Scenario> {
  const s = newScenario((n) => [{ name: 'core', phase: 2, members: [{ name: n('db') }, { name: n('api'), depends_on: [n('db')] }] }]);
  await s.container('db', SLOW_READY);
  await s.container('api');
  return s;
}

function assertStory(s: Scenario, events: unknown[]): void {
  const parsed = events.map((e) => groupProgressEvent.parse(e));
  const steps = parsed.map((e: GroupProgressEvent) => [e.service, e.step, e.level]);
  assert.deepEqual(steps, [
    [s.name('db'), 'starting', 0],
    [s.name('db'), 'waiting-healthy', 0],
    [s.name('db'), 'started', 0],
    [s.name('api'), 'starting', 1],
    [s.name('api'), 'started', 1],
  ]);
  assert.ok(parsed.every((e) => e.group === 'core' && /^[0-9a-f]{64}$/.test(e.containerId ?? '')));
}

describe('group progress over REST (Server-Sent Events)', () => {
  let s: Scenario;
  useEngine();
  before(async () => {
    s = await prepare();
  });
  const server = useTestServer(() => s.env);

  const post = async (path: string) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await server.tokenFor('developer')}`, accept: 'text/event-stream' },
    });

  it('streams one event per member state change, then the result', async () => {
    const res = await post('/api/v1/services/core/start');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const frames = await readSse(res, (f) => f.some((x) => x.event === 'result'));
    assertStory(s, frames.filter((f) => f.event === 'progress').map((f) => f.data));
    const result = frames.find((f) => f.event === 'result');
    assert.equal(result?.data.ok, true);
    assert.deepEqual(result?.data.results.map((r: any) => r.action), ['started', 'started']);
    assert.equal(await stateOf(server.manager.hosts.resolve(undefined).gateway.docker.getContainer(s.name('api'))), 'running');
  });

  it('keeps HTTP statuses for what fails before the operation runs', async () => {
    const missing = await post('/api/v1/services/nope/start');
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, 'GROUP_NOT_FOUND');
    const userToken = await server.tokenFor('user');
    const forbidden = await fetch(`${server.url}/api/v1/services/core/stop`, {
      method: 'POST',
      headers: { authorization: `Bearer ${userToken}`, accept: 'text/event-stream' },
    });
    assert.equal(forbidden.status, 403);
  });
});

describe('group progress over IPC', () => {
  let s: Scenario;
  useEngine();
  before(async () => {
    s = await prepare();
  });
  const harness = useIpcHarness(() => s.env);

  it('sends progress to the calling window only, then resolves with the result', async () => {
    const { api } = await harness.openWindow('developer');
    const other = await harness.openWindow('developer');
    const leaked: unknown[] = [];
    other.renderer.on('lucid-docker:stream.event', (...args) => leaked.push(args));
    const events: unknown[] = [];
    const result = await api.services.start({ group: 'core' }, { onEvent: (e: unknown) => events.push(e) });
    assert.equal(result.ok, true);
    assertStory(s, events);
    assert.deepEqual(leaked, []);
    assert.equal(harness.registration.openStreams, 0);

    const stopEvents: GroupProgressEvent[] = [];
    const stopped = await api.services.stop({ group: 'core', timeout: 0 }, { onEvent: (e: GroupProgressEvent) => stopEvents.push(e) });
    assert.equal(stopped.ok, true);
    assert.deepEqual(stopEvents.map((e) => [e.service, e.step]), [
      [s.name('api'), 'stopping'],
      [s.name('api'), 'stopped'],
      [s.name('db'), 'stopping'],
      [s.name('db'), 'stopped'],
    ]);
    assert.equal(await stateOf(harness.manager.hosts.resolve(undefined).gateway.docker.getContainer(s.name('db'))), 'exited');
  });
});
