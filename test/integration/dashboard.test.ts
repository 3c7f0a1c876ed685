import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { mintToken } from '../../src/main/auth/tokens.js';
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
import { dockerCli } from '../support/docker-cli.js';
import { docker, stateOf, useEngine } from '../support/engine.js';
import { newScenario, type Scenario } from '../support/scenario.js';
import { TEST_SECRET, useTestServer } from '../support/server.js';
import { killAll, spawnServer } from '../support/spawned-server.js';
import { tempDir } from '../support/temp.js';

/** core: db → api, both in this run; plus a container in no group. */
async function prepare(): Promise<Scenario> {
  const s = newScenario((n) => [{ name: 'core', phase: 2, members: [{ name: n('db') }, { name: n('api'), depends_on: [n('db')] }] }]);
  await s.container('db', { cmd: ['sh', '-c', 'echo db-first-line; exec sleep 3600'], start: true });
  await s.container('api');
  return s;
}

describe('the dashboard in headless Chromium, against a real server and engine', () => {
  let s: Scenario;
  let browser: Browser;
  useEngine();
  before(async () => {
    s = await prepare();
    browser = await launchBrowser();
  });
  // Declared before the server, so that the browser's connections are gone when it closes.
  after(async () => {
    await browser?.close();
  });
  const server = useTestServer(() => s.env);
  const prefix = () => `lt-${s.id}`;

  it('serves the page at / from this server only, under default-src self', async () => {
    const res = await fetch(`${server.url}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(res.headers.get('content-security-policy') ?? '', /^default-src 'self'/);
    const html = await res.text();
    assert.doesNotMatch(html, /<script>|style=|https?:\/\//, 'no inline script or style, nothing from elsewhere');
    const js = await fetch(`${server.url}/app.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
  });

  it('signs in from the link, takes the token out of the address bar, and lists the test containers live', async () => {
    const { page, errors } = await browser.page();
    const foreign: string[] = [];
    page.on('request', (req) => {
      if (new URL(req.url()).origin !== new URL(server.url).origin) foreign.push(req.url());
    });
    await page.goto(`${server.url}/#token=${await server.tokenFor('admin', 'dash-admin')}`);
    await waitForLive(page);
    assert.equal(new URL(page.url()).hash, '', 'the token left the address bar');
    await showOnly(page, prefix());
    await waitForRowState(page, s.name('db'), 'running');
    await waitForRowState(page, s.name('api'), 'created');
    await page.getByRole('button', { name: `Stop ${s.name('db')}` }).waitFor();
    await browser.screenshot(page, 'containers-admin');
    assert.deepEqual(foreign, [], 'no request leaves the server');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('stops a container from its row: the engine says exited and the row follows without a reload', async () => {
    const c = await s.container('stoppable', { start: true });
    const { page, errors } = await browser.page();
    await page.goto(`${server.url}/#token=${await server.tokenFor('admin')}`);
    await waitForLive(page);
    await showOnly(page, prefix());
    await waitForRowState(page, s.name('stoppable'), 'running');
    await markPage(page);
    await page.getByRole('button', { name: `Stop ${s.name('stoppable')}` }).click();
    await waitForRowState(page, s.name('stoppable'), 'exited');
    assert.equal(await stateOf(c), 'exited');
    await page.getByRole('button', { name: `Start ${s.name('stoppable')}` }).waitFor();
    await assertNotReloaded(page);

    const name = `${prefix()}-cli`;
    await cliContainer(name);
    await waitForRowState(page, name, 'running');
    await dockerCli(['rm', '-f', name]);
    await row(page, name).waitFor({ state: 'detached', timeout: UI_WAIT_MS });
    await assertNotReloaded(page);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("draws each running row's CPU and memory from the batch stats stream, never polling", async () => {
    const { page, errors } = await browser.page();
    const stats: { url: string; accept: string | undefined }[] = [];
    page.on('request', (req) => {
      if (new URL(req.url()).pathname === '/api/v1/stats') stats.push({ url: req.url(), accept: req.headers()['accept'] });
    });
    await page.goto(`${server.url}/#token=${await server.tokenFor('developer')}`);
    await waitForLive(page);
    await showOnly(page, prefix());
    await waitForRowState(page, s.name('db'), 'running');
    // Three samples: three batches of the stream, two seconds apart, reached the row.
    for (const figure of ['cpu', 'memory']) {
      await page.waitForFunction(
        ([name, f]) => Number(document.querySelector(`tr[data-name="${name}"] [data-chart="${f}"]`)?.getAttribute('data-points') ?? 0) >= 3,
        [s.name('db'), figure] as const,
        { timeout: UI_WAIT_MS },
      );
    }
    const cpu = row(page, s.name('db')).getByRole('img', { name: `CPU of ${s.name('db')}` });
    assert.match((await cpu.getAttribute('aria-label')) ?? '', /: \d+\.\d %$/, 'the figure is also said in words');
    assert.equal(await row(page, s.name('db')).locator('[data-chart="cpu"] canvas').count(), 1, 'a chart is drawn');
    assert.equal(await row(page, s.name('api')).locator('[data-chart]').count(), 0, 'a container that is not running has no chart');

    assert.equal(stats.length, 1, `one stream, no polling: ${JSON.stringify(stats)}`);
    const [stream] = stats;
    assert.equal(new URL(stream?.url ?? '').searchParams.get('stream'), 'true');
    assert.equal(new URL(stream?.url ?? '').searchParams.get('host'), '*');
    assert.equal(stream?.accept, 'text/event-stream');
    await browser.screenshot(page, 'containers-charts');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('follows a log and shows a line written after it opened, stderr told apart', async () => {
    const { page, errors } = await browser.page();
    await page.goto(`${server.url}/#token=${await server.tokenFor('developer')}`);
    await waitForLive(page);
    await showOnly(page, prefix());
    await page.getByRole('button', { name: `Details of ${s.name('db')}` }).click();
    await page.getByRole('heading', { name: 'Inspect' }).waitFor();
    await page.getByRole('checkbox', { name: 'Follow' }).check();
    await page.locator('[data-log-status]', { hasText: 'Following' }).waitFor({ timeout: UI_WAIT_MS });
    await page.locator('.log .line', { hasText: 'db-first-line' }).waitFor({ timeout: UI_WAIT_MS });
    await dockerCli(['exec', s.name('db'), 'sh', '-c', 'echo written-after-open >/proc/1/fd/1; echo to-stderr >/proc/1/fd/2']);
    await page.locator('.log .line.stdout', { hasText: 'written-after-open' }).waitFor({ timeout: UI_WAIT_MS });
    const err = page.locator('.log .line.stderr', { hasText: 'to-stderr' });
    await err.waitFor({ timeout: UI_WAIT_MS });
    assert.match(await err.innerText(), /^err/, 'stderr is marked in words, not by colour alone');
    await page.getByRole('searchbox', { name: 'Search loaded lines' }).fill('after-open');
    assert.equal(await page.locator('.log .line').count(), 1);
    await page.locator('.uplot').first().waitFor({ timeout: UI_WAIT_MS });
    await browser.screenshot(page, 'container-detail');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('offers a user no control, and shows the refusal of a forced call; nothing changes', async () => {
    const { page } = await browser.page();
    await page.goto(`${server.url}/#token=${await server.tokenFor('user', 'dash-user')}`);
    await waitForLive(page);
    await showOnly(page, prefix());
    await waitForRowState(page, s.name('db'), 'running');
    assert.equal(await page.locator('button.control').count(), 0, 'no Start, Stop or Restart offered');
    const forced = await page.evaluate(
      (name) => (window as unknown as { lucidDashboard: { control(a: string, n: string): Promise<boolean> } }).lucidDashboard.control('stop', name),
      s.name('db'),
    );
    assert.equal(forced, false);
    assert.equal(await noticeCode(page, `Stop ${s.name('db')}`), 'FORBIDDEN');
    assert.equal(await stateOf(docker.getContainer(s.name('db'))), 'running');
    await browser.screenshot(page, 'refused');
    await page.close();
  });

  it('shows an admin the audit trail with the stop and the refusal above, and a user no audit at all', async () => {
    const { page, errors } = await browser.page();
    await page.goto(`${server.url}/#token=${await server.tokenFor('admin')}`);
    await waitForLive(page);
    await page.getByRole('button', { name: 'Audit' }).click();
    const audit = page.locator('table.audit');
    await audit.locator('tr', { hasText: 'containers.stop' }).filter({ hasText: 'dash-user' }).filter({ hasText: 'FORBIDDEN' }).first().waitFor({ timeout: UI_WAIT_MS });
    await audit.locator('tr', { hasText: 'containers.stop' }).filter({ hasText: s.name('stoppable') }).filter({ hasText: 'ok' }).first().waitFor();
    assert.deepEqual(errors, []);
    await page.close();

    const user = await browser.page();
    await user.page.goto(`${server.url}/#token=${await server.tokenFor('user')}`);
    await waitForLive(user.page);
    assert.equal(await user.page.getByRole('button', { name: 'Audit' }).count(), 0);
    await user.page.close();
  });

  it('starts a group after a dry-run preview and shows each member reach its state', async () => {
    const { page, errors } = await browser.page();
    await page.goto(`${server.url}/#token=${await server.tokenFor('developer')}`);
    await waitForLive(page);
    await page.getByRole('button', { name: 'Groups' }).click();
    await page.getByRole('button', { name: 'Start group core…' }).click();
    await page.getByRole('heading', { name: 'Dry run: what start would do' }).waitFor({ timeout: UI_WAIT_MS });
    assert.equal(await stateOf(docker.getContainer(s.name('api'))), 'created', 'the preview changed nothing');
    await page.getByRole('button', { name: 'Confirm start of core' }).click();
    const card = page.locator('[data-group="core"]');
    await card.locator(`tr[data-member="${s.name('api')}"] td[data-progress="started"]`).waitFor({ timeout: UI_WAIT_MS });
    await card.locator(`tr[data-member="${s.name('db')}"] td[data-progress="already-running"]`).waitFor({ timeout: UI_WAIT_MS });
    await card.getByText('core: start done').waitFor({ timeout: UI_WAIT_MS });
    assert.equal(await stateOf(docker.getContainer(s.name('api'))), 'running');
    await browser.screenshot(page, 'group-start');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('returns to sign-in, saying why, when the token expires', async () => {
    const { page } = await browser.page();
    const config = server.manager.config;
    const short = await mintToken({ secret: TEST_SECRET, sub: 'short', role: 'user', ttlSeconds: 3, audience: config.JWT_AUDIENCE, issuer: config.JWT_ISSUER });
    await page.goto(`${server.url}/`);
    await page.getByLabel('Access token').fill(short);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitForLive(page);
    const reason = page.locator('[data-signin-reason]');
    await reason.waitFor({ timeout: UI_WAIT_MS });
    assert.match(await reason.innerText(), /expired/);
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'the token is forgotten');
    await page.close();
  });

  it('opens signed in from the link a development run of the server prints', async (t) => {
    // No key: a development run makes one and prints the link.
    const dev = await spawnServer({ JWT_SECRET_KEY: undefined, XDG_RUNTIME_DIR: tempDir() });
    t.after(() => killAll([dev.child]));
    const printed = /Dashboard, signed in as this admin: (http:\/\/127\.0\.0\.1:\d+\/#token=\S+)/;
    await dev.logged(printed);
    const link = printed.exec(dev.output())?.[1] as string;
    const { page } = await browser.page();
    const requested: string[] = [];
    page.on('request', (req) => requested.push(req.url()));
    await page.goto(link);
    await waitForLive(page);
    await page.getByText('dev-admin').waitFor();
    assert.equal(new URL(page.url()).hash, '');
    assert.equal(requested.some((url) => url.includes('token')), false, 'the token is in no request line');
    await page.close();
  });

  it('shows a lost connection and recovers by itself when the server is back, without a reload', async (t) => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const env = { PORT: String(port), ...s.env };
    const first = await spawnServer(env);
    t.after(() => killAll([first.child]));
    const { page } = await browser.page();
    await page.goto(`${first.url}/#token=${await server.tokenFor('admin')}`);
    await waitForLive(page);
    await markPage(page);
    first.child.kill('SIGKILL');
    await first.exited;
    const banner = page.locator('[data-banner="connection"]');
    await banner.waitFor({ timeout: UI_WAIT_MS });
    assert.match(await banner.innerText(), /Connection to the manager lost/);
    await page.locator('[data-connection="reconnecting"]').waitFor();
    await browser.screenshot(page, 'connection-lost');

    const second = await spawnServer(env);
    t.after(() => killAll([second.child]));
    await waitForLive(page);
    await banner.waitFor({ state: 'detached' });
    await showOnly(page, prefix());
    await waitForRowState(page, s.name('db'), 'running');
    await assertNotReloaded(page);
    await page.close();
  });

  it('refuses a bad token at sign-in with the manager code', async () => {
    const { page } = await browser.page();
    await page.goto(`${server.url}/#token=not.a.token`);
    const reason = page.locator('[data-signin-reason]');
    await reason.waitFor({ timeout: UI_WAIT_MS });
    assert.match(await reason.innerText(), /UNAUTHENTICATED/);
    await page.close();
  });
});
