/**
 * `npm run bench`: the manager against the raw Docker API, side by side, same engine, same run.
 * Not part of `npm test`. Creates labelled containers (`lucid.bench.run=<id>`) and removes
 * them at the end, also on failure, Ctrl-C (SIGINT) or SIGTERM. Progress goes to stderr, the table to stdout.
 * Sections: `engine` (this file), `hosts` (bench/hosts.ts) and `swarm` (bench/swarm.ts);
 * `npm run bench -- swarm` runs one, no argument runs all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import net from 'node:net';
import { mintToken } from '../src/main/auth/tokens.js';
import Docker from 'dockerode';
import { PrivateEngine } from '../test/support/private-engine.js';
import { dashboardBench, dashboardRows } from './dashboard.js';
import { BENCH_GROUP, fixtures, type Fixtures } from './fixtures.js';
import { cleanupHosts, hostsBench } from './hosts.js';
import { keepAliveAgent, timedGet } from './http.js';
import { load, type LoadResult } from './load.js';
import { cleanupSwarm, swarmBench } from './swarm.js';
import { coreShare, loadAverage, machine, median, percentile, readPid } from './measure.js';

const DOCKER_CLI = '/usr/bin/docker';
const ROUNDS = 5;
/**
 * List requests per side per round, whatever the container count: with fewer than 100 samples a
 * round's nearest-rank p99 is simply its maximum. At 100 it is the second largest.
 */
const LIST_REQUESTS = 100;

/**
 * The engine both sides are measured against. `private` (default): a daemon of the bench's own,
 * so that this project's other test suites, running in parallel on the shared engine (about ten
 * container events a second), neither load the daemon nor keep the "idle" manager busy. `shared`: the engine
 * at /var/run/docker.sock.
 */
interface Engine {
  socketPath: string;
  docker: Docker;
  daemonPids(): number[];
  close(): Promise<void>;
}

async function openEngine(kind: string): Promise<Engine> {
  if (kind === 'shared') {
    const socketPath = '/var/run/docker.sock';
    return {
      socketPath,
      docker: new Docker({ socketPath }),
      daemonPids: () =>
        [readPid('/var/run/docker.pid'), readPid('/var/run/docker/containerd/containerd.pid')].filter(
          (pid): pid is number => pid !== undefined,
        ),
      close: async () => {},
    };
  }
  const daemon = await PrivateEngine.start();
  await daemon.loadTestImage();
  const containerd = readPid(`${daemon.dir}/exec/containerd/containerd.pid`);
  return {
    socketPath: daemon.socket,
    docker: daemon.docker,
    daemonPids: () => [daemon.pid, containerd].filter((pid): pid is number => pid !== undefined),
    close: () => daemon.destroy(),
  };
}

let engine: Engine;

const log = (text: string) => process.stderr.write(`[bench] ${text}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (value: number) => `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
const pct = (share: number) => `${(share * 100).toFixed(2)} %`;

/**
 * What the bench has to give back, whichever way it ends: the manager (and its temporary
 * directory), this run's labelled containers, and the engine (a private daemon is stopped and its
 * directory removed). Idempotent: the end of `main` and a signal may both ask for it.
 */
let openingEngine: Promise<Engine> | undefined;
let fx: Fixtures | undefined;
let manager: ManagerProcess | undefined;
let cleaning: Promise<void> | undefined;
let signalled = false;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await manager?.stop().catch(() => undefined);
    const opened = await openingEngine?.catch(() => undefined);
    if (fx) log(`removed ${await fx.removeAll().catch(() => 0)} bench containers`);
    await opened?.close();
  })();
  return cleaning;
}

// Ctrl-C and a plain `kill` (or a CI timeout) both end the run; either way nothing is left behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    signalled = true;
    log(`${signal}: cleaning up`);
    void Promise.all([cleanup(), cleanupHosts(), cleanupSwarm()]).finally(() => process.exit(128 + (os.constants.signals[signal] ?? 0)));
  });
}

interface Row {
  what: string;
  baseline: string;
  manager: string;
  ratio: string;
  goal: string;
  met: boolean | null;
}
const rows: Row[] = [];
const notes: string[] = [];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function runCli(args: string[]): Promise<{ ms: number; stdout: string }> {
  const started = performance.now();
  const child = spawn(DOCKER_CLI, ['-H', `unix://${engine.socketPath}`, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => chunks.push(d));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`docker ${args[0]} failed (${code})`);
  return { ms: performance.now() - started, stdout: Buffer.concat(chunks).toString('utf8') };
}

class ManagerProcess {
  readonly agent = keepAliveAgent(1);
  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    readonly headers: Record<string, string>,
    /** Holds the manager's services config and audit trail; removed on stop. */
    private readonly dir: string,
  ) {}

  /**
   * Spawns the manager and returns at once (no await after the spawn), so whoever holds the
   * result can always stop it and remove its directory, even if it never becomes ready.
   */
  static async spawn(label: string): Promise<ManagerProcess> {
    const port = await freePort();
    const secret = randomBytes(32).toString('hex');
    const token = await mintToken({ secret, sub: 'bench', role: 'admin', ttlSeconds: 3600, audience: 'gui-docker-manager' });
    // From here on nothing awaits, so a cleanup either started before (and nothing is spawned) or
    // will find the manager assigned.
    if (cleaning) throw new Error('the bench is cleaning up');
    // The bench's containers are one service group (by label), so batch stats can be asked for exactly them.
    const dir = mkdtempSync(join(tmpdir(), 'lucid-bench-'));
    const services = join(dir, 'services.yml');
    writeFileSync(services, JSON.stringify({ groups: [{ name: BENCH_GROUP, phase: 1 }] }));
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      DOCKER_HOST: `unix://${engine.socketPath}`,
      PORT: String(port),
      HOST: '127.0.0.1',
      LUCID_ENV: 'production',
      LOG_LEVEL: 'info',
      JWT_SECRET_KEY: secret,
      // Rate limiting stays on, with limits far above what the bench sends.
      RATE_LIMIT_PER_MINUTE: '100000000',
      RATE_LIMIT_CONTROL_PER_MINUTE: '1000000',
      // Batch stats stop collecting 5 s after the last request (default 30 s), so idle follows sooner.
      STATS_LINGER_MS: '5000',
      SERVICES_CONFIG: services,
      SERVICES_LABEL_FILTER: label,
      AUDIT_LOG_PATH: join(dir, 'audit.log'),
    };
    const child = spawn(process.execPath, ['dist/main/server.js'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    return new ManagerProcess(child, `http://127.0.0.1:${port}`, { authorization: `Bearer ${token}` }, dir);
  }

  async ready(): Promise<void> {
    for (let i = 0; ; i++) {
      if (this.exited) throw new Error('the manager exited while starting');
      try {
        if ((await this.get('/api/v1/containers')).status === 200) return;
      } catch {
        if (i > 100) throw new Error('the manager did not start');
      }
      await sleep(100);
    }
  }

  private get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get(path: string, keepBody = false) {
    return timedGet(this.agent, { url: this.url, path }, this.headers, keepBody);
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    if (!this.exited) {
      const exit = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      // A manager stuck in its shutdown must not keep the bench's containers and daemon alive.
      const stuck = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(stuck);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Waits until the manager lists `count` of this run's containers (the snapshot caught up). */
async function waitListed(manager: ManagerProcess, label: string, count: number): Promise<void> {
  const [key, value] = label.split('=') as [string, string];
  for (;;) {
    const res = await manager.get('/api/v1/containers', true);
    const listed = JSON.parse(res.body).containers.filter((c: any) => c.labels[key] === value).length;
    if (listed === count) return;
    await sleep(200);
  }
}

async function listBench(manager: ManagerProcess, count: number): Promise<void> {
  const raw = keepAliveAgent(1);
  const p50 = { raw: [] as number[], mgr: [] as number[] };
  const p99 = { raw: [] as number[], mgr: [] as number[] };
  let sizes = { raw: 0, mgr: 0 };
  for (let warm = 0; warm < 5; warm++) {
    await timedGet(raw, { socketPath: engine.socketPath, path: '/containers/json?all=1' });
    await manager.get('/api/v1/containers');
  }
  for (let round = 0; round < ROUNDS; round++) {
    const samples = { raw: [] as number[], mgr: [] as number[] };
    for (let i = 0; i < LIST_REQUESTS; i++) {
      // Alternate who goes first, so neither always meets a warmer daemon.
      const order = i % 2 === 0 ? (['raw', 'mgr'] as const) : (['mgr', 'raw'] as const);
      for (const who of order) {
        const res =
          who === 'raw'
            ? await timedGet(raw, { socketPath: engine.socketPath, path: '/containers/json?all=1' })
            : await manager.get('/api/v1/containers');
        if (res.status !== 200) throw new Error(`${who} list answered ${res.status}`);
        samples[who].push(res.ms);
        sizes = { ...sizes, [who]: res.bytes };
      }
    }
    for (const who of ['raw', 'mgr'] as const) {
      p50[who].push(percentile(samples[who], 50));
      p99[who].push(percentile(samples[who], 99));
    }
  }
  raw.destroy();
  for (const [name, values] of [['p50', p50], ['p99', p99]] as const) {
    const ratio = median(values.mgr) / median(values.raw);
    rows.push({
      what: `list ${count} containers, ${name}`,
      baseline: `${ms(median(values.raw))} (GET /containers/json?all=1)`,
      manager: ms(median(values.mgr)),
      ratio: `${ratio.toFixed(3)}×`,
      goal: '≤ 0.25×',
      met: ratio <= 0.25,
    });
  }
  const total = JSON.parse((await manager.get('/api/v1/containers', true)).body).total;
  notes.push(`list ${count}: ${total} containers on the engine in all; answers of ${(sizes.raw / 1024).toFixed(0)} KiB (Docker) and ${(sizes.mgr / 1024).toFixed(0)} KiB (manager); ${ROUNDS} rounds × ${LIST_REQUESTS} requests per side, medians of the per-round percentiles (nearest rank: a round's p99 is its second-largest sample).`);
}

function parseCpu(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [id, cpu] = line.split('\t');
    if (id && cpu) out.set(id, Number(cpu.replace('%', '')));
  }
  return out;
}

async function statsBench(manager: ManagerProcess, ids: string[], daemonPids: number[]): Promise<void> {
  const statsPath = `/api/v1/stats?group=${BENCH_GROUP}`;
  const cold = await manager.get(statsPath, true);
  const coldBody = JSON.parse(cold.body);
  log(`stats cold: ${ms(cold.ms)}, ${coldBody.stats.length}/${coldBody.running} containers`);
  const cli: number[] = [];
  const warm: number[] = [];
  const diffs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const run = await runCli(['stats', '--no-stream', '--format', '{{.Container}}\t{{.CPUPerc}}', ...ids]);
    cli.push(run.ms);
    const res = await manager.get(statsPath, true);
    warm.push(res.ms);
    const mine = new Map<string, number>(JSON.parse(res.body).stats.map((s: any) => [s.id, s.cpuPercent]));
    const theirs = parseCpu(run.stdout);
    let worst = 0;
    for (const [id, cpu] of theirs) {
      const ours = mine.get(id);
      if (ours !== undefined) worst = Math.max(worst, Math.abs(ours - cpu));
    }
    diffs.push(worst);
    if (round === 0) {
      const busy = [...theirs].filter(([, cpu]) => cpu > 1).map(([id, cpu]) => `${cpu.toFixed(1)}/${(mine.get(id) ?? NaN).toFixed(1)}`);
      notes.push(`stats: busy containers, CLI/manager CPU %: ${busy.join(', ') || 'none above 1 %'}`);
    }
  }
  for (let i = 0; i < 10; i++) warm.push((await manager.get(statsPath)).ms);
  const speedup = median(cli) / median(warm);
  rows.push({
    what: `stats of ${ids.length} running containers (warm)`,
    baseline: `${ms(median(cli))} (docker stats --no-stream)`,
    manager: ms(median(warm)),
    ratio: `${speedup.toFixed(0)}× faster`,
    goal: '≥ 50× faster',
    met: speedup >= 50,
  });
  rows.push({
    what: `stats of ${ids.length} running containers (first request, cold)`,
    baseline: `${ms(median(cli))} (docker stats --no-stream)`,
    manager: ms(cold.ms),
    ratio: `${(median(cli) / cold.ms).toFixed(1)}× faster`,
    goal: '—',
    met: null,
  });
  rows.push({
    what: 'stats: CPU % difference to the CLI (worst container)',
    baseline: 'docker stats CPU %',
    manager: `${median(diffs).toFixed(2)} points`,
    ratio: '—',
    goal: '≤ 5 points',
    met: median(diffs) <= 5,
  });
  // The daemon's cost while batch stats are collected: keep asking so the streams stay open.
  const keepAsking = setInterval(() => void manager.get(statsPath).catch(() => undefined), 2000);
  const watched = median([await coreShare(daemonPids, 10_000), await coreShare(daemonPids, 10_000)]);
  clearInterval(keepAsking);
  rows.push({
    what: `daemon CPU while ${ids.length} containers' stats are collected`,
    baseline: '—',
    manager: `${pct(watched)} of a core (dockerd + containerd)`,
    ratio: '—',
    goal: 'state it',
    met: null,
  });
}

async function logsBench(manager: ManagerProcess, id: string): Promise<void> {
  const cli: number[] = [];
  const mgr: number[] = [];
  const first = await manager.get(`/api/v1/containers/${id}/logs?tail=10000`, true);
  const lines = JSON.parse(first.body).lines.length;
  if (lines !== 10000) throw new Error(`expected 10000 lines, got ${lines}`);
  for (let round = 0; round < 7; round++) {
    cli.push((await runCli(['logs', '--tail', '10000', id])).ms);
    mgr.push((await manager.get(`/api/v1/containers/${id}/logs?tail=10000`)).ms);
  }
  const ratio = median(mgr) / median(cli);
  rows.push({
    what: 'last 10,000 log lines',
    baseline: `${ms(median(cli))} (docker logs --tail 10000)`,
    manager: ms(median(mgr)),
    ratio: `${ratio.toFixed(2)}×`,
    goal: '≤ 1.5×',
    met: ratio <= 1.5,
  });
}

/** Docker's RFC 3339 timestamp with nanoseconds, to fractional epoch milliseconds. */
function epochMs(timestamp: string): number {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(timestamp);
  if (!match) return NaN;
  return Date.parse(`${match[1]}Z`) + Number(`0.${match[2] ?? '0'}`) * 1000;
}

/** SSE of a followed log: latency from Docker's timestamp of each line to its arrival here. */
function followLatencies(manager: ManagerProcess, id: string, seconds: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const url = new URL(`${manager.url}/api/v1/containers/${id}/logs?follow=true&tail=0&timestamps=true`);
    const req = http.get(url, { headers: { ...manager.headers, accept: 'text/event-stream' } }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const now = performance.timeOrigin + performance.now();
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = /\ndata: (.*)$/m.exec(frame)?.[1];
          if (frame.includes('event: line') && data) latencies.push(now - epochMs(JSON.parse(data).timestamp));
        }
      });
    });
    req.on('error', reject);
    setTimeout(() => {
      req.destroy();
      resolve(latencies);
    }, seconds * 1000);
  });
}

async function main(): Promise<void> {
  const engineKind = process.env['BENCH_ENGINE'] === 'shared' ? 'shared' : 'private';
  log(`engine: ${engineKind}`);
  let header = '';
  try {
    openingEngine = openEngine(engineKind);
    engine = await openingEngine;
    header = `Machine: ${machine()}. Docker ${(await engine.docker.version()).Version}, ${engineKind === 'private' ? "a private daemon of the bench's own" : 'the shared engine'}.`;
    log(header);
    // A cleanup that began while the engine was starting has already looked for containers.
    if (cleaning) throw new Error('the bench is cleaning up');
    fx = fixtures(engine.docker);
    const daemonPids = engine.daemonPids();
    log('creating and starting 100 containers');
    const running = await fx.create(100, { start: true });

    log('daemon CPU without the manager (3 × 10 s)');
    const daemonAlone = median([await coreShare(daemonPids, 10_000), await coreShare(daemonPids, 10_000), await coreShare(daemonPids, 10_000)]);

    log('starting the manager');
    manager = await ManagerProcess.spawn(fx.label);
    await manager.ready();
    await waitListed(manager, fx.label, 100);
    await sleep(6000);
    log('idle: manager and daemon CPU with nobody watching (3 × 10 s)');
    const idleManager: number[] = [];
    const idleDaemon: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [m, d] = await Promise.all([coreShare([manager.pid], 10_000), coreShare(daemonPids, 10_000)]);
      idleManager.push(m);
      idleDaemon.push(d);
    }
    rows.push({
      what: 'idle, 100 running containers, nobody watching: manager CPU',
      baseline: '—',
      manager: `${pct(median(idleManager))} of a core`,
      ratio: '—',
      goal: '< 1 % of a core',
      met: median(idleManager) < 0.01,
    });
    rows.push({
      what: 'idle: daemon CPU (dockerd + containerd)',
      baseline: `${pct(daemonAlone)} without the manager`,
      manager: `${pct(median(idleDaemon))} with the idle manager`,
      ratio: `${((median(idleDaemon) - daemonAlone) * 100).toFixed(2)} points`,
      goal: 'no extra',
      met: median(idleDaemon) - daemonAlone < 0.005,
    });

    log('list, 100 containers of the run');
    await listBench(manager, 100);

    log('load: 50 connections for 30 s on the list');
    const loaded: LoadResult = await load(manager.url, '/api/v1/containers', manager.headers, 50, 30, manager.pid);
    rows.push({
      what: '50 connections × 30 s on list',
      baseline: '—',
      manager: `${loaded.perSecond.toFixed(0)} req/s, p99 ${ms(loaded.p99)}, ${loaded.errors} errors of ${loaded.requests}, RSS ≤ ${(loaded.maxRssBytes / 2 ** 20).toFixed(0)} MiB`,
      ratio: '—',
      goal: '0 errors',
      met: loaded.errors === 0,
    });

    log('stats: two CPU-capped busy containers among the 100');
    const [quiet1, quiet2] = running;
    if (quiet1 && quiet2) await Promise.all([quiet1, quiet2].map((id) => engine.docker.getContainer(id).remove({ force: true })));
    const busy = [
      ...(await fx.create(1, { cmd: ['sh', '-c', 'while :; do :; done'], nanoCpus: 0.1e9, start: true })),
      ...(await fx.create(1, { cmd: ['sh', '-c', 'while :; do :; done'], nanoCpus: 0.25e9, start: true })),
    ];
    const hundred = [...running.slice(2), ...busy];
    await sleep(3000);
    await statsBench(manager, hundred, daemonPids);
    await Promise.all(busy.map((id) => engine.docker.getContainer(id).remove({ force: true })));

    log('logs: 12,000 lines written, last 10,000 read');
    const [writer] = await fx.create(1, {
      cmd: ['sh', '-c', "yes 'lucid bench log line: the quick brown fox jumps over the lazy dog 0123456789' | head -n 12000; sleep 3600"],
      start: true,
    });
    if (!writer) throw new Error('no log container');
    await sleep(2000);
    await logsBench(manager, writer);

    log('follow latency: a line every 20 ms (3 × 10 s)');
    const [ticker] = await fx.create(1, { cmd: ['sh', '-c', 'while :; do echo tick; usleep 20000; done'], start: true });
    if (!ticker) throw new Error('no ticker container');
    const followRuns = [];
    for (let i = 0; i < 3; i++) followRuns.push(await followLatencies(manager, ticker, 10));
    rows.push({
      what: 'follow latency (line written → delivered over SSE)',
      baseline: '—',
      manager: `p50 ${ms(median(followRuns.map((r) => percentile(r, 50))))}, p99 ${ms(median(followRuns.map((r) => percentile(r, 99))))} (${followRuns.map((r) => r.length).join('/')} lines)`,
      ratio: '—',
      goal: 'p99 ≤ 100 ms',
      met: median(followRuns.map((r) => percentile(r, 99))) <= 100,
    });
    await Promise.all([writer, ticker].map((id) => engine.docker.getContainer(id).remove({ force: true })));

    log('list, 1000 containers of the run (902 more, created and not started)');
    await fx.create(902);
    await waitListed(manager, fx.label, 1000);
    await listBench(manager, 1000);

    log('dashboard in Chromium: 1000 containers drawn, a change pushed to its row');
    const shown = running[2];
    if (!shown) throw new Error('no running container left for the dashboard');
    const token = (manager.headers['authorization'] ?? '').replace(/^Bearer /, '');
    rows.push(...dashboardRows(await dashboardBench({ url: manager.url, token, docker: engine.docker, runningId: shown, count: 1000 }), 1000));
  } finally {
    await cleanup();
  }

  const lines = [
    `${header} Load average at the end ${loadAverage()}.`,
    `Manager: headless server as its own process, JWT auth on every request, LOG_LEVEL=info; rate limiting on, limits set far above the load.`,
    '',
    '| what | baseline | manager | ratio | goal | met |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.what} | ${r.baseline} | ${r.manager} | ${r.ratio} | ${r.goal} | ${r.met === null ? '—' : r.met ? 'yes' : '**no**'} |`),
    '',
    ...notes.map((n) => `- ${n}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

const SECTIONS = {
  engine: main,
  hosts: async () => void process.stdout.write(await hostsBench(log)),
  swarm: async () => void process.stdout.write(await swarmBench(log)),
};
type Section = keyof typeof SECTIONS;

async function runSections(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(name in SECTIONS));
  if (unknown.length > 0) throw new Error(`unknown bench section ${unknown.join(', ')}; sections: ${Object.keys(SECTIONS).join(', ')}`);
  const chosen = asked.length > 0 ? (asked as Section[]) : (Object.keys(SECTIONS) as Section[]);
  for (const name of chosen) await SECTIONS[name]();
}

runSections().catch((err: unknown) => {
  // After a signal the run fails because its manager and engine are being taken away: not news.
  if (signalled) return;
  log(`failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exitCode = 1;
});
