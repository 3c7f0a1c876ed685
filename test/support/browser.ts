import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium package; nothing may download a browser on these machines. */
export const CHROMIUM = '/usr/bin/chromium';
/** Without the background-networking flags Chromium keeps dialling hosts this machine cannot reach. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Screenshots of the browser tests: kept after the run for people to look at, never committed. */
export const ARTIFACTS = fileURLToPath(new URL('../../.tmp/browser-artifacts/', import.meta.url));

export interface Browser {
  context: BrowserContext;
  /** A new page at 1280×720 whose script errors are collected. */
  page(): Promise<{ page: Page; errors: string[] }>;
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Headless Chromium with a throw-away profile. `bypassCSP` only for the Electron stand-in, whose
 * IPC travels over a WebSocket that a real Electron IPC never needs the page's policy for.
 */
export async function launchBrowser(options: { bypassCSP?: boolean } = {}): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run "bash scripts/test-engine.sh" as root first`);
  const profile = await mkdtemp(join(tmpdir(), 'lucid-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 720 },
    bypassCSP: options.bypassCSP ?? false,
  });
  return {
    context,
    page: async () => {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      return { page, errors };
    },
    screenshot: async (page, name) => {
      mkdirSync(ARTIFACTS, { recursive: true });
      const path = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path });
      return path;
    },
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
