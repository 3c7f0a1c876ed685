import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { dockerCli } from './docker-cli.js';
import { RUN_ID, TEST_IMAGE, TEST_LABEL } from './engine.js';

/** Long enough for a loaded machine; a test never asserts how fast, only that it happens. */
export const UI_WAIT_MS = 20_000;

/** What the dashboard tests read off the page: rows by container name, their state, notices. */
export function row(page: Page, name: string): Locator {
  return page.locator(`tr[data-name="${name}"]`);
}

export async function waitForRowState(page: Page, name: string, state: string): Promise<void> {
  await page.locator(`tr[data-name="${name}"][data-state="${state}"]`).waitFor({ timeout: UI_WAIT_MS });
}

export async function waitForLive(page: Page): Promise<void> {
  await page.locator('[data-connection="live"]').waitFor({ timeout: UI_WAIT_MS });
}

/** Narrows the list to this run's containers: other suites share the engine. */
export async function showOnly(page: Page, text: string): Promise<void> {
  await page.getByRole('searchbox', { name: 'Search' }).fill(text);
}

/** A notice the page shows for a failed call, with its code. */
export async function noticeCode(page: Page, title: string): Promise<string> {
  const notice = page.locator('.notice', { hasText: title });
  await notice.waitFor({ timeout: UI_WAIT_MS });
  return (await notice.getAttribute('data-code')) ?? '';
}

/** A marker the page keeps until it reloads or navigates: proves a change arrived without one. */
export async function markPage(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { __marker: boolean }).__marker = true));
}

export async function assertNotReloaded(page: Page): Promise<void> {
  assert.equal(await page.evaluate(() => (window as unknown as { __marker?: boolean }).__marker), true, 'the page was not reloaded');
}

/** A container made with the docker CLI, behind the manager's back, labelled for this run. */
export async function cliContainer(name: string): Promise<string> {
  return dockerCli(['run', '-d', '--name', name, '--label', `${TEST_LABEL}=${RUN_ID}`, '--network', 'none', TEST_IMAGE, 'sleep', '3600']);
}
