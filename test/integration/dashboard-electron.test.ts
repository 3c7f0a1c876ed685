import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, type Browser } from '../support/browser.js';
import {
  assertNotReloaded,
  cliContainer,
  markPage,
  noticeCode,
  row,
  showOnly,
  UI_WAIT_MS,
  waitForLive,
  waitForRowState,
} from '../support/browser-dashboard.js';
import { PAGE_FILE, PAGE_URL, startElectronBridge, type ElectronBridge } from '../support/browser-electron.js';
import { dockerCli } from '../support/docker-cli.js';
import { docker, stateOf, useEngine } from '../support/engine.js';
import { newScenario, type Scenario } from '../support/scenario.js';

/**
 * The page as the Electron app runs it: the built file, the real preload bundle and the real
 * main-side IPC handlers, with Chromium in place of Electron's renderer and a WebSocket in place
 * of Electron's IPC pipe (docs/dashboard.md says what this proves).
 */
describe('the dashboard over the real preload and IPC handlers, in headless Chromium', () => {
  let s: Scenario;
  let browser: Browser;
  let bridge: ElectronBridge;
  useEngine();
  before(async () => {
    assert.ok(existsSync(PAGE_FILE), 'dist/renderer is missing: run "npm run build" first');
    s = newScenario((n) => [{ name: 'core', phase: 2, members: [{ name: n('db') }] }]);
    await s.container('db', { cmd: ['sh', '-c', 'echo db-first-line; exec sleep 3600'], start: true });
    bridge = await startElectronBridge(s.env);
    browser = await launchBrowser({ bypassCSP: true });
  });
  after(async () => {
    await browser?.close();
    await bridge?.close();
  });
  const prefix = () => `lt-${s.id}`;

  it('runs in a window the host bound to an admin: lists live, stops from a row, sees the docker CLI', async () => {
    const { page, errors } = await browser.page();
    await bridge.prepare(page, 'admin');
    await page.goto(PAGE_URL);
    await waitForLive(page);
    assert.equal(await page.evaluate(() => typeof (window as unknown as { lucidDocker?: unknown }).lucidDocker), 'object');
    await page.getByText('signed in by the app').waitFor();
    await showOnly(page, prefix());
    await waitForRowState(page, s.name('db'), 'running');
    await markPage(page);

    const stoppable = await s.container('stoppable', { start: true });
    await waitForRowState(page, s.name('stoppable'), 'running');
    await page.getByRole('button', { name: `Stop ${s.name('stoppable')}` }).click();
    await waitForRowState(page, s.name('stoppable'), 'exited');
    assert.equal(await stateOf(stoppable), 'exited');

    const name = `${prefix()}-cli`;
    await cliContainer(name);
    await waitForRowState(page, name, 'running');
    await dockerCli(['rm', '-f', name]);
    await row(page, name).waitFor({ state: 'detached', timeout: UI_WAIT_MS });
    await assertNotReloaded(page);
    await browser.screenshot(page, 'electron-admin');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('offers a bound window the controls its identity has, as the server tells the page through the preload', async () => {
    const loose = await s.container('loose');
    const developer = await browser.page();
    await bridge.prepare(developer.page, 'developer');
    await developer.page.goto(PAGE_URL);
    await waitForLive(developer.page);
    await developer.page.getByText('electron-developer').waitFor();
    await showOnly(developer.page, prefix());
    await waitForRowState(developer.page, s.name('loose'), 'created');
    // db is in group core, within a developer's scope; loose is in no group: admins only.
    await developer.page.getByRole('button', { name: `Stop ${s.name('db')}` }).waitFor();
    assert.equal(await row(developer.page, s.name('loose')).locator('button.control').count(), 0);
    assert.equal(await developer.page.getByRole('button', { name: 'Audit' }).count(), 0, 'no audit for a developer');
    // The small charts' stream runs through the preload too.
    await developer.page.waitForFunction(
      (name) => Number(document.querySelector(`tr[data-name="${name}"] [data-chart="cpu"]`)?.getAttribute('data-points') ?? 0) >= 2,
      s.name('db'),
      { timeout: UI_WAIT_MS },
    );
    const forced = await developer.page.evaluate(
      (name) => (window as unknown as { lucidDashboard: { control(a: string, n: string): Promise<boolean> } }).lucidDashboard.control('start', name),
      s.name('loose'),
    );
    assert.equal(forced, false);
    assert.equal(await noticeCode(developer.page, `Start ${s.name('loose')}`), 'FORBIDDEN');
    assert.equal(await stateOf(loose), 'created');
    assert.deepEqual(developer.errors, []);
    await developer.page.close();

    const user = await browser.page();
    await bridge.prepare(user.page, 'user');
    await user.page.goto(PAGE_URL);
    await waitForLive(user.page);
    await user.page.getByText('electron-user').waitFor();
    await showOnly(user.page, prefix());
    await waitForRowState(user.page, s.name('db'), 'running');
    assert.equal(await user.page.locator('button.control').count(), 0, 'a user is offered no control');
    assert.deepEqual(user.errors, []);
    await user.page.close();
  });

  it('follows a log through the preload and shows a line written after it opened', async () => {
    const { page, errors } = await browser.page();
    await bridge.prepare(page, 'developer');
    await page.goto(PAGE_URL);
    await waitForLive(page);
    await showOnly(page, prefix());
    await page.getByRole('button', { name: `Details of ${s.name('db')}` }).click();
    await page.getByRole('checkbox', { name: 'Follow' }).check();
    await page.locator('[data-log-status]', { hasText: 'Following' }).waitFor({ timeout: UI_WAIT_MS });
    await page.locator('.log .line', { hasText: 'db-first-line' }).waitFor({ timeout: UI_WAIT_MS });
    await dockerCli(['exec', s.name('db'), 'sh', '-c', 'echo through-ipc >/proc/1/fd/2']);
    await page.locator('.log .line.stderr', { hasText: 'through-ipc' }).waitFor({ timeout: UI_WAIT_MS });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('signs in with a user token through auth.setToken: no control offered, a forced call refused with its code', async () => {
    const { page, errors } = await browser.page();
    await bridge.prepare(page, null);
    await page.goto(PAGE_URL);
    await page.getByLabel('Access token').fill(await bridge.harness.tokenFor('user', 'electron-user'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitForLive(page);
    await page.getByText('electron-user').waitFor();
    await showOnly(page, prefix());
    await waitForRowState(page, s.name('db'), 'running');
    assert.equal(await page.locator('button.control').count(), 0);
    const forced = await page.evaluate(
      (name) => (window as unknown as { lucidDashboard: { control(a: string, n: string): Promise<boolean> } }).lucidDashboard.control('stop', name),
      s.name('db'),
    );
    assert.equal(forced, false);
    assert.equal(await noticeCode(page, `Stop ${s.name('db')}`), 'FORBIDDEN');
    assert.equal(await stateOf(docker.getContainer(s.name('db'))), 'running');
    assert.deepEqual(errors, []);
    await page.close();
  });
});
