/**
 * The dashboard in Debian's Chromium against a running manager: how long the page takes to show
 * 1000 containers once their list has arrived, and how long a change made on the engine takes to
 * reach its row. Run by `npm run bench` (bench/run.ts) on its 1000 containers; alone,
 * `node --import tsx bench/dashboard.ts` makes its own on a private engine.
 */
import type Docker from 'dockerode';
import type { Page } from 'playwright-core';
import { mintToken } from '../src/main/auth/tokens.js';
import { loadConfig } from '../src/main/config/env.js';
import { startServer } from '../src/main/server.js';
import { createLogger } from '../src/main/system/logging.js';
import { launchBrowser } from '../test/support/browser.js';
import { PrivateEngine } from '../test/support/private-engine.js';
import { BENCH_IMAGE, BENCH_LABEL, fixtures } from './fixtures.js';
import { median } from './measure.js';

const ROUNDS = 5;
const WAIT_MS = 60_000;

export interface DashboardTarget {
  url: string;
  token: string;
  docker: Docker;
  /** A running container among them, stopped and started again to push changes. */
  runningId: string;
  /** How many containers the page should show. */
  count: number;
}

export interface DashboardFigures {
  /** List answer received → that many rows on screen, per page load. */
  renderMs: number[];
  /** Container killed on the engine (behind the manager's back) → its row says exited. */
  pushMs: number[];
  /** Small charts on screen holding samples at the end: the rows' live charts were part of the page throughout. */
  charts: number;
}

/**
 * Counts rows once a frame from the start of the page: the first frame that shows `count` of them
 * is when the list was drawn. Times are the page's performance clock.
 */
function watchRows(count: number): string {
  return `(() => {
    const tick = () => {
      if (document.querySelectorAll('tbody tr[data-id]').length >= ${count}) {
        window.__rowsShownAt = performance.now();
        return;
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })();`;
}

/** The first load signs in from the link; later ones reload, signed in for the tab. */
async function renderOnce(page: Page, target: DashboardTarget, first: boolean): Promise<number> {
  if (first) await page.goto(`${target.url}/#token=${target.token}`);
  else await page.reload();
  await page.waitForFunction(() => (window as unknown as { __rowsShownAt?: number }).__rowsShownAt !== undefined, undefined, {
    timeout: WAIT_MS,
  });
  return page.evaluate(() => {
    const list = performance
      .getEntriesByType('resource')
      .find((e) => new URL(e.name).pathname === '/api/v1/containers') as PerformanceResourceTiming | undefined;
    if (!list) throw new Error('no list request');
    return (window as unknown as { __rowsShownAt: number }).__rowsShownAt - list.responseEnd;
  });
}

/** Epoch milliseconds, in the page, when the row of `id` shows `state`. */
async function rowReaches(page: Page, id: string, state: string): Promise<number> {
  const handle = await page.waitForFunction(
    ([rowId, wanted]) => {
      const row = document.querySelector(`tr[data-id="${rowId}"]`);
      return row?.getAttribute('data-state') === wanted ? performance.timeOrigin + performance.now() : false;
    },
    [id, state] as const,
    { timeout: WAIT_MS, polling: 'raf' },
  );
  return (await handle.jsonValue()) as number;
}

export async function dashboardBench(target: DashboardTarget): Promise<DashboardFigures> {
  const browser = await launchBrowser();
  try {
    const { page, errors } = await browser.page();
    await page.addInitScript(watchRows(target.count));
    const renderMs: number[] = [];
    // One load to warm the caches (script parse, the manager's list cache), then the rounds.
    await renderOnce(page, target, true);
    for (let i = 0; i < ROUNDS; i++) renderMs.push(await renderOnce(page, target, false));

    const pushMs: number[] = [];
    const container = target.docker.getContainer(target.runningId);
    await rowReaches(page, target.runningId, 'running');
    for (let i = 0; i < ROUNDS; i++) {
      const killed = Date.now();
      await container.kill();
      pushMs.push((await rowReaches(page, target.runningId, 'exited')) - killed);
      await container.start();
      await rowReaches(page, target.runningId, 'running');
    }
    if (errors.length > 0) throw new Error(`the page failed: ${errors.join('; ')}`);
    const charts = await page.evaluate(
      () => Array.from(document.querySelectorAll('[data-chart]')).filter((el) => Number(el.getAttribute('data-points')) > 0 && el.querySelector('canvas')).length,
    );
    return { renderMs, pushMs, charts };
  } finally {
    await browser.close();
  }
}

export function dashboardRows(f: DashboardFigures, count: number) {
  const fmt = (values: number[]) => `median ${median(values).toFixed(0)} ms (${values.map((v) => v.toFixed(0)).join(', ')})`;
  return [
    {
      what: `dashboard: ${count} containers drawn (list received → rows on screen, Chromium)`,
      baseline: '—',
      manager: fmt(f.renderMs),
      ratio: '—',
      goal: '< 300 ms',
      met: median(f.renderMs) < 300,
    },
    {
      what: `dashboard: container killed on the engine → its row says exited (${count} rows shown)`,
      baseline: '—',
      manager: fmt(f.pushMs),
      ratio: '—',
      goal: '< 1 s',
      met: median(f.pushMs) < 1000,
    },
  ];
}

/** Running containers named to sort first, so that the rows on screen draw their live charts. */
const CHARTED = 40;

/**
 * The first rows of the list, running: their small CPU and memory charts are drawn and fed by the
 * stats stream while both figures are taken. Labelled as the fixtures' are, so removeAll takes them.
 */
async function chartedRows(docker: Docker, fx: ReturnType<typeof fixtures>): Promise<void> {
  for (let i = 0; i < CHARTED; i++) {
    const container = await docker.createContainer({
      name: `0-chart-${fx.runId}-${String(i).padStart(2, '0')}`,
      Image: BENCH_IMAGE,
      Cmd: ['sleep', '3600'],
      StopSignal: 'SIGKILL',
      Labels: { [BENCH_LABEL]: fx.runId },
      HostConfig: { NetworkMode: 'none' },
    });
    await container.start();
  }
}

/**
 * Alone: a private engine with 1000 containers (41 running, 40 of them the first rows on screen
 * with their charts), an in-process manager, the browser.
 */
async function standalone(): Promise<void> {
  const count = 1000;
  const engine = await PrivateEngine.start();
  const fx = fixtures(engine.docker);
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    await engine.loadTestImage();
    process.stderr.write(`[dashboard] creating ${count} containers\n`);
    const [runningId] = await fx.create(1, { start: true });
    await chartedRows(engine.docker, fx);
    await fx.create(count - 1 - CHARTED);
    const secret = 'bench-dashboard-secret-long-enough-for-hs256';
    const config = loadConfig({ PORT: '0', JWT_SECRET_KEY: secret, DOCKER_HOST: `unix://${engine.socket}`, LOG_LEVEL: 'error', RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_CONTROL_PER_MINUTE: '0' });
    server = await startServer(config, createLogger('error'));
    const token = await mintToken({ secret, sub: 'bench', role: 'admin', ttlSeconds: 3600, audience: config.JWT_AUDIENCE, issuer: config.JWT_ISSUER });
    process.stderr.write('[dashboard] measuring\n');
    const figures = await dashboardBench({ url: server.url, token, docker: engine.docker, runningId: runningId as string, count });
    for (const r of dashboardRows(figures, count)) process.stdout.write(`| ${r.what} | ${r.manager} | ${r.goal} | ${r.met ? 'yes' : '**no**'} |\n`);
    process.stdout.write(`small charts on screen with samples at the end: ${figures.charts}\n`);
  } finally {
    await server?.close();
    await fx.removeAll();
    await engine.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  standalone().catch((err: unknown) => {
    process.stderr.write(`[dashboard] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
