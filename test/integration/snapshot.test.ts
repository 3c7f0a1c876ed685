import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { listContainersOutput } from '../../src/shared/schemas/containers.js';
import { dockerCli, psAll, type PsRow } from '../support/docker-cli.js';
import { RUN_ID, sleeper, TEST_IMAGE, TEST_LABEL, useEngine } from '../support/engine.js';
import { eventually } from '../support/eventually.js';
import { newScenario } from '../support/scenario.js';
import { readSse, type SseFrame } from '../support/sse.js';
import { useTestServer } from '../support/server.js';
import { useIpcHarness } from '../support/ipc.js';
import { dockerCallCount, sampleValue } from '../support/metrics.js';
import { sleep } from '../support/sleep.js';

const CHURN_LABEL = 'lucid.test.churn';

function rowsOf(containers: any[], churn: string): PsRow[] {
  return containers
    .filter((c) => c.labels[CHURN_LABEL] === churn)
    .map((c) => ({ id: c.id, name: c.name, state: c.state, image: c.image }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

describe('the container snapshot', () => {
  useEngine();
  const server = useTestServer();
  before(async () => {
    assert.ok(await server.manager.hosts.resolve(undefined).cache.waitLive(10_000), 'the snapshot goes live');
  });

  it('agrees with docker ps -a within a second of churn by the docker CLI, and every read meanwhile is sound', async () => {
    const churn = randomUUID();
    const labels = ['--label', `${TEST_LABEL}=${RUN_ID}`, '--label', `${CHURN_LABEL}=${churn}`];
    const base = ['--network', 'none', '--stop-signal', 'SIGKILL', ...labels];
    const problems: string[] = [];
    let reads = 0;
    let churning = true;
    const reader = (async () => {
      while (churning) {
        const res = await server.call('GET', '/api/v1/containers');
        if (res.status !== 200) problems.push(`status ${res.status}`);
        else {
          const parsed = listContainersOutput.safeParse(res.body);
          if (!parsed.success) problems.push('answer does not match the contract');
          else if (new Set(parsed.data.containers.map((c) => c.id)).size !== parsed.data.total) problems.push('duplicate ids');
          reads++;
        }
        await sleep(10);
      }
    })();
    // Each worker leaves one container created, one running, one exited, one renamed, and removes one.
    const worker = async (w: number) => {
      const created = await dockerCli(['create', ...base, '--name', `lt-churn-${churn.slice(0, 8)}-${w}-c`, TEST_IMAGE, 'sleep', '3600']);
      const running = await dockerCli(['run', '-d', ...base, TEST_IMAGE, 'sleep', '3600']);
      const stopped = await dockerCli(['run', '-d', ...base, TEST_IMAGE, 'sleep', '3600']);
      await dockerCli(['stop', '-t', '0', stopped]);
      const renamed = await dockerCli(['run', '-d', ...base, TEST_IMAGE, 'sleep', '3600']);
      await dockerCli(['rename', renamed, `lt-churn-${churn.slice(0, 8)}-${w}-renamed`]);
      await dockerCli(['restart', '-t', '0', running]);
      const removed = await dockerCli(['run', '-d', ...base, TEST_IMAGE, 'sleep', '3600']);
      await dockerCli(['rm', '-f', removed]);
      return [created, running, stopped, renamed];
    };
    const survivors = (await Promise.all([0, 1, 2].map(worker))).flat();
    const expected = await psAll(`${CHURN_LABEL}=${churn}`);
    assert.equal(expected.length, survivors.length);
    assert.deepEqual(new Set(expected.map((r) => r.state)), new Set(['created', 'running', 'exited']));

    // The documented bound: whatever changed a container shows within one second.
    const agreed = await eventually(async () => {
      const res = await server.call('GET', '/api/v1/containers?all=true');
      const rows = rowsOf(res.body.containers ?? [], churn);
      return JSON.stringify(rows) === JSON.stringify(expected) ? rows : undefined;
    }, 'the manager agrees with docker ps -a', 1000);
    churning = false;
    await reader;
    assert.deepEqual(agreed, expected);
    assert.deepEqual(problems, []);
    assert.ok(reads > 5, `the list was read during the churn (${reads} reads)`);
    assert.ok(server.manager.hosts.resolve(undefined).cache.live, 'answers came from the live snapshot');
    const renamed = agreed.filter((r) => r.name.endsWith('-renamed'));
    assert.equal(renamed.length, 3, 'renames are followed');
  });

  it("shows the manager's own changes at once, with Docker's status text", async () => {
    const c = await sleeper({}, false);
    await eventually(async () => ((await server.call('GET', `/api/v1/containers/${c.id}`)).status === 200 ? true : undefined), 'known');
    const started = await server.call('POST', `/api/v1/containers/${c.id}/start`);
    assert.equal(started.body.state, 'running');
    const listed = await server.call('GET', '/api/v1/containers?state=running');
    const mine = listed.body.containers.find((x: any) => x.id === c.id);
    assert.ok(mine, 'listed as running right after the start returned, no waiting');
    assert.match(mine.status, /^Up (Less than a second|\d+ seconds?)$/);
    const stopped = await server.call('POST', `/api/v1/containers/${c.id}/stop`, { body: { timeout: 0 } });
    assert.equal(stopped.body.state, 'exited');
    const after = await server.call('GET', `/api/v1/containers/${c.id}`);
    assert.equal(after.body.state, 'exited');
    assert.match(after.body.status, /^Exited \(137\) (Less than a second|\d+ seconds?) ago$/);
    const engine = await psAll(`${TEST_LABEL}=${RUN_ID}`);
    assert.equal(engine.find((r) => r.id === c.id)?.state, 'exited');
  });

  it('counts containers for the metrics from the snapshot: a scrape, a list or a group status costs the daemon nothing', async () => {
    const c = await sleeper({}, true);
    await eventually(async () => (server.manager.hosts.resolve(undefined).cache.lookup(c.id)?.State.Status === 'running' ? true : undefined), 'running in the snapshot');
    const before = await dockerCallCount(server.manager, 'containers.list');
    const first = await server.call('GET', '/metrics', { role: null });
    assert.equal(first.status, 200);
    assert.ok((sampleValue(first.body, 'lucid_containers_total', { state: 'running' }) ?? 0) >= 1, 'the running container is counted');
    await sleep(1100);
    await server.call('GET', '/metrics', { role: null });
    await server.call('GET', '/api/v1/containers');
    const groups = await server.call('GET', '/api/v1/services');
    assert.equal(groups.status, 200);
    const [group] = groups.body.groups;
    assert.ok(group, 'the test config has a group');
    assert.equal((await server.call('GET', `/api/v1/services/${group.name}`)).status, 200);
    assert.equal(await dockerCallCount(server.manager, 'containers.list'), before, 'no list call reached Docker');
  });

  it('rejects bad list filters with 400 and changes nothing', async () => {
    for (const query of ['state=sleeping', 'all=maybe', 'group=Not_A_Group!']) {
      const res = await server.call('GET', `/api/v1/containers?${query}`);
      assert.equal(res.status, 400, query);
      assert.equal(res.body.error.code, 'VALIDATION_FAILED', query);
    }
  });
});

describe('container events (containers.onEvent)', () => {
  const s = newScenario((n) => [
    { name: 'core', phase: 2, members: [{ name: n('api') }] },
    { name: 'support', phase: 4, members: [{ name: n('mon') }] },
  ]);
  useEngine();
  const server = useTestServer({ ...s.env, SSE_HEARTBEAT_MS: '50' });
  const harness = useIpcHarness(s.env);
  before(async () => {
    assert.ok(await server.manager.hosts.resolve(undefined).cache.waitLive(10_000));
    assert.ok(await harness.manager.hosts.resolve(undefined).cache.waitLive(10_000));
  });

  it('REST: numbered SSE events with heartbeat comments, only of the asked group, after the snapshot took them in', async () => {
    const aborter = new AbortController();
    const res = await fetch(`${server.url}/api/v1/events?group=core`, {
      headers: { authorization: `Bearer ${await server.tokenFor('user')}` },
      signal: aborter.signal,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const mon = await s.container('mon');
    const api = await s.container('api');
    await mon.start();
    await api.start();
    const frames = await readSse(res, (f) => f.some((x) => x.event === 'container' && x.data.action === 'start'));
    aborter.abort();
    // The group filter is on container changes; a host or daemon notice (a probe that timed out
    // under load, say) goes to every subscriber of the host and is not what this counts.
    const events = frames.filter((f) => f.event === 'container' && f.data.type === 'container');
    assert.ok(events.length >= 2, 'create and start of the core member');
    assert.ok(events.every((f) => f.data.group === 'core' && f.data.id === api.id), 'nothing of the support member');
    assert.deepEqual(events.map((f) => f.data.action), ['create', 'start']);
    assert.ok(frames.some((f) => f.event === 'comment' && f.data === 'heartbeat'), 'heartbeat comments keep the stream alive');
    const ids = events.map((f) => Number(f.id));
    assert.ok(ids.every((id, i) => Number.isInteger(id) && (i === 0 || id > (ids[i - 1] ?? 0))), 'ids increase');
    for (const frame of events) {
      const lines = frame.raw.split('\n');
      assert.deepEqual(lines.map((l) => l.split(':')[0]), ['id', 'event', 'data'], 'one id, one event, one data line');
    }
    const start = events.find((f) => f.data.action === 'start') as SseFrame;
    assert.equal(start.data.container.state, 'running', 'the event carries the state after the change');
    assert.equal(start.data.name, s.name('api'));
  });

  it('IPC: events reach the subscribing window only; a list read on an event agrees with it', async () => {
    const window = await harness.openWindow('user');
    const other = await harness.openWindow('user');
    const foreign: unknown[] = [];
    other.renderer.on('lucid-docker:stream.event', (...args: unknown[]) => foreign.push(args));
    const seen: any[] = [];
    const listedOnEvent: Promise<string | undefined>[] = [];
    let ready = false;
    const unsubscribe = window.api.containers.onEvent({ group: 'support' }, (event: any) => {
      // Host and daemon notices reach every subscriber of the host; the group filter is on container changes.
      if (event.type !== 'container') return;
      seen.push(event);
      if (event.action === 'die') {
        listedOnEvent.push(
          window.api.containers.get({ id: event.id }).then((c: any) => c.state),
        );
      }
    }, { onReady: () => (ready = true) });
    await eventually(() => (ready ? true : undefined), 'the subscription is ready', 5000);
    const mon = await s.container('mon-2', { labels: { 'lucid.service.group': 'support' } });
    await mon.start();
    await mon.kill();
    await eventually(() => (seen.some((e) => e.action === 'die') ? true : undefined), 'the die event', 5000);
    unsubscribe();
    assert.deepEqual(seen.map((e) => e.action).filter((a) => a !== 'kill'), ['create', 'start', 'die']);
    assert.ok(seen.every((e) => e.group === 'support'));
    assert.deepEqual(await Promise.all(listedOnEvent), ['exited'], 'read right after the event, the state agrees');
    assert.deepEqual(foreign, []);
    await eventually(() => (harness.registration.openStreams === 0 ? true : undefined), 'the stream closes', 5000);
  });

  it('refuses anonymous callers and bad groups before any stream opens', async () => {
    const anonymous = await fetch(`${server.url}/api/v1/events`);
    assert.equal(anonymous.status, 401);
    for (const group of ['CORE', 'a b', '-x']) {
      const res = await server.call('GET', `/api/v1/events?group=${encodeURIComponent(group)}`, { role: 'user' });
      assert.equal(res.status, 400, group);
      assert.equal(res.body.error.code, 'VALIDATION_FAILED');
    }
    const window = await harness.openWindow(null);
    const ended = await new Promise<Error | null>((resolve) => window.api.containers.onEvent({}, () => undefined, resolve));
    assert.match(String(ended?.message), /^\[UNAUTHENTICATED\]/);
  });
});
