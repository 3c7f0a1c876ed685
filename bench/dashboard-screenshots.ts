/**
 * Makes the README's dashboard screenshots (docs/img/dashboard-*.png): a private engine with the
 * default services config's containers, an in-process manager, Debian's Chromium at 1280×720.
 * `node --import tsx bench/dashboard-screenshots.ts` after `npm run build`; nothing of it stays.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { mintToken } from '../src/main/auth/tokens.js';
import { loadConfig } from '../src/main/config/env.js';
import { startServer } from '../src/main/server.js';
import { createLogger } from '../src/main/system/logging.js';
import { launchBrowser } from '../test/support/browser.js';
import { PrivateEngine } from '../test/support/private-engine.js';
import { BENCH_IMAGE } from './fixtures.js';

const OUT = new URL('../docs/img/', import.meta.url).pathname;

/** name → running or not, and what it logs: a gateway that writes requests and a warning now and then. */
const CONTAINERS: [string, boolean, string[]][] = [
  ['lucid-mongodb', true, ['sleep', '3600']],
  ['lucid-redis', true, ['sleep', '3600']],
  ['lucid-elasticsearch', true, ['sleep', '3600']],
  ['lucid-auth-service', true, ['sleep', '3600']],
  ['lucid-storage-database', true, ['sleep', '3600']],
  ['lucid-service-mesh-controller', true, ['sleep', '3600']],
  ['lucid-blockchain-engine', true, ['sh', '-c', 'while :; do i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 1; done']],
  [
    'lucid-api-gateway',
    true,
    ['sh', '-c', 'n=0; while :; do n=$((n+1)); echo "GET /api/v1/sessions/$n 200 $((n % 7 + 3)) ms"; if [ $((n % 4)) = 0 ]; then echo "warn: upstream lucid-node-management slow ($n)" >&2; fi; sleep 1; done'],
  ],
  ['lucid-session-pipeline', false, ['sleep', '3600']],
  ['lucid-node-management', false, ['sleep', '3600']],
  ['lucid-admin-interface', true, ['sleep', '3600']],
  ['lucid-tron-client', false, ['sleep', '3600']],
];

async function main(): Promise<void> {
  const engine = await PrivateEngine.start();
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  const browser = await launchBrowser();
  try {
    await engine.loadTestImage();
    for (const [name, run, cmd] of CONTAINERS) {
      const c = await engine.docker.createContainer({ name, Image: BENCH_IMAGE, Cmd: cmd, StopSignal: 'SIGKILL', HostConfig: { NetworkMode: 'none' } });
      if (run) await c.start();
    }
    const secret = 'screenshots-secret-long-enough-for-hs256!';
    const config = loadConfig({ PORT: '0', JWT_SECRET_KEY: secret, DOCKER_HOST: `unix://${engine.socket}`, LOG_LEVEL: 'error' });
    server = await startServer(config, createLogger('error'));
    const token = await mintToken({ secret, sub: 'alice', role: 'developer', ttlSeconds: 600, audience: config.JWT_AUDIENCE, issuer: config.JWT_ISSUER });
    const { page } = await browser.page();
    await page.goto(`${server.url}/#token=${token}`);
    await page.locator('[data-connection="live"]').waitFor();
    await page.locator('tr[data-name="lucid-api-gateway"]').waitFor();
    // Some twenty seconds of samples, so that the rows' small charts show a shape.
    await page.waitForFunction(
      () => Number(document.querySelector('tr[data-name="lucid-blockchain-engine"] [data-chart="cpu"]')?.getAttribute('data-points') ?? 0) >= 10,
      undefined,
      { timeout: 60_000 },
    );
    mkdirSync(OUT, { recursive: true });
    copyFileSync(await browser.screenshot(page, 'readme-containers'), `${OUT}dashboard-containers.png`);

    await page.getByRole('button', { name: 'Switch to the dark theme' }).click();
    await page.getByRole('button', { name: 'Details of lucid-api-gateway' }).click();
    await page.getByRole('checkbox', { name: 'Follow' }).check();
    await page.waitForTimeout(20_000);
    await page.locator('.charts').scrollIntoViewIfNeeded();
    copyFileSync(await browser.screenshot(page, 'readme-detail'), `${OUT}dashboard-detail-dark.png`);

    await page.getByRole('button', { name: 'Switch to the light theme' }).click();
    await page.getByRole('button', { name: 'Groups' }).click();
    await page.getByRole('button', { name: 'Start group application…' }).click();
    await page.getByRole('button', { name: 'Confirm start of application' }).click();
    await page.getByText('application: start done').waitFor({ timeout: 60_000 });
    // The group's list is read again once the containers' events have arrived.
    await page.locator('[data-group="application"] .members tbody .badge', { hasText: 'created' }).waitFor({ state: 'detached' });
    await page.locator('[data-group="application"]').scrollIntoViewIfNeeded();
    copyFileSync(await browser.screenshot(page, 'readme-groups'), `${OUT}dashboard-group-start.png`);
  } finally {
    await browser.close();
    await server?.close();
    await engine.destroy();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
