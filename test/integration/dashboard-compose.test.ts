import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, type Browser } from '../support/browser.js';
import { UI_WAIT_MS, waitForLive } from '../support/browser-dashboard.js';
import { composeDown, composeFile, projectName, removeDir, runningInProject, tempDir, writeFile } from '../support/compose.js';
import { removeRunContainers, requireEngine } from '../support/engine.js';
import { useTestServer } from '../support/server.js';

describe('compose projects in the dashboard, in headless Chromium', () => {
  const project = projectName('dash');
  let root: string;
  let file: string;
  let browser: Browser;
  before(async () => {
    await requireEngine();
    root = tempDir('lucid-compose-dash');
    file = writeFile(join(root, project, 'compose.yml'), composeFile({ alpha: {}, beta: {} }));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    if (file) await composeDown(project, [file]);
    await removeRunContainers();
    if (root) removeDir(root);
  });
  const server = useTestServer(() => ({ COMPOSE_PROJECTS_DIR: root, COMPOSE_TIMEOUT: '120' }));

  it('brings a project up and down with the output streaming, and shows its state follow', async () => {
    const { page, errors } = await browser.page();
    await page.goto(`${server.url}/#token=${await server.tokenFor('admin')}`);
    await waitForLive(page);
    await page.getByRole('button', { name: 'Compose' }).click();
    const row = page.locator(`tr[data-project="${project}"]`);
    await row.waitFor({ timeout: UI_WAIT_MS });

    await page.getByRole('button', { name: `Up ${project}` }).click();
    const outcome = page.locator('[data-run-outcome="done"]');
    await outcome.waitFor({ timeout: 120_000 });
    assert.match(await outcome.innerText(), /^done in/);
    assert.ok((await page.locator('.log .line').count()) > 0, 'compose output was shown');
    assert.equal(await runningInProject(project), 2);
    await page.locator(`tr[data-project="${project}"][data-state="running"]`).waitFor({ timeout: UI_WAIT_MS });
    await browser.screenshot(page, 'compose-up');

    await page.getByRole('button', { name: `Down ${project}` }).click();
    await page.locator('h3', { hasText: `compose down ${project}` }).locator('[data-run-outcome="done"]').waitFor({ timeout: 120_000 });
    assert.equal(await runningInProject(project), 0);
    await page.locator(`tr[data-project="${project}"]:not([data-state="running"])`).waitFor({ timeout: UI_WAIT_MS });
    assert.deepEqual(errors, []);
    await page.close();
  });
});
