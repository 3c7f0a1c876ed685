import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { restClient, TRANSPORTS, type OperationClient, type Outcome } from '../support/clients.js';
import { removeDir, tempDir, writeFile } from '../support/compose.js';
import { docker as sharedDocker, requireEngine } from '../support/engine.js';
import { waitFor } from '../support/eventually.js';
import { HostsFile } from '../support/hosts-file.js';
import { DOCKER_CLI, TestSwarm } from '../support/swarm.js';
import { replicasOf, stackServices, writeStack } from '../support/swarm-projects.js';

/**
 * Stacks run on their project's host. Two hosts: `local`, the shared engine (the default, in no
 * swarm), and `cluster`, a one-node private swarm. Project SHARED (group core) runs on `local`;
 * project CLUSTERED (group application) on `cluster`. A stack deployed on `cluster` with the CLI
 * under SHARED's name is no project's there. The developer's scope covers both groups.
 */
const suffix = Math.random().toString(36).slice(2, 8);
const SHARED = `hs${suffix}`;
const CLUSTERED = `hc${suffix}`;
const STACK_LABEL = 'com.docker.stack.namespace';

let swarm: TestSwarm;
let root: string;
let hostsDir: string | undefined;
let env: Record<string, string>;
let rest: OperationClient;

/** Containers of a stack on the shared engine: a stack never lands there (it is in no swarm). */
async function sharedEngineContainers(stack: string): Promise<number> {
  return (await sharedDocker.listContainers({ all: true, filters: { label: [`${STACK_LABEL}=${stack}`] } })).length;
}

function refused(outcome: Outcome, code: string, status: number): void {
  assert.equal(outcome.ok, false, 'the call must be refused');
  if (outcome.ok) return;
  assert.equal(outcome.code, code, outcome.message);
  if (outcome.status !== undefined) assert.equal(outcome.status, status);
}

before(async () => {
  await requireEngine();
  swarm = await TestSwarm.start(0);
  root = tempDir('lucid-stack-hosts');
  const sharedFile = writeStack(root, SHARED, { web: {} });
  const clusteredFile = writeStack(root, CLUSTERED, { web: {} });
  const config = writeFile(
    join(root, 'services.yml'),
    [
      'groups:',
      '  - name: core',
      '    phase: 2',
      '    compose:',
      `      project: ${SHARED}`,
      `      files: ["${sharedFile}"]`,
      '  - name: application',
      '    phase: 3',
      '    host: cluster',
      '    compose:',
      `      project: ${CLUSTERED}`,
      `      files: ["${clusteredFile}"]`,
      '',
    ].join('\n'),
  );
  const hosts = new HostsFile([
    { name: 'local', url: 'unix:///var/run/docker.sock', default: true },
    { name: 'cluster', url: swarm.manager.engine.dockerHost },
  ]);
  hostsDir = join(hosts.path, '..');
  // Another service than the project's file declares: a deploy of SHARED's files over it would show.
  const foreignDir = tempDir('lucid-stack-hosts-foreign');
  writeStack(foreignDir, 'x', { alone: {} });
  await swarm.cli(['stack', 'deploy', '-c', `${foreignDir}/x/docker-compose.yml`, SHARED]);
  removeDir(foreignDir);
  env = { DOCKER_CLI, SERVICES_CONFIG: config, HOSTS_CONFIG: hosts.path, COMPOSE_PROJECTS_DIR: root, COMPOSE_TIMEOUT: '120' };
  rest = await restClient(env);
});

after(async () => {
  await rest?.close();
  await swarm?.close();
  if (root) removeDir(root);
  if (hostsDir) removeDir(hostsDir);
});

describe('stack deploy and removal on the project host', () => {
  it("deploys on the project's host when host is left out", async () => {
    const outcome = await rest.call('stacks.deploy', { project: CLUSTERED }, 'developer');
    assert.equal(outcome.ok, true, outcome.ok ? '' : `${outcome.code}: ${outcome.message}`);
    assert.deepEqual(await stackServices(swarm, CLUSTERED), [`${CLUSTERED}_web`]);
    assert.equal(await sharedEngineContainers(CLUSTERED), 0);
  });

  it("refuses a deploy naming another host than the project's, and deploys nothing", async () => {
    refused(await rest.call('stacks.deploy', { project: SHARED, host: 'cluster' }, 'admin'), 'VALIDATION_FAILED', 400);
    assert.deepEqual(await stackServices(swarm, SHARED), [`${SHARED}_alone`], "the CLI's stack is as it was");
    refused(await rest.call('stacks.deploy', { project: CLUSTERED, host: 'local' }, 'admin'), 'VALIDATION_FAILED', 400);
    assert.equal(await sharedEngineContainers(CLUSTERED), 0);
    assert.deepEqual(await stackServices(swarm, CLUSTERED), [`${CLUSTERED}_web`]);
  });

  it("refuses a removal naming another host than the project's, and removes nothing", async () => {
    refused(await rest.call('stacks.remove', { project: SHARED, host: 'cluster' }, 'admin'), 'VALIDATION_FAILED', 400);
    assert.deepEqual(await stackServices(swarm, SHARED), [`${SHARED}_alone`]);
    refused(await rest.call('stacks.remove', { project: CLUSTERED, host: 'local' }, 'admin'), 'VALIDATION_FAILED', 400);
    assert.deepEqual(await stackServices(swarm, CLUSTERED), [`${CLUSTERED}_web`]);
  });

  it("lists a stack sharing another host's project name with no project and no group", async () => {
    const outcome = await rest.call('stacks.list', { host: 'cluster' }, 'admin');
    assert.equal(outcome.ok, true);
    if (!outcome.ok) return;
    const byName = new Map<string, any>(outcome.data.stacks.map((s: any) => [s.name, s]));
    const owner = (name: string) => ({ project: byName.get(name)?.project, group: byName.get(name)?.group });
    assert.deepEqual(owner(SHARED), { project: undefined, group: null });
    assert.deepEqual(owner(CLUSTERED), { project: CLUSTERED, group: 'application' });
  });
});

for (const [index, transport] of TRANSPORTS.entries()) {
  describe(`scaling on the cluster over ${transport.name}`, () => {
    let client: OperationClient;
    before(async () => {
      client = await transport.start(env);
    });
    after(async () => client?.close());

    it("refuses a developer scaling the same-named stack of another host's core project (FORBIDDEN), and it keeps its replicas", async () => {
      refused(await client.call('swarm.scale', { host: 'cluster', service: `${SHARED}_alone`, replicas: 3 }, 'developer'), 'FORBIDDEN', 403);
      assert.equal(await replicasOf(swarm, `${SHARED}_alone`), 1);
    });

    it("lets the developer scale the cluster's own application stack", async () => {
      const replicas = index + 2;
      const outcome = await client.call('swarm.scale', { host: 'cluster', service: `${CLUSTERED}_web`, replicas }, 'developer');
      assert.equal(outcome.ok, true, outcome.ok ? '' : `${outcome.code}: ${outcome.message}`);
      assert.equal(await replicasOf(swarm, `${CLUSTERED}_web`), replicas);
    });
  });
}

describe("a stack whose project's files are gone", () => {
  it('is removed (from its own host, host left out), though it can no longer be deployed', async () => {
    rmSync(join(root, CLUSTERED), { recursive: true, force: true });
    refused(await rest.call('stacks.deploy', { project: CLUSTERED }, 'developer'), 'PROJECT_NOT_FOUND', 404);
    const outcome = await rest.call('stacks.remove', { project: CLUSTERED }, 'developer');
    assert.equal(outcome.ok, true, outcome.ok ? '' : `${outcome.code}: ${outcome.message}`);
    assert.deepEqual(await stackServices(swarm, CLUSTERED), []);
    assert.deepEqual(await stackServices(swarm, SHARED), [`${SHARED}_alone`], 'the other stack stays');
  });
});

describe('a host whose engine leaves its swarm while connected', () => {
  it('is told apart as in no swarm within the role check, and refuses cluster operations', async () => {
    const listed = async (name = 'cluster') => {
      const outcome = await rest.call('hosts.list', {}, 'admin');
      assert.equal(outcome.ok, true);
      if (!outcome.ok) return undefined;
      type Listed = { name: string; swarm: { role: string; state: string; nodeId?: string } | null; swarmManager: boolean | null };
      return (outcome.data as { hosts: Listed[] }).hosts.find((h) => h.name === name);
    };
    const nodeId = (await swarm.manager.engine.docker.info()).Swarm.NodeID;
    assert.deepEqual((await listed())?.swarm, { role: 'manager', state: 'active', nodeId });
    assert.equal((await listed())?.swarmManager, true);
    assert.deepEqual((await listed('local'))?.swarm, { role: 'none', state: 'inactive' }, 'the shared engine is in no swarm');
    await swarm.manager.engine.docker.swarmLeave({ force: true });
    assert.equal((await swarm.manager.engine.docker.info()).Swarm.LocalNodeState, 'inactive');
    // Docker sends no event of a leave: the host's half-minute role check finds it.
    await waitFor('cluster in no swarm', 45_000, async () => (await listed())?.swarm?.role === 'none', 1000);
    const left = await listed();
    assert.deepEqual(left?.swarm, { role: 'none', state: 'inactive' });
    assert.equal(left?.swarmManager, false);
    refused(await rest.call('swarm.nodes', { host: 'cluster' }, 'developer'), 'NOT_SWARM_MANAGER', 409);
  });
});
