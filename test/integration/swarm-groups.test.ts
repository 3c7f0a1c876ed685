import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { removeDir, tempDir, writeFile } from '../support/compose.js';
import { requireEngine, TEST_IMAGE } from '../support/engine.js';
import { startIpcHarness } from '../support/ipc.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { readSse } from '../support/sse.js';
import { DOCKER_CLI, TestSwarm } from '../support/swarm.js';
import { replicasOf, runningTasks, stackServices } from '../support/swarm-projects.js';

/**
 * A service group whose compose project is a stack (`compose.stack: true`) on a real three-node
 * swarm: started by deploying it, stopped by scaling to 0, started again by scaling back to the
 * file's replicas, in dependency order, gated on health. One swarm for the file.
 */
const suffix = Math.random().toString(36).slice(2, 8);
const STACK = `gs${suffix}`;
const SERVICES = [`${STACK}_api`, `${STACK}_db`, `${STACK}_web`];

/** db turns healthy 2 s after it starts; api (2 replicas) depends on db by the group's members, web on api by the file. */
function stackYaml(): string {
  const service = (name: string, replicas: number, extra: string[] = []) => [
    `  ${name}:`,
    `    image: ${TEST_IMAGE}`,
    '    stop_signal: SIGKILL',
    ...extra,
    '    deploy:',
    `      replicas: ${replicas}`,
  ];
  return [
    'version: "3.8"',
    'services:',
    ...service('db', 1, [
      `    command: ["sh", "-c", "sleep 2; touch /tmp/up; sleep 3600"]`,
      '    healthcheck:',
      '      test: ["CMD", "test", "-e", "/tmp/up"]',
      '      interval: 1s',
      '      retries: 30',
    ]),
    ...service('api', 2, ['    command: ["sleep", "3600"]']),
    ...service('web', 1, ['    command: ["sleep", "3600"]', '    depends_on: [api]']),
    '',
  ].join('\n');
}

/** A services config whose group `stackGroup` is the stack; `other` is an empty group. */
function writeConfig(file: string, stackGroup: 'core' | 'support', other: 'core' | 'support'): string {
  const phase = (group: string) => (group === 'core' ? 2 : 4);
  return writeFile(
    join(root, file),
    [
      'groups:',
      `  - name: ${stackGroup}`,
      `    phase: ${phase(stackGroup)}`,
      '    compose:',
      `      project: ${STACK}`,
      `      files: ["${STACK}/docker-compose.yml"]`,
      '      stack: true',
      '    members:',
      '      - name: db',
      '        healthTimeoutSeconds: 60',
      '      - name: api',
      '        depends_on: [db]',
      `  - name: ${other}`,
      `    phase: ${phase(other)}`,
      '',
    ].join('\n'),
  );
}

let swarm: TestSwarm;
let root: string;
let env: Record<string, string>;
let server: TestServer;

before(async () => {
  await requireEngine();
  swarm = await TestSwarm.start();
  root = tempDir('lucid-swarm-groups');
  writeFile(join(root, STACK, 'docker-compose.yml'), stackYaml());
  const config = writeConfig('services.yml', 'core', 'support');
  env = { DOCKER_HOST: swarm.manager.engine.dockerHost, DOCKER_CLI, SERVICES_CONFIG: config, COMPOSE_PROJECTS_DIR: root, COMPOSE_TIMEOUT: '120' };
  server = await startTestServer(env);
});

after(async () => {
  await server?.close();
  await swarm?.close();
  if (root) removeDir(root);
});

async function run(action: 'start' | 'stop', body: Record<string, unknown> = {}) {
  const res = await fetch(`${server.url}/api/v1/services/core/${action}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await server.tokenFor('developer')}`, 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200);
  const frames = await readSse(res, (f) => f.some((x) => x.event === 'result' || x.event === 'error'));
  const result = frames.find((f) => f.event === 'result');
  assert.ok(result, JSON.stringify(frames.slice(-2)));
  return { result: result.data, progress: frames.filter((f) => f.event === 'progress').map((f) => f.data) };
}

const at = (progress: any[], service: string, step: string) => progress.findIndex((p) => p.service === service && p.step === step);

/** Health of every task container of db, on whichever node it runs. */
async function dbHealth(): Promise<string[]> {
  const found = await Promise.all(
    swarm.nodes.map(async (node) =>
      Promise.all(
        (await node.engine.docker.listContainers({ filters: { label: [`com.docker.swarm.service.name=${STACK}_db`] } })).map(
          async (c) => ((await node.engine.docker.getContainer(c.Id).inspect()) as any).State.Health?.Status as string,
        ),
      ),
    ),
  );
  return found.flat();
}

describe('a stack group', () => {
  it('starts by deploying the stack when it is not there: every service runs its declared replicas', async () => {
    const { result } = await run('start');
    assert.equal(result.ok, true, JSON.stringify(result.results));
    assert.deepEqual(
      result.results.map((r: any) => [r.service, r.action]),
      [['db', 'started'], ['api', 'started'], ['web', 'started']],
    );
    assert.deepEqual(await stackServices(swarm, STACK), SERVICES);
    assert.equal((await runningTasks(swarm, `${STACK}_api`)).length, 2);
    assert.equal((await runningTasks(swarm, `${STACK}_web`)).length, 1);
    assert.deepEqual(await dbHealth(), ['healthy']);
  });

  it('shows its members from the stack: running replicas as running members', async () => {
    const res = await server.call('GET', '/api/v1/services/core', { role: 'user' });
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.services.map((s: any) => [s.name, s.state]),
      [['db', 'running'], ['api', 'running'], ['web', 'running']],
    );
    assert.equal(res.body.running, 3);
  });

  it('plans a stop in reverse dependency order and changes nothing', async () => {
    const { result } = await run('stop', { dryRun: true });
    assert.deepEqual(
      result.plan.map((level: any[]) => level.map((e) => [e.service, e.planned])),
      [[['web', 'stop']], [['api', 'stop']], [['db', 'stop']]],
    );
    assert.equal(await replicasOf(swarm, `${STACK}_api`), 2);
  });

  it('stops over IPC by scaling to 0, dependents first: no task of it runs on any node', async (t) => {
    const harness = await startIpcHarness(env, t);
    const { api } = await harness.openWindow('developer');
    const progress: any[] = [];
    const result = await api.services.stop({ group: 'core' }, { onEvent: (event: any) => progress.push(event) });
    assert.equal(result.ok, true, JSON.stringify(result.results));
    assert.deepEqual(result.results.map((r: any) => r.action), ['stopped', 'stopped', 'stopped']);
    assert.ok(at(progress, 'web', 'stopped') < at(progress, 'api', 'stopping'), 'web is gone before api stops');
    assert.ok(at(progress, 'api', 'stopped') < at(progress, 'db', 'stopping'), 'api is gone before db stops');
    for (const service of SERVICES) assert.equal(await replicasOf(swarm, service), 0, service);
    assert.equal((await Promise.all(SERVICES.map((s) => runningTasks(swarm, s)))).flat().length, 0);
    assert.deepEqual(await stackServices(swarm, STACK), SERVICES, 'the stack stays, scaled to 0');
  });

  it('starts again by scaling back to the declared replicas, in order, each after its dependency is healthy', async () => {
    const { result, progress } = await run('start');
    assert.equal(result.ok, true, JSON.stringify(result.results));
    assert.ok(at(progress, 'db', 'started') < at(progress, 'api', 'starting'), 'api starts after db is healthy');
    assert.ok(at(progress, 'api', 'started') < at(progress, 'web', 'starting'), 'web starts after api runs (depends_on of the file)');
    assert.ok(at(progress, 'db', 'waiting-healthy') >= 0, 'db was waited for');
    assert.equal(await replicasOf(swarm, `${STACK}_api`), 2);
    assert.equal((await runningTasks(swarm, `${STACK}_api`)).length, 2);
    assert.deepEqual(await dbHealth(), ['healthy']);
    const again = await run('start');
    assert.deepEqual(again.result.results.map((r: any) => r.action), ['already-running', 'already-running', 'already-running']);
  });

  it('refuses a second run while one is under way, an unknown group, and a caller out of scope; nothing changes', async (t) => {
    const token = await server.tokenFor('developer');
    const control = (action: 'start' | 'stop') =>
      fetch(`${server.url}/api/v1/services/core/${action}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
    // The refused call is a start: had it run after the stop, the replicas would be back.
    const [first, second] = await Promise.all([control('stop'), new Promise((r) => setTimeout(r, 300)).then(() => control('start'))]);
    assert.equal(first.status, 200);
    assert.equal(second.status, 409);
    assert.equal((await second.json()).error.code, 'OPERATION_IN_PROGRESS');
    assert.equal(await replicasOf(swarm, `${STACK}_api`), 0);
    const unknown = await server.call('POST', '/api/v1/services/nosuch/start', { role: 'developer', body: {} });
    assert.equal(unknown.status, 404);
    // The same stack in group support, outside the developer's scope (which holds core): a developer may control groups, not this one.
    const supported = await startTestServer({ ...env, SERVICES_CONFIG: writeConfig('services-support.yml', 'support', 'core') }, t);
    const outOfScope = await supported.call('POST', '/api/v1/services/support/start', { role: 'developer', body: {} });
    assert.equal(outOfScope.status, 403, JSON.stringify(outOfScope.body));
    assert.equal(outOfScope.body.error.code, 'FORBIDDEN');
    for (const service of SERVICES) assert.equal(await replicasOf(swarm, service), 0, service);
  });

  it('answers NOT_SWARM_MANAGER (409) when the group host is no manager, and changes nothing', async (t) => {
    const plain = await startTestServer({ ...env, DOCKER_HOST: swarm.workers[0]!.engine.dockerHost }, t);
    const res = await plain.call('POST', '/api/v1/services/core/start', { role: 'developer', body: {} });
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'NOT_SWARM_MANAGER');
    for (const service of SERVICES) assert.equal(await replicasOf(swarm, service), 0, service);
  });
});
