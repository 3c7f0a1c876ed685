import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, type Browser } from '../support/browser.js';
import { assertNotReloaded, markPage, UI_WAIT_MS, waitForLive } from '../support/browser-dashboard.js';
import { removeDir, servicesConfig, tempDir, writeFile } from '../support/compose.js';
import { requireEngine, TEST_IMAGE } from '../support/engine.js';
import { waitFor } from '../support/eventually.js';
import { DOCKER_CLI, TestSwarm } from '../support/swarm.js';
import { availabilityOf, nodeIdOf, replicasOf, serviceSpec, stackFile, stackServices, writeStack } from '../support/swarm-projects.js';
import { startTestServer, useTestServer } from '../support/server.js';

/** Long enough for `docker stack deploy` to converge on a loaded machine. */
const STACK_WAIT_MS = 120_000;
/** A node that stops answering is marked down after a few missed heartbeats (5 s each by default). */
const NODE_DOWN_WAIT_MS = 90_000;

/** The list reads of the swarm view: once it is live, only a resync may ask for them again. */
const LIST_PATHS = new Set(['/api/v1/swarm/nodes', '/api/v1/swarm/services']);

/** Counts the page's reads of the swarm's lists from now on: the live view answers from events, it does not poll. */
function countListReads(page: Page): () => number {
  let reads = 0;
  page.on('request', (request) => {
    if (LIST_PATHS.has(new URL(request.url()).pathname)) reads++;
  });
  return () => reads;
}

/**
 * A swarm of its own (a manager and a worker, private engines): the shared engine's swarm state is
 * never touched. Two services made with the CLI (in no group: admins only) and a registered
 * compose project in group core, which a developer may deploy as a stack.
 */
describe('the swarm in the dashboard, in headless Chromium', () => {
  const suffix = Math.random().toString(36).slice(2, 8);
  const service = `sd${suffix}`;
  const ticker = `st${suffix}`;
  const project = `sp${suffix}`;
  let swarm: TestSwarm;
  let root: string;
  let config: string;
  let browser: Browser;
  before(async () => {
    await requireEngine();
    swarm = await TestSwarm.start(1);
    await swarm.cli(['service', 'create', '--detach', '--no-resolve-image', '--name', service, '--replicas', '1', '--stop-signal', 'SIGKILL', TEST_IMAGE, 'sleep', '3600']);
    await swarm.cli([
      'service', 'create', '--detach', '--no-resolve-image', '--name', ticker, '--stop-signal', 'SIGKILL', TEST_IMAGE,
      'sh', '-c', 'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.5; done',
    ]);
    root = tempDir('lucid-dash-swarm');
    config = servicesConfig(root, [{ group: 'core', phase: 2, project, files: [writeStack(root, project, { web: {} })] }]);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await swarm?.close();
    if (root) removeDir(root);
  });
  const server = useTestServer(() => ({
    DOCKER_HOST: swarm.manager.engine.dockerHost,
    DOCKER_CLI,
    SERVICES_CONFIG: config,
    COMPOSE_PROJECTS_DIR: root,
    COMPOSE_TIMEOUT: '120',
  }));

  async function openSwarm(role: 'user' | 'developer' | 'admin'): Promise<{ page: Page; errors: string[] }> {
    const opened = await browser.page();
    await opened.page.goto(`${server.url}/#token=${await server.tokenFor(role)}`);
    await waitForLive(opened.page);
    await opened.page.getByRole('button', { name: 'Swarm' }).click();
    await opened.page.locator(`tr[data-service="${service}"]`).waitFor({ timeout: UI_WAIT_MS });
    await opened.page.locator('[data-swarm-connection="live"]').waitFor({ timeout: UI_WAIT_MS });
    return opened;
  }

  it('shows the nodes and services with their replicas, scales a service and rolls the scale back', async () => {
    const { page, errors } = await openSwarm('admin');
    await page.locator(`tr[data-node="${swarm.manager.name}"]`).waitFor({ timeout: UI_WAIT_MS });
    assert.equal(await page.locator('table.nodes tbody tr').count(), 2);
    await page.getByLabel(`Replicas of ${service}`).fill('2');
    await page.getByRole('button', { name: `Scale ${service}` }).click();
    await page.locator(`tr[data-service="${service}"][data-replicas$="/2"]`).waitFor({ timeout: UI_WAIT_MS });
    assert.equal(await replicasOf(swarm, service), 2);
    await browser.screenshot(page, 'swarm');

    await page.getByRole('button', { name: `Roll back ${service}` }).click();
    await page.locator(`tr[data-service="${service}"][data-replicas$="/1"]`).waitFor({ timeout: UI_WAIT_MS });
    assert.equal(await replicasOf(swarm, service), 1, 'the rollback brought the previous replicas back');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('lets an admin drain a node and make it active again; the engine says so each time', async () => {
    const { page, errors } = await openSwarm('admin');
    const worker = swarm.workers[0]?.name as string;
    const id = await nodeIdOf(swarm, worker);
    await page.getByRole('button', { name: `Drain ${worker}` }).click();
    await page.locator(`tr[data-node="${worker}"][data-availability="drain"]`).waitFor({ timeout: UI_WAIT_MS });
    assert.equal(await availabilityOf(swarm, id), 'drain');
    assert.equal(await page.getByRole('button', { name: `Drain ${worker}` }).count(), 0, 'no Drain offered on a drained node');
    await page.getByRole('button', { name: `Activate ${worker}` }).click();
    await page.locator(`tr[data-node="${worker}"][data-availability="active"]`).waitFor({ timeout: UI_WAIT_MS });
    assert.equal(await availabilityOf(swarm, id), 'active');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("shows a user a service's tasks and follows its logs past the moment they opened, offering no control", async () => {
    const { page, errors } = await openSwarm('user');
    assert.equal(await page.locator('table.nodes button, table.services button.control, table.services form').count(), 0, 'no control offered');
    await page.getByRole('button', { name: `Tasks and logs of ${ticker}` }).click();
    const panel = page.locator(`[data-service-panel="${ticker}"]`);
    await panel.locator('table.tasks tr[data-state="running"]').first().waitFor({ timeout: UI_WAIT_MS });
    await panel.getByRole('checkbox', { name: 'Follow' }).check();
    await panel.locator('[data-log-status]', { hasText: 'Following' }).waitFor({ timeout: UI_WAIT_MS });
    await panel.locator('.log .line', { hasText: 'tick' }).first().waitFor({ timeout: UI_WAIT_MS });
    const ticks = async () =>
      Math.max(...(await panel.locator('.log .line').allInnerTexts()).map((text) => Number(/tick (\d+)/.exec(text)?.[1] ?? 0)));
    const seen = await ticks();
    await waitFor('a line written after the log was followed', UI_WAIT_MS, async () => (await ticks()) >= seen + 3);
    await browser.screenshot(page, 'swarm-service');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('restarts a service from its row: the engine forces an update', async () => {
    const { page, errors } = await openSwarm('admin');
    const forced = (await serviceSpec(swarm, ticker)).Spec.TaskTemplate.ForceUpdate ?? 0;
    await page.getByRole('button', { name: `Restart ${ticker}` }).click();
    await waitFor('the service was restarted', UI_WAIT_MS, async () => (await serviceSpec(swarm, ticker)).Spec.TaskTemplate.ForceUpdate === forced + 1);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('lets a developer deploy a project of its group as a stack and remove it, output streaming; no node control, none on services of no group', async () => {
    const { page, errors } = await openSwarm('developer');
    assert.equal(await page.locator('table.nodes button').count(), 0, 'availability is for admins');
    assert.equal(await page.getByRole('button', { name: `Restart ${service}` }).count(), 0, 'a service in no group is for admins');

    await page.getByRole('button', { name: `Deploy ${project}` }).click();
    const outcome = page.locator('h3', { hasText: `stack deploy ${project}` }).locator('[data-run-outcome="done"]');
    await outcome.waitFor({ timeout: STACK_WAIT_MS });
    assert.match(await outcome.innerText(), /^done in/);
    assert.ok((await page.locator('.log .line', { hasText: 'Creating service' }).count()) > 0, 'the CLI output was shown');
    assert.deepEqual(await stackServices(swarm, project), [`${project}_web`]);
    await page.locator(`tr[data-stack="${project}"]`).waitFor({ timeout: UI_WAIT_MS });
    await page.getByRole('button', { name: `Restart ${project}_web` }).waitFor({ timeout: UI_WAIT_MS });
    await browser.screenshot(page, 'swarm-stack');

    await page.getByRole('button', { name: `Remove ${project}` }).click();
    await page.locator('h3', { hasText: `stack remove ${project}` }).locator('[data-run-outcome="done"]').waitFor({ timeout: STACK_WAIT_MS });
    await waitFor('the stack is gone', UI_WAIT_MS, async () => (await stackServices(swarm, project)).length === 0);
    await page.locator(`tr[data-stack="${project}"]`).waitFor({ state: 'detached', timeout: UI_WAIT_MS });

    assert.deepEqual(errors, []);
    await page.close();
  });
  it('follows changes made with the CLI without a reload or a read of the lists: a scale, its tasks, a drain, a stack deployed and removed', async () => {
    const { page, errors } = await openSwarm('admin');
    const worker = swarm.workers[0]?.name as string;
    const stack = `sc${suffix}`;
    const dir = tempDir('lucid-dash-swarm-cli');
    await page.getByRole('button', { name: `Tasks and logs of ${service}` }).click();
    const panel = page.locator(`[data-service-panel="${service}"]`);
    await panel.locator('table.tasks tr[data-state="running"]').first().waitFor({ timeout: UI_WAIT_MS });
    await markPage(page);
    const reads = countListReads(page);
    try {
      await swarm.cli(['service', 'scale', '--detach', `${service}=3`]);
      await page.locator(`tr[data-service="${service}"][data-replicas="3/3"]`).waitFor({ timeout: UI_WAIT_MS });
      assert.equal(await replicasOf(swarm, service), 3);
      await waitFor('the open service shows its three running tasks', UI_WAIT_MS, async () => (await panel.locator('table.tasks tr[data-state="running"]').count()) === 3);
      assert.equal(await page.getByLabel(`Replicas of ${service}`).inputValue(), '3', 'the scale field offers the new count');

      await swarm.cli(['node', 'update', '--availability', 'drain', worker]);
      await page.locator(`tr[data-node="${worker}"][data-availability="drain"]`).waitFor({ timeout: UI_WAIT_MS });
      await swarm.cli(['node', 'update', '--availability', 'active', worker]);
      await page.locator(`tr[data-node="${worker}"][data-availability="active"]`).waitFor({ timeout: UI_WAIT_MS });

      const file = writeFile(join(dir, 'stack.yml'), stackFile({ app: {} }));
      await swarm.cli(['stack', 'deploy', '--resolve-image', 'never', '--compose-file', file, stack]);
      await page.locator(`tr[data-stack="${stack}"][data-replicas="1/1"]`).waitFor({ timeout: STACK_WAIT_MS });
      assert.equal(await page.locator(`tr[data-stack="${stack}"] td`, { hasText: 'not registered' }).count(), 1);
      await swarm.cli(['stack', 'rm', stack]);
      await page.locator(`tr[data-stack="${stack}"]`).waitFor({ state: 'detached', timeout: UI_WAIT_MS });
      await page.locator(`tr[data-service="${stack}_app"]`).waitFor({ state: 'detached', timeout: UI_WAIT_MS });

      await assertNotReloaded(page);
      assert.equal(reads(), 0, 'nodes and services came from the event stream, not from reading the lists again');
      assert.deepEqual(errors, []);
    } finally {
      await swarm.cli(['service', 'scale', '--detach', `${service}=1`]).catch(() => undefined);
      await swarm.cli(['stack', 'rm', stack]).catch(() => undefined);
      removeDir(dir);
      await page.close();
    }
  });

  it("lets an admin remove a stack the CLI deployed from its row, output streaming; a developer is offered no removal of it", async () => {
    const stack = `sr${suffix}`;
    const dir = tempDir('lucid-dash-swarm-foreign');
    const developer = await openSwarm('developer');
    const admin = await openSwarm('admin');
    try {
      const file = writeFile(join(dir, 'stack.yml'), stackFile({ app: {} }));
      await swarm.cli(['stack', 'deploy', '--resolve-image', 'never', '--compose-file', file, stack]);
      await developer.page.locator(`tr[data-stack="${stack}"]`).waitFor({ timeout: STACK_WAIT_MS });
      assert.equal(await developer.page.getByRole('button', { name: `Remove ${stack}` }).count(), 0, 'a stack in no group is for admins');
      await admin.page.getByRole('button', { name: `Remove ${stack}` }).click({ timeout: STACK_WAIT_MS });
      await admin.page.locator('h3', { hasText: `stack remove ${stack}` }).locator('[data-run-outcome="done"]').waitFor({ timeout: STACK_WAIT_MS });
      assert.deepEqual(await stackServices(swarm, stack), []);
      await admin.page.locator(`tr[data-stack="${stack}"]`).waitFor({ state: 'detached', timeout: UI_WAIT_MS });
      assert.deepEqual([...developer.errors, ...admin.errors], []);
    } finally {
      await swarm.cli(['stack', 'rm', stack]).catch(() => undefined);
      removeDir(dir);
      await developer.page.close();
      await admin.page.close();
    }
  });

  it('says a host whose engine is a worker is one, and that cluster operations need a manager host', async (t) => {
    const worker = swarm.workers[0] as (typeof swarm.workers)[number];
    assert.equal((await worker.engine.docker.info()).Swarm.ControlAvailable, false, 'the engine is a worker');
    const alone = await startTestServer({ DOCKER_HOST: worker.engine.dockerHost }, t);
    // The page reads the hosts list once: wait until the role is read, as it is within moments of the host coming up.
    await waitFor('the worker role read', UI_WAIT_MS, async () => (await alone.call('GET', '/api/v1/hosts', { role: 'user' })).body.hosts?.[0]?.swarm?.role === 'worker');
    const { page, errors } = await browser.page();
    await page.goto(`${alone.url}/#token=${await alone.tokenFor('user')}`);
    await waitForLive(page);
    await page.getByRole('button', { name: 'Hosts' }).click();
    const role = page.locator('tr[data-host="local"] td[data-swarm-role="worker"]');
    await role.waitFor({ timeout: UI_WAIT_MS });
    assert.equal((await role.innerText()).trim(), 'worker · cluster operations need a manager host');
    await page.getByRole('button', { name: 'Swarm' }).click();
    const note = page.locator('[data-swarm-workers="local"]');
    await note.waitFor({ timeout: UI_WAIT_MS });
    assert.equal((await note.innerText()).trim(), 'local is a swarm worker: cluster operations need a manager host.');
    assert.equal(await page.locator('table.nodes').count(), 0, 'no cluster is shown');
    assert.deepEqual(errors, []);
    await page.close();
  });

  // Last: the worker stops answering for a while.
  it('shows a node going down and coming back without a reload', async () => {
    const { page, errors } = await openSwarm('user');
    const worker = swarm.workers[0] as (typeof swarm.workers)[number];
    await page.locator(`tr[data-node="${worker.name}"][data-state="ready"]`).waitFor({ timeout: UI_WAIT_MS });
    await markPage(page);
    worker.engine.pause();
    try {
      await page.locator(`tr[data-node="${worker.name}"][data-state="down"]`).waitFor({ timeout: NODE_DOWN_WAIT_MS });
    } finally {
      worker.engine.resume();
    }
    await page.locator(`tr[data-node="${worker.name}"][data-state="ready"]`).waitFor({ timeout: NODE_DOWN_WAIT_MS });
    await assertNotReloaded(page);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
