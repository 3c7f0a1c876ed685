import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Manager } from '../../src/main/create-manager.js';
import type { HostSwarm } from '../../src/shared/schemas/hosts.js';
import { launchBrowser, type Browser } from '../support/browser.js';
import { assertNotReloaded, markPage, UI_WAIT_MS, waitForLive } from '../support/browser-dashboard.js';
import { restClient, TRANSPORTS, type OperationClient } from '../support/clients.js';
import { removeDir } from '../support/compose.js';
import { dockerCli } from '../support/docker-cli.js';
import { requireEngine } from '../support/engine.js';
import { waitFor } from '../support/eventually.js';
import { HostsFile } from '../support/hosts-file.js';
import type { IpcHarness } from '../support/ipc.js';
import { dockerCallCount } from '../support/metrics.js';
import type { TestServer } from '../support/server.js';
import { subscribe, type Subscription } from '../support/subscription.js';
import { TestSwarm } from '../support/swarm.js';

/**
 * A host's swarm role on the live `host` events. One host, `cluster`: a one-node private swarm
 * whose engine each scenario takes out of its swarm or into a new one (never the shared engine).
 * Each manager reads the role again every ROLE_CHECK_MS instead of every 30 s, so that a change
 * shows, and a role that stays is read several times, within a short test.
 */
const ROLE_CHECK_MS = 250;
/** Role checks waited for before counting events: a check that wrongly announced would have by then. */
const CHECKS = 3;
const NONE: HostSwarm = { role: 'none', state: 'inactive' };

let swarm: TestSwarm;
let hostsDir: string | undefined;
let env: Record<string, string>;

before(async () => {
  await requireEngine();
  swarm = await TestSwarm.start(0);
  const hosts = new HostsFile([{ name: 'cluster', url: swarm.manager.engine.dockerHost, default: true }]);
  hostsDir = join(hosts.path, '..');
  env = { HOSTS_CONFIG: hosts.path };
});

after(async () => {
  await swarm?.close();
  if (hostsDir) removeDir(hostsDir);
});

/** The engine's role as Docker itself says it. */
async function engineRole(): Promise<HostSwarm> {
  const info = await swarm.manager.engine.docker.info();
  return info.Swarm.LocalNodeState === 'active' ? { role: 'manager', state: 'active', nodeId: info.Swarm.NodeID } : NONE;
}

/** Takes the engine out of its swarm, or (when in none) makes it a new one's manager: the role it has then. */
async function switchRole(): Promise<HostSwarm> {
  const engine = swarm.manager.engine;
  const before = await engineRole();
  if (before.role === 'manager') await engine.docker.swarmLeave({ force: true });
  else await dockerCli(['swarm', 'init', '--advertise-addr', swarm.manager.address], engine.dockerHost);
  const role = await engineRole();
  assert.notEqual(role.role, before.role, 'the engine changed its role');
  return role;
}

function managerOf(client: OperationClient): Manager {
  const opened = client as OperationClient & { server?: TestServer; harness?: IpcHarness };
  return (opened.server?.manager ?? opened.harness?.manager) as Manager;
}

async function listedRole(client: OperationClient): Promise<HostSwarm | null | undefined> {
  const outcome = await client.call('hosts.list', {}, 'user');
  assert.equal(outcome.ok, true);
  return outcome.ok ? (outcome.data.hosts as Array<{ name: string; swarm: HostSwarm | null }>).find((h) => h.name === 'cluster')?.swarm : undefined;
}

/** Waits until the manager has read the role `count` more times (each read is one `system.info` call). */
async function roleChecks(manager: Manager, count: number): Promise<void> {
  const base = await dockerCallCount(manager, 'system.info');
  await waitFor(`${count} role checks`, 20_000, async () => (await dockerCallCount(manager, 'system.info')) >= base + count, 50);
}

const hostEvents = (subscription: Subscription) => subscription.events.filter((e) => e.type === 'host');

for (const transport of TRANSPORTS) {
  describe(`a swarm role change on the live events over ${transport.name}`, () => {
    let client: OperationClient;
    before(async () => {
      client = await transport.start(env, undefined, { swarmRoleRefreshMs: ROLE_CHECK_MS });
    });
    after(async () => client?.close());

    it('is announced by a host event carrying the new role, each role found once; a role that stays is announced never', async () => {
      const manager = managerOf(client);
      const current = await engineRole();
      await waitFor('the role read at start', 20_000, async () => isDeepStrictEqual(await listedRole(client), current));
      const events = subscribe(client, 'containers.onEvent', { host: 'cluster' });
      try {
        await events.ready;
        await roleChecks(manager, CHECKS);
        assert.deepEqual(hostEvents(events), [], 'the role checks found it unchanged: no event');

        const next = await switchRole();
        await waitFor('a host event with the new role', 20_000, () => hostEvents(events).some((e) => isDeepStrictEqual(e.swarm, next)));
        const announced = hostEvents(events).length;
        await roleChecks(manager, CHECKS);
        const seen = hostEvents(events);
        assert.equal(seen.length, announced, `nothing more once the role stays: ${JSON.stringify(seen)}`);
        // A check may catch an init halfway (a worker, pending): each role found is one event.
        const roles = seen.map((e) => e.swarm);
        roles.forEach((role, i) => assert.ok(i === 0 || !isDeepStrictEqual(role, roles[i - 1]), `announced twice: ${JSON.stringify(seen)}`));
        if (next.role === 'none') assert.equal(seen.length, 1, `a leave is one event: ${JSON.stringify(seen)}`);
        assert.deepEqual(seen.at(-1)?.swarm, next);
        assert.deepEqual(
          seen.map((e) => [e.host, e.state, e.reason]),
          seen.map(() => ['cluster', 'up', undefined]),
        );
        assert.deepEqual(await listedRole(client), next, 'hosts.list says the same');
      } finally {
        events.close();
      }
      assert.equal((await events.ended).error, undefined);
    });
  });
}

describe('a swarm role change in the dashboard, in headless Chromium', () => {
  let client: OperationClient & { server: TestServer };
  let browser: Browser;
  before(async () => {
    client = await restClient(env, undefined, { swarmRoleRefreshMs: ROLE_CHECK_MS });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await client?.close();
  });

  it("changes the Hosts table's Swarm column without a reload", async () => {
    const text = (swarm: HostSwarm) => (swarm.role === 'none' ? 'no swarm' : swarm.role);
    const current = await engineRole();
    await waitFor('the role read at start', 20_000, async () => isDeepStrictEqual(await listedRole(client), current));
    const { page, errors } = await browser.page();
    await page.goto(`${client.server.url}/#token=${await client.server.tokenFor('user')}`);
    await waitForLive(page);
    await page.getByRole('button', { name: 'Hosts' }).click();
    const cell = (role: HostSwarm['role']) => page.locator(`tr[data-host="cluster"] td[data-swarm-role="${role}"]`);
    await cell(current.role).waitFor({ timeout: UI_WAIT_MS });
    assert.equal((await cell(current.role).innerText()).trim(), text(current));
    await markPage(page);

    const next = await switchRole();
    await cell(next.role).waitFor({ timeout: UI_WAIT_MS });
    assert.equal((await cell(next.role).innerText()).trim(), text(next));
    await assertNotReloaded(page);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
