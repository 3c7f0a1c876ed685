import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { TRANSPORTS, type OperationClient, type Outcome } from '../support/clients.js';
import { join } from 'node:path';
import { removeDir, servicesConfig, tempDir, writeFile } from '../support/compose.js';
import { requireEngine, TEST_IMAGE } from '../support/engine.js';
import { eventually, waitFor } from '../support/eventually.js';
import { CALLERS, callerName, POLICIES, STATUS_OF, type PolicyName } from '../support/matrix.js';
import { readSse } from '../support/sse.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { DOCKER_CLI, TestSwarm } from '../support/swarm.js';
import {
  availabilityOf,
  managerDocker,
  nodeIdOf,
  replicasOf,
  runningTasks,
  serviceSpec,
  stackContainers,
  stackServices,
  writeStack,
} from '../support/swarm-projects.js';

/**
 * The swarm operations against a real three-node swarm (one manager, two workers, each a private
 * dockerd in its own network namespace). One swarm for the whole file: it takes a few seconds to
 * build. Effects are asserted on the manager's engine, not on the answers alone.
 */
const suffix = Math.random().toString(36).slice(2, 8);
/** In the developer's scope (group core). */
const APP = `sa${suffix}`;
/** Out of the developer's scope (group support). */
const OPS = `so${suffix}`;
/** Deployed with the CLI, registered nowhere: in no group, admins only. */
const FOREIGN = `sf${suffix}`;
/** A registered project only the access matrix deploys. */
const SPARE = `ss${suffix}`;

let swarm: TestSwarm;
let root: string;
let env: Record<string, string>;

before(async () => {
  await requireEngine();
  swarm = await TestSwarm.start();
  console.log(`# swarm of ${swarm.nodes.length} nodes up in ${swarm.startSeconds.toFixed(1)} s`);
  root = tempDir('lucid-swarm');
  const appFile = writeStack(root, APP, {
    web: { replicas: 2 },
    ticker: { command: ['sh', '-c', 'while true; do echo tick; sleep 0.2; done'] },
  });
  const opsFile = writeStack(root, OPS, { job: {} });
  const spareFile = writeStack(root, SPARE, { one: {} });
  const foreignDir = tempDir('lucid-swarm-foreign');
  writeStack(foreignDir, 'x', { alone: {} });
  const config = servicesConfig(root, [
    { group: 'core', phase: 2, project: APP, files: [appFile] },
    { group: 'application', phase: 3, project: SPARE, files: [spareFile] },
    { group: 'support', phase: 4, project: OPS, files: [opsFile] },
  ]);
  env = {
    DOCKER_HOST: swarm.manager.engine.dockerHost,
    DOCKER_CLI,
    SERVICES_CONFIG: config,
    COMPOSE_PROJECTS_DIR: root,
    COMPOSE_TIMEOUT: '120',
  };
  // Stacks deployed by someone else: the manager must list and control them too.
  await swarm.cli(['stack', 'deploy', '-c', `${root}/${opsFile}`, OPS]);
  await swarm.cli(['stack', 'deploy', '-c', `${foreignDir}/x/docker-compose.yml`, FOREIGN]);
  removeDir(foreignDir);
});

after(async () => {
  await swarm?.close();
  if (root) removeDir(root);
});

describe('swarm over REST', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(env);
  });
  after(async () => server?.close());

  it('deploys a registered project as a stack, streams its output, and waits until its services run', async () => {
    const res = await fetch(`${server.url}/api/v1/stacks/deploy`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await server.tokenFor('developer')}`,
        'content-type': 'application/json',
        accept: 'text/event-stream',
      },
      body: JSON.stringify({ project: APP }),
    });
    assert.equal(res.status, 200);
    const frames = await readSse(res, (f) => f.some((x) => x.event === 'result' || x.event === 'error'));
    const result = frames.find((f) => f.event === 'result');
    assert.ok(result, JSON.stringify(frames.slice(-3)));
    assert.equal(result.data.ok, true);
    assert.ok(frames.some((f) => f.event === 'line' && /Creating service/.test(f.data.line)), 'the CLI output is streamed');
    assert.ok(frames.some((f) => f.event === 'line' && f.data.stream === 'manager' && /running/.test(f.data.line)));
    assert.deepEqual(await stackServices(swarm, APP), [`${APP}_ticker`, `${APP}_web`]);
    // Converged when the answer came: both web replicas run now, on more than one node.
    const web = await runningTasks(swarm, `${APP}_web`);
    assert.equal(web.length, 2);
    assert.equal(new Set(web.map((t) => t.node)).size, 2, 'the two replicas run on two nodes');
  });

  it('lists the nodes with their roles, states, availability, labels and engine versions', async () => {
    const worker = swarm.workers[0]!;
    await swarm.cli(['node', 'update', '--label-add', `lucid.test=${suffix}`, worker.name]);
    const res = await eventually(
      async () => {
        const answer = await server.call('GET', '/api/v1/swarm/nodes?host=local', { role: 'user' });
        return answer.body.nodes?.find((n: any) => n.hostname === worker.name)?.labels?.['lucid.test'] === suffix ? answer : undefined;
      },
      'the node label in the list',
      10_000,
      200,
    );
    assert.equal(res.status, 200);
    const nodes = res.body.nodes;
    const { Version } = await managerDocker(swarm).version();
    assert.ok(nodes.every((n: any) => n.engineVersion === Version), JSON.stringify(nodes.map((n: any) => n.engineVersion)));
    assert.deepEqual(nodes.map((n: any) => n.hostname).sort(), swarm.nodes.map((n) => n.name).sort());
    const manager = nodes.find((n: any) => n.hostname === swarm.manager.name);
    assert.equal(manager.role, 'manager');
    assert.equal(manager.leader, true);
    assert.ok(nodes.every((n: any) => n.state === 'ready' && n.availability === 'active'));
    assert.equal(nodes.find((n: any) => n.hostname === swarm.workers[0]?.name).address, swarm.workers[0]?.address);
  });

  it('lists the stacks, those deployed by the CLI included, with their projects and groups', async () => {
    const res = await server.call('GET', '/api/v1/stacks', { role: 'user' });
    assert.equal(res.status, 200);
    const byName = new Map(res.body.stacks.map((s: any) => [s.name, s]));
    assert.deepEqual(byName.get(APP), { name: APP, services: 2, running: 3, desired: 3, project: APP, group: 'core' });
    assert.deepEqual(byName.get(OPS), { name: OPS, services: 1, running: 1, desired: 1, project: OPS, group: 'support' });
    assert.deepEqual(byName.get(FOREIGN), { name: FOREIGN, services: 1, running: 1, desired: 1, group: null });
  });

  it("lists a stack's services with running and desired replicas", async () => {
    const res = await server.call('GET', `/api/v1/swarm/services?stack=${APP}`, { role: 'user' });
    assert.equal(res.status, 200);
    const web = res.body.services.find((s: any) => s.name === `${APP}_web`);
    assert.deepEqual(
      { stack: web.stack, mode: web.mode, replicas: web.replicas, group: web.group, image: web.image },
      { stack: APP, mode: 'replicated', replicas: { running: 2, desired: 2 }, group: 'core', image: 'lucid-test-busybox:latest' },
    );
    assert.deepEqual(res.body.services.map((s: any) => s.stack), [APP, APP]);
  });

  it('filters by a stack name as Docker allows it (capitals, _ and -), and refuses a malformed one with a 400', async () => {
    const name = `Sx-${suffix}_B`;
    const dir = tempDir('lucid-swarm-named');
    try {
      writeStack(dir, 'x', { alone: {} });
      await swarm.cli(['stack', 'deploy', '-c', `${dir}/x/docker-compose.yml`, name]);
      // Deployed behind the manager's back: its live state has it once Docker's event arrived.
      const listed = async () => {
        const res = await server.call('GET', `/api/v1/swarm/services?stack=${name}`, { role: 'user' });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        return res.body.services.map((s: any) => [s.name, s.stack]);
      };
      await waitFor('the CLI stack listed under its name', 10_000, async () => (await listed()).length > 0);
      assert.deepEqual(await listed(), [[`${name}_alone`, name]]);
    } finally {
      await swarm.cli(['stack', 'rm', name]).catch(() => undefined);
      removeDir(dir);
    }
    for (const stack of ['-x', '.x', 'a b', 'a/b', 'a'.repeat(129)]) {
      const bad = await server.call('GET', `/api/v1/swarm/services?stack=${encodeURIComponent(stack)}`, { role: 'user' });
      assert.equal(bad.status, 400, stack);
      assert.equal(bad.body.error.code, 'VALIDATION_FAILED', stack);
    }
  });

  it('lists the tasks of a service named by name or by a unique id prefix', async () => {
    const spec = await serviceSpec(swarm, `${APP}_web`);
    for (const ref of [`${APP}_web`, spec.ID.slice(0, 8)]) {
      const res = await server.call('GET', `/api/v1/swarm/services/${ref}/tasks`, { role: 'user' });
      assert.equal(res.status, 200);
      assert.equal(res.body.service, spec.ID);
      const running = res.body.tasks.filter((t: any) => t.state === 'running');
      assert.equal(running.length, 2);
      assert.ok(running.every((t: any) => swarm.nodes.some((n) => n.name === t.node) && t.containerId));
    }
  });

  it('answers as the OpenAPI document describes', async () => {
    const doc = (await server.call('GET', '/openapi.json', { role: null })).body;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const reads: [string, string][] = [
      ['/api/v1/swarm/nodes', '/api/v1/swarm/nodes'],
      ['/api/v1/swarm/services', `/api/v1/swarm/services?stack=${APP}`],
      ['/api/v1/swarm/services/{service}/tasks', `/api/v1/swarm/services/${APP}_web/tasks`],
      ['/api/v1/swarm/services/{service}/logs', `/api/v1/swarm/services/${APP}_ticker/logs?tail=3`],
      ['/api/v1/stacks', '/api/v1/stacks'],
    ];
    for (const [template, url] of reads) {
      const res = await server.call('GET', url, { role: 'user' });
      assert.equal(res.status, 200, url);
      const validate = ajv.compile(doc.paths[template].get.responses['200'].content['application/json'].schema);
      assert.ok(validate(res.body), `${url}: ${ajv.errorsText(validate.errors)}`);
    }
  });

  it('answers the running replicas Docker counts: a scale to the replicas already running says they run', async () => {
    const running = (await runningTasks(swarm, `${APP}_web`)).length;
    assert.equal(running, 2);
    const res = await server.call('POST', `/api/v1/swarm/services/${APP}_web/scale`, { role: 'developer', body: { replicas: running } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.replicas, { running, desired: running });
    assert.equal((await runningTasks(swarm, `${APP}_web`)).length, running, 'no task was replaced');
  });

  it('scales a service: the engine runs that many tasks, spread over the nodes', async () => {
    const res = await server.call('POST', `/api/v1/swarm/services/${APP}_web/scale`, { role: 'developer', body: { replicas: 5 } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.replicas.desired, 5);
    assert.equal(await replicasOf(swarm, `${APP}_web`), 5);
    await waitFor('5 running tasks', 30_000, async () => (await runningTasks(swarm, `${APP}_web`)).length === 5);
    const nodes = new Set((await runningTasks(swarm, `${APP}_web`)).map((t) => t.node));
    assert.ok(nodes.size >= 2, `tasks on ${nodes.size} node(s)`);
    const down = await server.call('POST', `/api/v1/swarm/services/${APP}_web/scale`, { role: 'developer', body: { replicas: 3 } });
    assert.equal(down.status, 200);
    await waitFor('3 running tasks', 30_000, async () => (await runningTasks(swarm, `${APP}_web`)).length === 3);
  });

  it('restarts a service: every task is replaced', async () => {
    const before = new Set((await runningTasks(swarm, `${APP}_ticker`)).map((t) => t.id));
    const forced = (await serviceSpec(swarm, `${APP}_ticker`)).Spec.TaskTemplate.ForceUpdate ?? 0;
    const res = await server.call('POST', `/api/v1/swarm/services/${APP}_ticker/restart`, { role: 'developer' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((await serviceSpec(swarm, `${APP}_ticker`)).Spec.TaskTemplate.ForceUpdate, forced + 1);
    await waitFor('a new task runs', 30_000, async () => {
      const now = await runningTasks(swarm, `${APP}_ticker`);
      return now.length === 1 && now.every((t) => !before.has(t.id));
    });
  });

  it('rolls a service back to its previous specification', async () => {
    // The last change was the scale from 5 to 3: its rollback brings 5 back.
    const res = await server.call('POST', `/api/v1/swarm/services/${APP}_web/rollback`, { role: 'developer' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(await replicasOf(swarm, `${APP}_web`), 5);
    const never = await server.call('POST', `/api/v1/swarm/services/${FOREIGN}_alone/rollback`);
    assert.equal(never.status, 409);
    assert.equal(never.body.error.code, 'SERVICE_CONFLICT');
    await server.call('POST', `/api/v1/swarm/services/${APP}_web/scale`, { body: { replicas: 3 } });
  });

  it('writes the controls to the audit trail: who, what, on which host, and how it ended', async () => {
    const trail = await server.call('GET', '/api/v1/audit?limit=100', { role: 'admin' });
    assert.equal(trail.status, 200);
    const lines = trail.body.entries.filter((e: any) => e.operation.startsWith('swarm.') || e.operation.startsWith('stacks.'));
    const line = (operation: string, target: string, result: string) =>
      lines.find((e: any) => e.operation === operation && e.target === target && e.result === result);
    const scaled = lines.find((e: any) => e.operation === 'swarm.scale' && e.target === `${APP}_web` && e.role === 'developer');
    assert.ok(scaled, JSON.stringify(lines));
    assert.deepEqual([scaled.result, scaled.host, scaled.transport, scaled.code], ['ok', 'local', 'rest', null]);
    assert.ok(line('swarm.restart', `${APP}_ticker`, 'ok'));
    assert.ok(line('swarm.rollback', `${APP}_web`, 'ok'));
    assert.equal(line('swarm.rollback', `${FOREIGN}_alone`, 'failed')?.code, 'SERVICE_CONFLICT');
    assert.ok(line('stacks.deploy', APP, 'ok'));
    assert.equal(lines.some((e: any) => e.operation === 'swarm.services' || e.operation === 'swarm.nodes'), false, 'reads are not audited');
  });

  it("drains a worker: its tasks move to the other nodes; active takes new tasks again", async () => {
    const worker = swarm.workers[0]!;
    const id = await nodeIdOf(swarm, worker.name);
    await waitFor('3 web tasks run', 30_000, async () => (await runningTasks(swarm, `${APP}_web`)).length === 3);
    // A drain that moved nothing would prove nothing: the worker runs a web task now.
    assert.ok((await runningTasks(swarm, `${APP}_web`)).some((t) => t.node === id), 'the worker runs a web task before the drain');
    const res = await server.call('POST', `/api/v1/swarm/nodes/${worker.name}/availability`, { body: { availability: 'drain' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { id, hostname: worker.name, availability: 'drain', changed: true });
    assert.equal(await availabilityOf(swarm, id), 'drain');
    await waitFor('no task on the drained node, all of them elsewhere', 30_000, async () => {
      const tasks = await runningTasks(swarm, `${APP}_web`);
      return tasks.length === 3 && tasks.every((t) => t.node !== id);
    });
    const again = await server.call('POST', `/api/v1/swarm/nodes/${id.slice(0, 6)}/availability`, { body: { availability: 'drain' } });
    assert.equal(again.body.changed, false);
    const back = await server.call('POST', `/api/v1/swarm/nodes/${id}/availability`, { body: { availability: 'active' } });
    assert.equal(back.status, 200);
    assert.equal(await availabilityOf(swarm, id), 'active');
  });

  it("reads and follows a service's log across its tasks", async () => {
    const res = await server.call('GET', `/api/v1/swarm/services/${APP}_ticker/logs?tail=5`, { role: 'user' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(res.body.lines.length > 0 && res.body.lines.every((l: any) => /^tick$/.test(l.text)), JSON.stringify(res.body.lines));
    const follow = await fetch(`${server.url}/api/v1/swarm/services/${APP}_ticker/logs?follow=true&tail=0`, {
      headers: { authorization: `Bearer ${await server.tokenFor('user')}`, accept: 'text/event-stream' },
    });
    assert.equal(follow.status, 200);
    const frames = await readSse(follow, (f) => f.filter((x) => x.event === 'line').length >= 3);
    assert.ok(frames.filter((f) => f.event === 'line').every((f) => /^tick$/.test(f.data.text)));
  });

  it("keeps answering when a worker's daemon dies: the node is down, its tasks run elsewhere; back up, it is ready", async () => {
    const worker = swarm.workers[1]!;
    const id = await nodeIdOf(swarm, worker.name);
    assert.ok((await runningTasks(swarm, `${APP}_web`)).some((t) => t.node === id), 'the worker runs a web task before it dies');
    await worker.engine.kill();
    await waitFor('the node is down', 60_000, async () => {
      const res = await server.call('GET', '/api/v1/swarm/nodes', { role: 'user' });
      return res.body.nodes.find((n: any) => n.id === id)?.state === 'down';
    }, 500);
    await waitFor('3 web tasks run on the other nodes', 60_000, async () => {
      const tasks = await runningTasks(swarm, `${APP}_web`);
      return tasks.length === 3 && tasks.every((t) => t.node !== id);
    }, 500);
    await logsOfDownNodeAreReportedNotRead(server);
    await worker.engine.startDaemon();
    await waitFor('the node is ready again', 60_000, async () => {
      const res = await server.call('GET', '/api/v1/swarm/nodes', { role: 'user' });
      return res.body.nodes.find((n: any) => n.id === id)?.state === 'ready';
    }, 500);
  });

  it('removes a stack whose network a task still holds, once the task has let go: nothing of it is left', async () => {
    await ensureSpare();
    const docker = managerDocker(swarm);
    // A service outside the stack on the stack's network: while its task runs, `stack rm` removes
    // the stack's services but cannot take the network. It goes once the CLI said so.
    const holder = docker.getService(
      (
        (await docker.createService({
          Name: `${SPARE}-holder`,
          TaskTemplate: {
            ContainerSpec: { Image: TEST_IMAGE, Command: ['sleep', '3600'], StopSignal: 'SIGKILL' },
            Networks: [{ Target: `${SPARE}_default` }],
          },
          Mode: { Replicated: { Replicas: 1 } },
        } as any)) as { id: string }
      ).id,
    );
    let released: Promise<unknown> | undefined;
    try {
      await waitFor('the holder runs', 60_000, async () => (await runningTasks(swarm, `${SPARE}-holder`)).length === 1, 250);
      const res = await fetch(`${server.url}/api/v1/stacks/remove`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await server.tokenFor('developer')}`,
          'content-type': 'application/json',
          accept: 'text/event-stream',
        },
        body: JSON.stringify({ project: SPARE }),
      });
      assert.equal(res.status, 200);
      const frames = await readSse(res, (f) => {
        if (!released && f.some((x) => x.event === 'line' && /Failed to remove network/.test(x.data.line))) released = holder.remove();
        return f.some((x) => x.event === 'result' || x.event === 'error');
      });
      assert.ok(released, 'the first stack rm could not take the network');
      const result = frames.find((f) => f.event === 'result');
      assert.ok(result, JSON.stringify(frames.slice(-3)));
      assert.ok(frames.some((f) => f.event === 'line' && /removing what is left/.test(f.data.line)), 'stack rm ran again');
      assert.deepEqual(await stackServices(swarm, SPARE), []);
      assert.deepEqual(await stackNetworks(SPARE), [], 'the network is gone with the answer');
    } finally {
      await (released ?? holder.remove()).catch(() => undefined);
    }
  });

  it('removes the stack: nothing of it is left on any node', async () => {
    const res = await server.call('POST', '/api/v1/stacks/remove', { role: 'developer', body: { project: APP } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(await stackServices(swarm, APP), []);
    assert.deepEqual(await stackNetworks(APP), [], 'the network is gone with the answer');
    await waitFor('no container of the stack on any node', 30_000, async () => (await stackContainers(swarm, APP)) === 0);
  });
});

/** Docker's text for a part of a log it could not read; never a line of the log. */
const GRABBING = /Error grabbing logs/;

/**
 * The web service ran tasks on the killed worker: Docker cannot read their logs and says so on
 * its system-error stream; the answer reports that apart from the lines. A follow meanwhile gets
 * the lines of the tasks it can read (Docker 20.10 reports no down node on a follow).
 */
async function logsOfDownNodeAreReportedNotRead(server: TestServer): Promise<void> {
  const res = await server.call('GET', `/api/v1/swarm/services/${APP}_web/logs?tail=5`, { role: 'user' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.ok(!res.body.lines.some((l: any) => GRABBING.test(l.text)), JSON.stringify(res.body.lines));
  assert.ok(Array.isArray(res.body.errors) && res.body.errors.some((e: string) => GRABBING.test(e) && /not available/.test(e)), JSON.stringify(res.body));
  const follow = await fetch(`${server.url}/api/v1/swarm/services/${APP}_ticker/logs?follow=true&tail=5`, {
    headers: { authorization: `Bearer ${await server.tokenFor('user')}`, accept: 'text/event-stream' },
  });
  assert.equal(follow.status, 200);
  const frames = await readSse(follow, (f) => f.filter((x) => x.event === 'line' && x.data.stream !== undefined).length >= 3);
  const events = frames.filter((f) => f.event === 'line');
  assert.ok(events.filter((f) => f.data.stream !== undefined).length >= 3, JSON.stringify(frames));
  assert.ok(events.every((f) => (f.data.stream !== undefined ? f.data.text === 'tick' : GRABBING.test(f.data.daemonError))), JSON.stringify(events));
}

describe('a stack no node can run', () => {
  it('fails its deploy at once with the reason the scheduler gives, not at the timeout', async (t) => {
    const server = await startTestServer(env, t);
    const nofit = `sn${suffix}`;
    writeStack(root, nofit, { lonely: { constraints: ['node.labels.lucid_nowhere == 1'] } });
    try {
      const deploy = await server.call('POST', '/api/v1/stacks/deploy', { body: { project: nofit } });
      assert.equal(deploy.status, 502, JSON.stringify(deploy.body));
      assert.equal(deploy.body.error.code, 'COMPOSE_FAILED');
      assert.match(JSON.stringify(deploy.body.error.details.errors), /no suitable node/);
      const tasks = await server.call('GET', `/api/v1/swarm/services/${nofit}_lonely/tasks`, { role: 'user' });
      assert.equal(tasks.status, 200);
      assert.ok(tasks.body.tasks.length > 0);
      assert.ok(tasks.body.tasks.every((task: any) => /no suitable node/.test(task.error ?? '')), JSON.stringify(tasks.body.tasks));
    } finally {
      await swarm.cli(['stack', 'rm', nofit]).catch(() => undefined);
    }
  });
});

describe('a stack that does not converge', () => {
  it('fails its deploy when its tasks crash right after they start, with their errors', async (t) => {
    const server = await startTestServer(env, t);
    const crash = `sx${suffix}`;
    writeStack(root, crash, { crash: { command: ['sh', '-c', 'sleep 1; exit 3'] } });
    try {
      const deploy = await server.call('POST', '/api/v1/stacks/deploy', { body: { project: crash } });
      assert.equal(deploy.status, 502, JSON.stringify(deploy.body));
      assert.equal(deploy.body.error.code, 'COMPOSE_FAILED');
      assert.match(JSON.stringify(deploy.body.error.details.errors), /failed.*exit/);
    } finally {
      await swarm.cli(['stack', 'rm', crash]).catch(() => undefined);
    }
  });

  it('answers COMPOSE_TIMEOUT with the output so far when it is still starting at the deadline', async (t) => {
    const server = await startTestServer({ ...env, COMPOSE_TIMEOUT: '5' }, t);
    const slow = `sw${suffix}`;
    // A health check that fails within its start period keeps the task starting, never running.
    writeFile(
      join(root, slow, 'docker-compose.yml'),
      [
        'version: "3.8"',
        'services:',
        '  slow:',
        `    image: ${TEST_IMAGE}`,
        '    command: ["sleep", "3600"]',
        '    stop_signal: SIGKILL',
        '    healthcheck:',
        '      test: ["CMD", "false"]',
        '      interval: 1s',
        '      start_period: 10m',
        '',
      ].join('\n'),
    );
    try {
      const deploy = await server.call('POST', '/api/v1/stacks/deploy', { body: { project: slow } });
      assert.equal(deploy.body.error?.code, 'COMPOSE_TIMEOUT', JSON.stringify(deploy.body));
      assert.equal(deploy.status, 504);
      assert.ok(deploy.body.error.details.output.some((line: string) => /waiting for .*slow \(0\/1\)/.test(line)), JSON.stringify(deploy.body));
      assert.deepEqual(await stackServices(swarm, slow), [`${slow}_slow`], 'the stack stays deployed, as the CLI left it');
    } finally {
      await swarm.cli(['stack', 'rm', slow]).catch(() => undefined);
    }
  });
});

describe('a host that is no swarm manager', () => {
  it('answers NOT_SWARM_MANAGER (409) on a worker and on an engine in no swarm, and changes nothing', async (t) => {
    const worker = swarm.workers[0]!;
    const workerRole = { role: 'worker', state: 'active', nodeId: await nodeIdOf(swarm, worker.name) };
    for (const [dockerHost, role] of [
      [worker.engine.dockerHost, workerRole],
      ['unix:///var/run/docker.sock', { role: 'none', state: 'inactive' }],
    ] as const) {
      const server = await startTestServer({ ...env, DOCKER_HOST: dockerHost }, t);
      const listed = await eventually(
        async () => (await server.call('GET', '/api/v1/hosts', { role: 'user' })).body.hosts?.[0]?.swarm ?? undefined,
        `the swarm role of ${dockerHost}`,
        5000,
        100,
      );
      assert.deepEqual(listed, role, dockerHost);
      for (const path of ['/api/v1/swarm/nodes', '/api/v1/swarm/services', '/api/v1/stacks', `/api/v1/swarm/services/${OPS}_job/tasks`]) {
        const res = await server.call('GET', path, { role: 'user' });
        assert.equal(res.status, 409, `${dockerHost} ${path}`);
        assert.equal(res.body.error.code, 'NOT_SWARM_MANAGER');
      }
      const scale = await server.call('POST', `/api/v1/swarm/services/${OPS}_job/scale`, { body: { replicas: 2 } });
      assert.equal(scale.body.error.code, 'NOT_SWARM_MANAGER');
      const deploy = await server.call('POST', '/api/v1/stacks/deploy', { body: { project: SPARE } });
      assert.equal(deploy.body.error.code, 'NOT_SWARM_MANAGER');
    }
    assert.equal(await replicasOf(swarm, `${OPS}_job`), 1);
    assert.deepEqual(await stackServices(swarm, SPARE), []);
  });

  it('lists the containers of a worker host: its own tasks, as its engine has them', async (t) => {
    const worker = swarm.workers[0]!;
    const server = await startTestServer({ ...env, DOCKER_HOST: worker.engine.dockerHost }, t);
    await eventually(
      async () => {
        const res = await server.call('GET', '/api/v1/containers?all=true', { role: 'user' });
        const engine = await worker.engine.docker.listContainers({ all: true });
        const listed = (res.body.containers ?? []).map((c: any) => c.id).sort();
        return res.status === 200 && engine.length > 0 && JSON.stringify(listed) === JSON.stringify(engine.map((c) => c.Id).sort()) ? true : undefined;
      },
      "the worker's task containers in its list",
      15_000,
      250,
    );
  });
});

for (const transport of TRANSPORTS) {
  describe(`bad swarm input over ${transport.name}`, () => {
    let client: OperationClient;
    before(async () => {
      client = await transport.start(env);
    });
    after(async () => client?.close());

    /** A refusal with that code (and, over REST, that status). */
    const refused = (outcome: Outcome, code: string, status: number, what: string) => {
      assert.equal(outcome.ok, false, `${what}: the call must be refused`);
      if (outcome.ok) return;
      assert.equal(outcome.code, code, `${what}: ${outcome.message}`);
      if (client.transport === 'rest') assert.equal(outcome.status, status, what);
    };
    const snapshot = async () => ({
      job: (await serviceSpec(swarm, `${OPS}_job`)).Spec,
      availability: (await managerDocker(swarm).listNodes()).map((n: any) => [n.ID, n.Spec.Availability]).sort(),
      spare: await stackServices(swarm, SPARE),
    });

    it('refuses bad replicas, unknown services, nodes, projects and hosts with a 4xx and changes nothing', async () => {
      await ensureOps();
      const before = await snapshot();
      const service = `${OPS}_job`;
      for (const replicas of [-1, 1.5, 1e9, 'x', '5', 1001, null]) {
        refused(await client.call('swarm.scale', { service, replicas }), 'VALIDATION_FAILED', 400, `replicas ${String(replicas)}`);
      }
      refused(await client.call('swarm.scale', { service: `nosuch${suffix}`, replicas: 1 }), 'SERVICE_NOT_FOUND', 404, 'scale of an unknown service');
      refused(await client.call('swarm.restart', { service: `nosuch${suffix}` }), 'SERVICE_NOT_FOUND', 404, 'restart of an unknown service');
      refused(await client.call('swarm.tasks', { service: `nosuch${suffix}` }), 'SERVICE_NOT_FOUND', 404, 'tasks of an unknown service');
      refused(await client.call('swarm.setAvailability', { node: `nosuch${suffix}`, availability: 'drain' }), 'NODE_NOT_FOUND', 404, 'unknown node');
      refused(
        await client.call('swarm.setAvailability', { node: swarm.workers[0]!.name, availability: 'off' }),
        'VALIDATION_FAILED',
        400,
        'availability off',
      );
      refused(await client.call('stacks.deploy', { project: `nosuch${suffix}` }), 'PROJECT_NOT_FOUND', 404, 'unknown project');
      refused(await client.call('swarm.scale', { service, replicas: 2, host: 'nosuch' }), 'HOST_NOT_FOUND', 404, 'unknown host');
      assert.deepEqual(await snapshot(), before, 'nothing changed');
      assert.deepEqual(await stackServices(swarm, `nosuch${suffix}`), []);
    });

    it("lists the manager's engine as a manager with its node id", async () => {
      const info = await managerDocker(swarm).info();
      assert.equal(info.Swarm.ControlAvailable, true);
      assert.deepEqual(await listedSwarm(client), { role: 'manager', state: 'active', nodeId: await nodeIdOf(swarm, swarm.manager.name) });
    });

    it("refuses every control on a worker's engine with NOT_SWARM_MANAGER and changes nothing", async (t) => {
      await ensureOps();
      const before = await snapshot();
      const worker = await transport.start({ ...env, DOCKER_HOST: swarm.workers[0]!.engine.dockerHost }, t);
      // Listed as the worker it is, not as an engine in no swarm.
      assert.deepEqual(await listedSwarm(worker), { role: 'worker', state: 'active', nodeId: await nodeIdOf(swarm, swarm.workers[0]!.name) });
      const service = `${OPS}_job`;
      refused(await worker.call('swarm.scale', { service, replicas: 2 }), 'NOT_SWARM_MANAGER', 409, 'scale');
      refused(await worker.call('swarm.restart', { service }), 'NOT_SWARM_MANAGER', 409, 'restart');
      refused(await worker.call('swarm.rollback', { service }), 'NOT_SWARM_MANAGER', 409, 'rollback');
      refused(
        await worker.call('swarm.setAvailability', { node: swarm.workers[1]!.name, availability: 'drain' }),
        'NOT_SWARM_MANAGER',
        409,
        'availability',
      );
      refused(await worker.call('stacks.deploy', { project: SPARE }), 'NOT_SWARM_MANAGER', 409, 'deploy');
      assert.deepEqual(await snapshot(), before, 'nothing changed');
    });
  });
}

/** The default host's swarm role in the hosts list, once read: the role is read when the host comes up. */
function listedSwarm(client: OperationClient): Promise<unknown> {
  return eventually(
    async () => {
      const outcome = await client.call('hosts.list', {});
      assert.equal(outcome.ok, true);
      return outcome.ok ? ((outcome.data as { hosts: { swarm: unknown }[] }).hosts[0]?.swarm ?? undefined) : undefined;
    },
    'the swarm role in the hosts list',
    5000,
    100,
  );
}

/** The support stack, deployed again with the CLI when a matrix row removed it. */
async function ensureOps(): Promise<void> {
  if ((await stackServices(swarm, OPS)).length > 0) return;
  await swarm.cli(['stack', 'deploy', '-c', `${root}/${OPS}/docker-compose.yml`, OPS]);
}

/**
 * A stack removed with the CLI, if it is there, and waited for: `stack rm` answers before the
 * stack's network is gone (a deploy meanwhile would find it half-removed), and one still in use is
 * refused by one `stack rm` and taken by a later one.
 */
async function stackGone(stack: string): Promise<void> {
  await waitFor(
    `stack ${stack} is gone`,
    30_000,
    async () => {
      if ((await stackServices(swarm, stack)).length === 0 && (await stackNetworks(stack)).length === 0) return true;
      await swarm.cli(['stack', 'rm', stack]).catch(() => undefined);
      return false;
    },
    1000,
  );
}

/** The names of a stack's networks, as the swarm manager lists them. */
async function stackNetworks(stack: string): Promise<string[]> {
  const networks = await managerDocker(swarm).listNetworks({ filters: { label: [`com.docker.stack.namespace=${stack}`] } });
  return networks.map((n) => n.Name);
}

/** The application stack (in the developer's scope), deployed with the CLI when it is not there. */
async function ensureSpare(): Promise<void> {
  if ((await stackServices(swarm, SPARE)).length > 0) return;
  await swarm.cli(['stack', 'deploy', '-c', `${root}/${SPARE}/docker-compose.yml`, SPARE]);
}

interface Row {
  title: string;
  operation: Parameters<OperationClient['call']>[0];
  policy: PolicyName;
  arrange(): Promise<{ input: Record<string, unknown>; verify(ok: boolean): Promise<void> }>;
}

/** A control that toggles a service's replicas between 1 and 2: the spec shows whether it happened. */
function scaleRow(title: string, service: () => string, policy: PolicyName): Row {
  return {
    title,
    operation: 'swarm.scale',
    policy,
    arrange: async () => {
      await ensureOps();
      await ensureSpare();
      const before = await replicasOf(swarm, service());
      const wanted = before === 1 ? 2 : 1;
      return {
        input: { service: service(), replicas: wanted },
        verify: async (ok) => assert.equal(await replicasOf(swarm, service()), ok ? wanted : before),
      };
    },
  };
}

/** A restart is Docker's force update: the counter shows whether it happened. */
function restartRow(title: string, service: () => string, policy: PolicyName): Row {
  return {
    title,
    operation: 'swarm.restart',
    policy,
    arrange: async () => {
      await ensureOps();
      await ensureSpare();
      const before = (await serviceSpec(swarm, service())).Spec.TaskTemplate.ForceUpdate ?? 0;
      return {
        input: { service: service() },
        verify: async (ok) => assert.equal((await serviceSpec(swarm, service())).Spec.TaskTemplate.ForceUpdate ?? 0, before + (ok ? 1 : 0)),
      };
    },
  };
}

/** The service is scaled by the CLI first, so that a rollback brings the replicas it had before back. */
function rollbackRow(title: string, service: () => string, policy: PolicyName): Row {
  return {
    title,
    operation: 'swarm.rollback',
    policy,
    arrange: async () => {
      await ensureOps();
      await ensureSpare();
      const previous = await replicasOf(swarm, service());
      const current = previous === 1 ? 2 : 1;
      await swarm.cli(['service', 'scale', '--detach', `${service()}=${current}`]);
      return {
        input: { service: service() },
        verify: async (ok) => assert.equal(await replicasOf(swarm, service()), ok ? previous : current),
      };
    },
  };
}

function readRow(operation: Row['operation'], input: () => Record<string, unknown>): Row {
  return {
    title: operation,
    operation,
    policy: 'read',
    arrange: async () => {
      await ensureOps();
      // The spec, not the version: swarm itself bumps a new service's version as it allocates it.
      const before = (await serviceSpec(swarm, `${OPS}_job`)).Spec;
      return {
        input: input(),
        verify: async () => assert.deepEqual((await serviceSpec(swarm, `${OPS}_job`)).Spec, before),
      };
    },
  };
}

const ROWS: Row[] = [
  readRow('swarm.nodes', () => ({})),
  readRow('swarm.services', () => ({ stack: OPS })),
  readRow('swarm.tasks', () => ({ service: `${OPS}_job` })),
  readRow('swarm.logs', () => ({ service: `${OPS}_job` })),
  readRow('swarm.followLogs', () => ({ service: `${OPS}_job` })),
  readRow('swarm.onEvent', () => ({})),
  readRow('stacks.list', () => ({})),
  scaleRow('swarm.scale of a service of a stack in support', () => `${OPS}_job`, 'controlOutOfScope'),
  scaleRow('swarm.scale of a service in no group (a stack of the CLI)', () => `${FOREIGN}_alone`, 'controlOutOfScope'),
  scaleRow('swarm.scale of a service of a stack in application', () => `${SPARE}_one`, 'controlInScope'),
  restartRow('swarm.restart of a service of a stack in support', () => `${OPS}_job`, 'controlOutOfScope'),
  restartRow('swarm.restart of a service of a stack in application', () => `${SPARE}_one`, 'controlInScope'),
  rollbackRow('swarm.rollback of a service of a stack in support', () => `${OPS}_job`, 'controlOutOfScope'),
  rollbackRow('swarm.rollback of a service of a stack in application', () => `${SPARE}_one`, 'controlInScope'),
  restartRow('swarm.restart of a service in no group (a stack of the CLI)', () => `${FOREIGN}_alone`, 'controlOutOfScope'),
  rollbackRow('swarm.rollback of a service in no group (a stack of the CLI)', () => `${FOREIGN}_alone`, 'controlOutOfScope'),
  {
    title: 'swarm.setAvailability of a worker',
    operation: 'swarm.setAvailability',
    policy: 'adminOnly',
    arrange: async () => {
      const id = await nodeIdOf(swarm, swarm.workers[1]!.name);
      const before = await availabilityOf(swarm, id);
      const wanted = before === 'active' ? 'pause' : 'active';
      return {
        input: { node: id, availability: wanted },
        verify: async (ok) => assert.equal(await availabilityOf(swarm, id), ok ? wanted : before),
      };
    },
  },
  {
    title: 'stacks.deploy of a project in application',
    operation: 'stacks.deploy',
    policy: 'controlInScope',
    arrange: async () => {
      await stackGone(SPARE);
      return {
        input: { project: SPARE },
        verify: async (ok) => assert.deepEqual(await stackServices(swarm, SPARE), ok ? [`${SPARE}_one`] : []),
      };
    },
  },
  {
    title: 'stacks.deploy of a project in support',
    operation: 'stacks.deploy',
    policy: 'controlOutOfScope',
    arrange: async () => {
      await stackGone(OPS);
      return {
        input: { project: OPS },
        verify: async (ok) => assert.deepEqual(await stackServices(swarm, OPS), ok ? [`${OPS}_job`] : []),
      };
    },
  },
  {
    title: 'stacks.remove of a project in application',
    operation: 'stacks.remove',
    policy: 'controlInScope',
    arrange: async () => {
      await ensureSpare();
      return {
        input: { project: SPARE },
        verify: async (ok) => assert.deepEqual(await stackServices(swarm, SPARE), ok ? [] : [`${SPARE}_one`]),
      };
    },
  },
  {
    title: 'stacks.remove of a project in support',
    operation: 'stacks.remove',
    policy: 'controlOutOfScope',
    arrange: async () => {
      await ensureOps();
      return {
        input: { project: OPS },
        verify: async (ok) => assert.deepEqual(await stackServices(swarm, OPS), ok ? [] : [`${OPS}_job`]),
      };
    },
  },
];

for (const transport of TRANSPORTS) {
  describe(`swarm access matrix over ${transport.name}`, () => {
    let client: OperationClient;
    before(async () => {
      client = await transport.start(env);
    });
    after(async () => client?.close());

    for (const row of ROWS) {
      for (const caller of CALLERS) {
        const expected = POLICIES[row.policy][callerName(caller)];
        it(`${row.title} as ${callerName(caller)} → ${expected}`, async () => {
          const scenario = await row.arrange();
          const outcome = await client.call(row.operation, scenario.input, caller);
          if (expected === 'ok') {
            assert.equal(outcome.ok, true, outcome.ok ? '' : `${outcome.code}: ${outcome.message}`);
          } else {
            assert.equal(outcome.ok, false, 'the call must be refused');
            if (outcome.ok) return;
            assert.equal(outcome.code, expected, outcome.message);
            if (client.transport === 'rest') assert.equal(outcome.status, STATUS_OF[expected]);
          }
          await scenario.verify(outcome.ok);
        });
      }
    }
  });
}

describe('a stack deployed by the CLI under a name that is no registered project', () => {
  it('is no project to remove (PROJECT_NOT_FOUND), and stays', async (t) => {
    const server = await startTestServer(env, t);
    const res = await server.call('POST', '/api/v1/stacks/remove', { body: { project: FOREIGN } });
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'PROJECT_NOT_FOUND');
    assert.deepEqual(await stackServices(swarm, FOREIGN), [`${FOREIGN}_alone`]);
  });

  for (const transport of TRANSPORTS) {
    it(`is removed by name over ${transport.name} only by a role that controls every group, and only if it exists`, async () => {
      const client = await transport.start(env);
      try {
        for (const [stack, role, code, status] of [
          [FOREIGN, 'developer', 'FORBIDDEN', 403],
          [FOREIGN, 'user', 'FORBIDDEN', 403],
          [`${FOREIGN}-none`, 'admin', 'STACK_NOT_FOUND', 404],
          ['-x', 'admin', 'VALIDATION_FAILED', 400],
        ] as const) {
          const outcome = await client.call('stacks.removeByName', { stack }, role);
          assert.equal(outcome.ok, false, `${stack} as ${role}`);
          if (!outcome.ok) assert.equal(outcome.code, code, outcome.message);
          if (!outcome.ok && client.transport === 'rest') assert.equal(outcome.status, status);
          assert.deepEqual(await stackServices(swarm, FOREIGN), [`${FOREIGN}_alone`], 'a refused removal leaves the stack');
        }
      } finally {
        await client.close();
      }
    });
  }

  it('is removed by name by an admin, on every node', async () => {
    const client = await TRANSPORTS[TRANSPORTS.length - 1]!.start(env);
    try {
      const outcome = await client.call('stacks.removeByName', { stack: FOREIGN }, 'admin');
      assert.equal(outcome.ok, true, outcome.ok ? '' : `${outcome.code}: ${outcome.message}`);
      assert.deepEqual(await stackServices(swarm, FOREIGN), []);
      await waitFor('no container of the stack on any node', 30_000, async () => (await stackContainers(swarm, FOREIGN)) === 0);
    } finally {
      await client.close();
    }
  });
});
