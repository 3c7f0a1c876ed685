import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';
import { operations, type OperationDef } from '../../src/shared/contract/index.js';
import { useTestServer } from '../support/server.js';

/** Debian's chromium package; nothing may download a browser on these machines. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

describe('the /docs page in headless Chromium', () => {
  let profile: string;
  let browser: BrowserContext;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run "bash scripts/test-engine.sh" as root first`);
    profile = await mkdtemp(join(tmpdir(), 'lucid-docs-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
  });

  // Declared before the server, so that the browser and its connections are gone when it closes.
  after(async () => {
    await browser?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });
  const server = useTestServer();

  it('renders every operation from files of this server only', async () => {
    const page = await browser.newPage();
    const foreign: string[] = [];
    const origin = new URL(server.url).origin;
    page.on('request', (req) => {
      const url = new URL(req.url());
      if (url.protocol !== 'data:' && url.origin !== origin) foreign.push(req.url());
    });
    const failures: string[] = [];
    page.on('pageerror', (err) => failures.push(err.message));

    const res = await page.goto(`${server.url}/docs`);
    assert.equal(res?.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/docs/', 'redirected to the directory form');
    const blocks = page.locator('.opblock');
    await blocks.first().waitFor({ state: 'visible', timeout: 30_000 });

    // A variant (GET …/logs?follow=true) is documented on its base operation's block.
    const routes = Object.values<OperationDef>(operations).filter((op) => !op.variantOf);
    await page.waitForFunction((n) => document.querySelectorAll('.opblock').length >= n, routes.length, {
      timeout: 30_000,
    });
    assert.equal(await blocks.count(), routes.length);
    const text = await page.locator('#swagger-ui').innerText();
    for (const op of routes) {
      assert.ok(text.includes(op.path), `${op.path} is listed`);
      assert.ok(text.includes(op.summary), `"${op.summary}" is shown`);
    }
    assert.match(text, /Lucid GUI Docker Manager/);
    assert.deepEqual(foreign, [], 'no request leaves the server (no CDN, no online validator)');
    assert.deepEqual(failures, [], 'the page runs without script errors');
    await page.close();
  });

  it('serves the page with a strict content security policy and no stray package files', async () => {
    const page = await server.call('GET', '/docs/', { role: null });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    for (const stray of ['/docs/oauth2-redirect.html', '/docs/swagger-initializer.js', '/docs/swagger-ui-bundle.js.map']) {
      const res = await server.call('GET', stray, { role: null });
      assert.equal(res.status, 404, stray);
      assert.equal(res.body.error.code, 'ROUTE_NOT_FOUND');
    }
  });
});
