import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, type Browser } from '../support/browser.js';
import { noticeCode, row, showOnly, UI_WAIT_MS, waitForLive, waitForRowState } from '../support/browser-dashboard.js';
import { docker, stateOf, useEngine } from '../support/engine.js';
import { HostsFile } from '../support/hosts-file.js';
import { usePrivateEngine } from '../support/private-engine.js';
import { newScenario, type Scenario } from '../support/scenario.js';
import { useTestServer } from '../support/server.js';

/** The shared engine (`local`), a private one (`second`) and one that does not exist (`gone`). */
describe('the dashboard across hosts, in headless Chromium', () => {
  let s: Scenario;
  let browser: Browser;
  useEngine();
  const second = usePrivateEngine({ testImage: true });
  before(async () => {
    s = newScenario((n) => [{ name: 'core', phase: 2, members: [{ name: n('here') }, { name: n('guarded'), host: 'second' }] }]);
    await s.container('here', { start: true });
    await s.container('there', { start: true, engine: second.docker });
    await s.container('guarded', { start: true, engine: second.docker });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });
  const server = useTestServer(() => {
    const hosts = new HostsFile([
      { name: 'local', url: 'unix:///var/run/docker.sock', default: true },
      // Developers may read here but not control: the group scope alone would let them.
      { name: 'second', url: second.dockerHost, access: { read: ['user', 'developer', 'admin'], control: ['admin'] } },
      { name: 'gone', url: `unix://${second.dir}/no-such.sock` },
    ]);
    return { ...s.env, HOSTS_CONFIG: hosts.path };
  });

  it('lists the containers of every host with their host, filters by host, and acts on the right one', async () => {
    const { page, errors } = await browser.page();
    await page.goto(`${server.url}/#token=${await server.tokenFor('admin')}`);
    await waitForLive(page);
    await showOnly(page, `lt-${s.id}`);
    await waitForRowState(page, s.name('there'), 'running');
    await waitForRowState(page, s.name('here'), 'running');
    assert.equal(await page.locator(`tr[data-name="${s.name('there')}"] td`).first().innerText(), 'second');

    await page.getByLabel('Host').selectOption('second');
    await page.locator(`tr[data-name="${s.name('here')}"]`).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: `Stop ${s.name('there')}` }).click();
    await waitForRowState(page, s.name('there'), 'exited');
    assert.equal(await stateOf(second.docker.getContainer(s.name('there'))), 'exited');
    assert.equal(await stateOf(docker.getContainer(s.name('here'))), 'running', 'the other host was not touched');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("offers a developer no Stop on a host whose access denies control, though the group allows it; a forced call is refused", async () => {
    const { page, errors } = await browser.page();
    await page.goto(`${server.url}/#token=${await server.tokenFor('developer', 'dash-dev')}`);
    await waitForLive(page);
    await showOnly(page, `lt-${s.id}`);
    await waitForRowState(page, s.name('guarded'), 'running');
    await waitForRowState(page, s.name('here'), 'running');
    await page.getByRole('button', { name: `Stop ${s.name('here')}` }).waitFor();
    assert.equal(await row(page, s.name('guarded')).locator('button.control').count(), 0, 'no control on the guarded host');
    const forced = await page.evaluate(
      (name) => (window as unknown as { lucidDashboard: { control(a: string, n: string): Promise<boolean> } }).lucidDashboard.control('stop', name),
      s.name('guarded'),
    );
    assert.equal(forced, false);
    assert.equal(await noticeCode(page, `Stop ${s.name('guarded')}`), 'FORBIDDEN');
    assert.equal(await stateOf(second.docker.getContainer(s.name('guarded'))), 'running');
    await page.getByRole('button', { name: 'Hosts' }).click();
    assert.equal(await page.locator('tr[data-host="second"] td[data-access]').innerText(), 'read');
    assert.equal(await page.locator('tr[data-host="local"] td[data-access]').innerText(), 'read and control');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('shows each host with its state, and one that is down with why, in a banner and in the Hosts view', async () => {
    const { page, errors } = await browser.page();
    await page.goto(`${server.url}/#token=${await server.tokenFor('user')}`);
    await waitForLive(page);
    const banner = page.locator('[data-banner="host"]', { hasText: 'Host gone is down' });
    await banner.waitFor({ timeout: UI_WAIT_MS });
    await page.getByRole('button', { name: 'Hosts' }).click();
    await page.locator('tr[data-host="local"][data-state="up"]').waitFor({ timeout: UI_WAIT_MS });
    await page.locator('tr[data-host="second"][data-state="up"]').waitFor({ timeout: UI_WAIT_MS });
    const gone = page.locator('tr[data-host="gone"][data-state="down"]');
    await gone.waitFor({ timeout: UI_WAIT_MS });
    assert.notEqual((await gone.locator('td').nth(1).innerText()).trim(), '—', 'the down host says why');
    // Both engines are in no swarm; the one that is down has no role known.
    for (const name of ['local', 'second']) assert.equal((await page.locator(`tr[data-host="${name}"] td[data-swarm-role="none"]`).innerText()).trim(), 'no swarm', name);
    assert.equal((await gone.locator('td').nth(4).innerText()).trim(), '—');
    assert.equal(await page.getByRole('button', { name: 'Swarm' }).count(), 0, 'no Swarm tab without a manager or a worker');
    await browser.screenshot(page, 'hosts');
    assert.deepEqual(errors, []);
    await page.close();
  });
});
