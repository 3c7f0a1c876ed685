import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, type Browser } from '../support/browser.js';
import { UI_WAIT_MS, waitForLive } from '../support/browser-dashboard.js';
import { requireEngine, TEST_IMAGE } from '../support/engine.js';
import { DOCKER_CLI, TestSwarm } from '../support/swarm.js';
import { replicasOf } from '../support/swarm-projects.js';
import { useTestServer } from '../support/server.js';

/** A swarm of its own (a manager and a worker, private engines): the shared engine's swarm state is never touched. */
describe('the swarm in the dashboard, in headless Chromium', () => {
  const service = `sd${Math.random().toString(36).slice(2, 8)}`;
  let swarm: TestSwarm;
  let browser: Browser;
  before(async () => {
    await requireEngine();
    swarm = await TestSwarm.start(1);
    await swarm.cli(['service', 'create', '--detach', '--no-resolve-image', '--name', service, '--replicas', '1', '--stop-signal', 'SIGKILL', TEST_IMAGE, 'sleep', '3600']);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await swarm?.close();
  });
  const server = useTestServer(() => ({ DOCKER_HOST: swarm.manager.engine.dockerHost, DOCKER_CLI }));

  it('shows the nodes and services with their replicas, and scales a service', async () => {
    const { page, errors } = await browser.page();
    await page.goto(`${server.url}/#token=${await server.tokenFor('admin')}`);
    await waitForLive(page);
    await page.getByRole('button', { name: 'Swarm' }).click();
    await page.locator(`tr[data-node="${swarm.manager.name}"]`).waitFor({ timeout: UI_WAIT_MS });
    assert.equal(await page.locator('table.nodes tbody tr').count(), 2);
    const row = page.locator(`tr[data-service="${service}"]`);
    await row.waitFor({ timeout: UI_WAIT_MS });
    await page.getByLabel(`Replicas of ${service}`).fill('2');
    await page.getByRole('button', { name: `Scale ${service}` }).click();
    await page.locator(`tr[data-service="${service}"][data-replicas$="/2"]`).waitFor({ timeout: UI_WAIT_MS });
    assert.equal(await replicasOf(swarm, service), 2);
    await browser.screenshot(page, 'swarm');
    assert.deepEqual(errors, []);
    await page.close();
  });
});
