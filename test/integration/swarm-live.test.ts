import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { removeDir, servicesConfig, tempDir } from '../support/compose.js';
import { requireEngine } from '../support/engine.js';
import { waitFor } from '../support/eventually.js';
import { startIpcHarness } from '../support/ipc.js';
import { dockerCallCount, parseSamples, promtoolCheck, sampleValue } from '../support/metrics.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { collectSse, type SseFrame } from '../support/sse.js';
import { DOCKER_CLI, TestSwarm } from '../support/swarm.js';
import { managerDocker, nodeIdOf, replicasOf, runningTasks, stackServices, writeStack } from '../support/swarm-projects.js';
import { TEST_IMAGE } from '../support/engine.js';

/**
 * The live swarm state against a real three-node swarm: changes made behind the manager's back
 * (the docker CLI) reach subscribers over SSE and IPC, reads answer from the state, and the
 * metrics count nodes and replicas. One swarm for the whole file.
 */
const suffix = Math.random().toString(36).slice(2, 8);
/** A registered project (group core), deployed with the CLI. */
const APP = `la${suffix}`;
/** A service in no stack, made and changed with the CLI. */
const LONE = `ll${suffix}`;
/** promtool's only allowed complaint: the `_total` suffix on these gauges (the seed's name stays). */
const ALLOWED_LINT = /^(lucid_containers_total|nodejs_active_[a-z]+_total) non-counter metrics should not have "_total" suffix$/;

let swarm: TestSwarm;
let root: string;
let env: Record<string, string>;
let server: TestServer;

before(async () => {
  await requireEngine();
  swarm = await TestSwarm.start();
  root = tempDir('lucid-swarm-live');
  const appFile = writeStack(root, APP, { web: { replicas: 2 } });
  env = {
    DOCKER_HOST: swarm.manager.engine.dockerHost,
    DOCKER_CLI,
    SERVICES_CONFIG: servicesConfig(root, [{ group: 'core', phase: 2, project: APP, files: [appFile] }]),
    COMPOSE_PROJECTS_DIR: root,
  };
  await swarm.cli(['stack', 'deploy', '-c', `${root}/${appFile}`, APP]);
  server = await startTestServer(env);
});

after(async () => {
  await server?.close();
  await swarm?.close();
  if (root) removeDir(root);
});

async function subscribe(host = 'local', role: 'user' | 'admin' = 'user') {
  const res = await fetch(`${server.url}/api/v1/swarm/events?host=${host}`, {
    headers: { authorization: `Bearer ${await server.tokenFor(role)}`, accept: 'text/event-stream' },
  });
  return res;
}

const serviceEvent = (name: string, test: (data: any) => boolean) => (f: SseFrame) =>
  f.event === 'swarm' && f.data.type === 'service' && f.data.name === name && test(f.data);

async function scrape(): Promise<string> {
  const res = await server.call('GET', '/metrics', { role: 'admin' });
  assert.equal(res.status, 200);
  return res.body as string;
}

describe('swarm metrics from the live state', () => {
  it('counts nodes by state and availability, and replicas per service, promtool-clean', async () => {
    await waitFor('both web replicas run', 30_000, async () => (await runningTasks(swarm, `${APP}_web`)).length === 2);
    let text = '';
    await waitFor('the metrics show 2 running web replicas', 30_000, async () => {
      text = await scrape();
      return sampleValue(text, 'lucid_swarm_service_replicas', { service: `${APP}_web`, kind: 'running' }) === 2;
    }, 500);
    assert.equal(sampleValue(text, 'lucid_swarm_service_replicas', { host: 'local', service: `${APP}_web`, kind: 'desired' }), 2);
    assert.equal(sampleValue(text, 'lucid_swarm_nodes', { host: 'local', state: 'ready', availability: 'active' }), 3);
    assert.equal(sampleValue(text, 'lucid_swarm_nodes', { host: 'local', state: 'down', availability: 'drain' }), 0);
    assert.equal(sampleValue(text, 'lucid_swarm_services', { host: 'local' }), 1);
    assert.match(text, /^# TYPE lucid_swarm_nodes gauge$/m);
    assert.match(text, /^# TYPE lucid_swarm_service_replicas gauge$/m);
    // Every state × availability pair, and no label value minted from anything but the cluster.
    assert.equal(parseSamples(text).filter((s) => s.name === 'lucid_swarm_nodes').length, 12);
    const { status, problems } = promtoolCheck(text);
    assert.ok(status === 0 || status === 3, `promtool exit ${status}: ${problems.join('\n')}`);
    for (const line of problems) assert.match(line, ALLOWED_LINT);
  });
});

describe('swarm events over REST', () => {
  it('pushes a service made, scaled and removed with the CLI, running replicas included, and answers reads from the state', async () => {
    const res = await subscribe();
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const events = collectSse(res);
    try {
      await swarm.cli(['service', 'create', '--detach', '--name', LONE, '--replicas', '2', '--stop-signal', 'SIGKILL', TEST_IMAGE, 'sleep', '3600']);
      const created = await events.next(serviceEvent(LONE, (d) => d.action === 'create'), 20_000, 'create event');
      assert.equal(created.data.host, 'local');
      assert.equal(created.data.stack, null);
      assert.equal(created.data.service.replicas.desired, 2);
      // No task event exists in Docker 20.10: the running count still reaches subscribers.
      await events.next(serviceEvent(LONE, (d) => d.service?.replicas.running === 2), 30_000, 'two running replicas');
      await swarm.cli(['service', 'scale', '--detach', `${LONE}=3`]);
      await events.next(serviceEvent(LONE, (d) => d.action === 'update' && d.service.replicas.desired === 3), 20_000, 'scaled to 3');
      await events.next(serviceEvent(LONE, (d) => d.service?.replicas.running === 3), 30_000, 'three running replicas');
      assert.equal((await runningTasks(swarm, LONE)).length, 3);

      // The list answers from the state: Docker is not asked for it.
      const before = await dockerCallCount(server.manager, 'swarm.services');
      const list = await server.call('GET', '/api/v1/swarm/services', { role: 'user' });
      assert.equal(list.status, 200);
      assert.deepEqual(list.body.services.find((s: any) => s.name === LONE)?.replicas, { running: 3, desired: 3 });
      const app = list.body.services.find((s: any) => s.name === `${APP}_web`);
      assert.equal(app.group, 'core');
      assert.equal(await dockerCallCount(server.manager, 'swarm.services'), before);

      await swarm.cli(['service', 'rm', LONE]);
      const removed = await events.next(serviceEvent(LONE, (d) => d.action === 'remove'), 20_000, 'remove event');
      assert.equal(removed.data.service, null);
    } finally {
      await events.close();
    }
  });

  it('pushes a node drained and active again, its daemon killed (down) and back (ready)', async () => {
    const res = await subscribe('local', 'admin');
    const events = collectSse(res);
    const worker = swarm.workers[1]!;
    const id = await nodeIdOf(swarm, worker.name);
    const nodeEvent = (test: (d: any) => boolean) => (f: SseFrame) => f.event === 'swarm' && f.data.type === 'node' && f.data.id === id && test(f.data);
    try {
      await swarm.cli(['node', 'update', '--availability', 'drain', worker.name]);
      const drained = await events.next(nodeEvent((d) => d.node?.availability === 'drain'), 20_000, 'drain event');
      assert.equal(drained.data.hostname, worker.name);
      await swarm.cli(['node', 'update', '--availability', 'active', worker.name]);
      await events.next(nodeEvent((d) => d.node?.availability === 'active'), 20_000, 'active again');

      const killed = Date.now();
      await worker.engine.kill();
      await events.next(nodeEvent((d) => d.node?.state === 'down'), 60_000, 'node down');
      console.log(`# a killed node's daemon reached the subscriber as down after ${((Date.now() - killed) / 1000).toFixed(1)} s`);
      await worker.engine.startDaemon();
      await events.next(nodeEvent((d) => d.node?.state === 'ready' && d.time > drained.data.time), 60_000, 'node ready');
      const nodes = await server.call('GET', '/api/v1/swarm/nodes', { role: 'user' });
      assert.equal(nodes.body.nodes.find((n: any) => n.id === id).state, 'ready');
    } finally {
      await events.close();
    }
  });

  it('refuses an unknown host (404) and a host that is no manager (409), and changes nothing', async (t) => {
    const services = await stackServices(swarm, APP);
    const unknown = await server.call('GET', '/api/v1/swarm/events?host=nosuch', { role: 'user' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'HOST_NOT_FOUND');
    const badHost = await server.call('GET', '/api/v1/swarm/events?host=a%20b', { role: 'user' });
    assert.equal(badHost.status, 400);
    const anonymous = await server.call('GET', '/api/v1/swarm/events', { role: null });
    assert.equal(anonymous.status, 401);
    for (const dockerHost of [swarm.workers[0]!.engine.dockerHost, 'unix:///var/run/docker.sock']) {
      const plain = await startTestServer({ ...env, DOCKER_HOST: dockerHost }, t);
      const res = await plain.call('GET', '/api/v1/swarm/events', { role: 'user' });
      assert.equal(res.status, 409, dockerHost);
      assert.equal(res.body.error.code, 'NOT_SWARM_MANAGER');
      const metrics = await plain.call('GET', '/metrics', { role: 'admin' });
      assert.doesNotMatch(metrics.body, /^lucid_swarm_nodes\{/m, 'no swarm series for a host that is no manager');
    }
    assert.deepEqual(await stackServices(swarm, APP), services);
    assert.equal(await replicasOf(swarm, `${APP}_web`), 2);
  });
});

describe('swarm events over IPC', () => {
  it('pushes a scale made with the CLI to a subscribed window, and ends an unknown host with HOST_NOT_FOUND', async (t) => {
    const harness = await startIpcHarness(env, t);
    const { api } = await harness.openWindow('user');
    const got: any[] = [];
    let ready!: () => void;
    const opened = new Promise<void>((resolve) => (ready = resolve));
    const unsubscribe = api.swarm.onEvent({ host: 'local' }, (event: any) => got.push(event), { onReady: () => ready() });
    try {
      await opened;
      await swarm.cli(['service', 'scale', '--detach', `${APP}_web=3`]);
      await waitFor('an update with 3 desired replicas', 20_000, () =>
        got.some((e) => e.type === 'service' && e.name === `${APP}_web` && e.service?.replicas.desired === 3),
      );
      // A service of a registered project's stack carries the project's group.
      const update = got.find((e) => e.type === 'service' && e.name === `${APP}_web`);
      assert.deepEqual([update.stack, update.group, update.host], [APP, 'core', 'local']);
      await waitFor('3 running replicas pushed', 30_000, () =>
        got.some((e) => e.type === 'service' && e.name === `${APP}_web` && e.service?.replicas.running === 3),
      );
      assert.equal((await runningTasks(swarm, `${APP}_web`)).length, 3);
    } finally {
      unsubscribe();
      await swarm.cli(['service', 'scale', '--detach', `${APP}_web=2`]);
    }
    const ended = await new Promise<unknown>((resolve) => {
      api.swarm.onEvent({ host: 'nosuch' }, () => undefined, { onEnd: (err: unknown) => resolve(err) });
    });
    assert.match(String(ended instanceof Error ? ended.message : ended), /HOST_NOT_FOUND/);
    assert.equal((await managerDocker(swarm).listServices()).length, 1);
  });
});

describe('swarm streams over IPC', () => {
  it("streams a stack deploy's output to the window before its answer", async (t) => {
    const harness = await startIpcHarness(env, t);
    const { api } = await harness.openWindow('admin');
    const events: any[] = [];
    const result = await api.stacks.deploy({ project: APP }, { onEvent: (event: any) => events.push(event) });
    assert.equal(result.ok, true);
    assert.ok(events.some((e) => e.stream === 'stdout' && /(Updating|Creating) service/.test(e.line)), JSON.stringify(events));
    assert.ok(events.some((e) => e.stream === 'manager' && /running/.test(e.line)), JSON.stringify(events));
    assert.deepEqual(await stackServices(swarm, APP), [`${APP}_web`]);
  });

  it("follows a service's log lines to the window, whichever node runs its tasks", async (t) => {
    const harness = await startIpcHarness(env, t);
    const { api } = await harness.openWindow('user');
    const name = `lg${suffix}`;
    await managerDocker(swarm).createService({
      Name: name,
      TaskTemplate: {
        ContainerSpec: { Image: TEST_IMAGE, Command: ['sh', '-c', 'h=$(hostname); while true; do echo "tick $h"; sleep 0.3; done'], StopSignal: 'SIGKILL' },
      },
      Mode: { Replicated: { Replicas: 2 } },
    } as any);
    const lines: any[] = [];
    let unsubscribe: (() => void) | undefined;
    try {
      await waitFor('two ticking tasks', 60_000, async () => (await runningTasks(swarm, name)).length === 2, 250);
      unsubscribe = api.swarm.followLogs({ service: name, tail: 0 }, (event: any) => lines.push(event), { onEnd: () => undefined });
      // Each task says its own container's hostname: lines of both tasks, on their nodes, arrive.
      await waitFor('log lines of both tasks', 30_000, () => new Set(lines.map((l) => /^tick (\w+)$/.exec(l.text ?? '')?.[1]).filter(Boolean)).size === 2);
    } finally {
      unsubscribe?.();
      await managerDocker(swarm).getService(name).remove().catch(() => undefined);
    }
  });
});

