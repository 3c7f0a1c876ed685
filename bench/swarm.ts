/**
 * `npm run bench -- swarm`: the manager in front of a real three-node swarm (one manager, two
 * workers: private dockerds in network namespaces, test/support/swarm.ts), side by side with the
 * Docker API and the docker CLI on the swarm manager's socket, in the same run. The manager is its
 * own process (`dist/main/server.js`) with the swarm manager's socket as its host. Everything the
 * section starts — daemons, namespaces, manager, temporary files — is removed at the end, also on
 * failure or a signal (`cleanupSwarm`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { servicesConfig } from '../test/support/compose.js';
import { TEST_IMAGE } from '../test/support/engine.js';
import { writeStack } from '../test/support/swarm-projects.js';
import { DOCKER_CLI, TestSwarm } from '../test/support/swarm.js';
import { startBareServer, type BareServer } from './bare-http.js';
import { keepAliveAgent, timedGet } from './http.js';
import { loadAverage, median, percentile } from './measure.js';
import { subscribeSwarm } from './swarm-events.js';
import { SwarmManager } from './swarm-manager.js';

/** The listed cluster: services × replicas of `sleep` with tiny limits, spread by swarm over 3 nodes. */
const LIST_SERVICES = 20;
const LIST_REPLICAS = 5;
/**
 * Each round pairs the sides under the same load (the swarm's own work moves it from one second to
 * the next): a ratio is taken per round, and the rounds' median is the result.
 */
const ROUNDS = 7;
/** Manager and raw requests per side per round; the CLI, a process start each, runs fewer. */
const REQUESTS = 200;
const CLI_PER_ROUND = 5;
/**
 * Requests per side before the rounds: a server that has been running is warm (V8 optimises a
 * path after some hundred calls), and the rounds measure that server, not its first calls.
 */
const WARM_REQUESTS = 500;
const STACK_SERVICES = 5;
const DEPLOY_ROUNDS = 5;
const NODE_DOWN_ROUNDS = 2;
/** How often convergence (the CLI side) and the nodes' states between rounds are looked at. */
const POLL_MS = 100;
/** How long a converged stack must stay so: the docker CLI's stabilization delay, and the manager's. */
const STABLE_MS = 5000;
const DOWN_TIMEOUT_MS = 60_000;
const WAIT_MS = 120_000;
const LABEL = 'lucid.bench.swarm';
const FLOOR_PATH = '/api/v1/session';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (value: number) => `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
const s = (value: number) => `${(value / 1000).toFixed(2)} s`;

interface Row {
  what: string;
  baseline: string;
  manager: string;
  ratio: string;
  goal: string;
  met: boolean | null;
}

/** What the section has started, so that whichever way it ends, all of it is given back. */
const held: { swarm?: Promise<TestSwarm>; manager?: SwarmManager; bare?: BareServer; dir?: string } = {};
let cleaning: Promise<void> | undefined;

/** Idempotent: the end of the section and a signal may both ask for it. */
export function cleanupSwarm(): Promise<void> {
  cleaning ??= (async () => {
    await held.manager?.stop().catch(() => undefined);
    await held.bare?.stop().catch(() => undefined);
    // The nodes' data roots go with their daemons, and every service, task and container with them.
    await held.swarm?.then((swarm) => swarm.close()).catch(() => undefined);
    if (held.dir) rmSync(held.dir, { recursive: true, force: true });
  })();
  return cleaning;
}

function stillRunning(): void {
  if (cleaning) throw new Error('the bench is cleaning up');
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    stillRunning();
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

/** The docker CLI on the swarm manager's socket: wall time and output. */
async function cli(swarm: TestSwarm, args: string[]): Promise<{ ms: number; stdout: string }> {
  const started = performance.now();
  const child = spawn(DOCKER_CLI, ['-H', swarm.manager.engine.dockerHost, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`docker ${args.join(' ')} failed (${code}): ${stderr.trim()}`);
  return { ms: performance.now() - started, stdout };
}

/** Services (of a label filter) with Docker's running and desired task counts. */
async function serviceStatus(docker: Docker, label: string): Promise<{ running: number; desired: number; count: number }> {
  const services: any[] = await docker.listServices({ status: true, filters: { label: [label] } });
  return services.reduce(
    (sum, service) => ({
      running: sum.running + (service.ServiceStatus?.RunningTasks ?? 0),
      desired: sum.desired + (service.ServiceStatus?.DesiredTasks ?? 0),
      count: sum.count + 1,
    }),
    { running: 0, desired: 0, count: 0 },
  );
}

async function createListServices(swarm: TestSwarm, runId: string): Promise<void> {
  const docker = swarm.manager.engine.docker;
  for (let i = 0; i < LIST_SERVICES; i++) {
    stillRunning();
    await docker.createService({
      Name: `bl${runId}-${i}`,
      Labels: { [LABEL]: runId },
      TaskTemplate: {
        ContainerSpec: { Image: TEST_IMAGE, Command: ['sleep', '3600'], StopSignal: 'SIGKILL' },
        // Tiny limits, no reservations: the scheduler spreads the tasks, the nodes are not filled.
        Resources: { Limits: { NanoCPUs: 10_000_000, MemoryBytes: 16 * 2 ** 20 } },
        RestartPolicy: { Condition: 'any' },
      },
      Mode: { Replicated: { Replicas: LIST_REPLICAS } },
    } as any);
  }
  const total = LIST_SERVICES * LIST_REPLICAS;
  await until(`${total} running tasks`, async () => {
    const status = await serviceStatus(docker, `${LABEL}=${runId}`);
    return status.running === total ? status : undefined;
  }, 300_000);
}

async function listBench(swarm: TestSwarm, manager: SwarmManager, runId: string, rows: Row[], notes: string[]): Promise<void> {
  const socketPath = swarm.manager.engine.socket;
  const raw = keepAliveAgent(1);
  const rawPath = '/services?status=true';
  const mgrPath = '/api/v1/swarm/services';
  // The manager answers from its live state: measured once that state shows every task running.
  const caughtUp = performance.now();
  await until('the manager to list every task running', async () => {
    const listed = (await manager.json(mgrPath)).services.filter((service: any) => service.name.startsWith(`bl${runId}-`));
    const running = listed.reduce((sum: number, service: any) => sum + service.replicas.running, 0);
    return listed.length === LIST_SERVICES && running === LIST_SERVICES * LIST_REPLICAS ? true : undefined;
  });
  notes.push(`list: the manager listed all ${LIST_SERVICES * LIST_REPLICAS} tasks running ${s(performance.now() - caughtUp)} after Docker's counts did.`);
  for (let warm = 0; warm < WARM_REQUESTS; warm++) {
    await timedGet(raw, { socketPath, path: rawPath });
    await manager.get(mgrPath);
    await manager.get(FLOOR_PATH);
  }
  await cli(swarm, ['service', 'ls']);
  held.bare = await startBareServer(Buffer.from((await manager.get(mgrPath, true)).body, 'utf8'));
  const bare = keepAliveAgent(1);
  const bareUrl = held.bare.url;
  for (let warm = 0; warm < WARM_REQUESTS; warm++) await timedGet(bare, { url: bareUrl, path: mgrPath });
  const p50 = { raw: [] as number[], mgr: [] as number[], floor: [] as number[], node: [] as number[], cli: [] as number[] };
  let sizes = { raw: 0, mgr: 0, floor: 0, node: 0 };
  const ask = {
    raw: () => timedGet(raw, { socketPath, path: rawPath }),
    mgr: () => manager.get(mgrPath),
    // The manager's cheapest authenticated read (the caller's session): what any answer costs here.
    floor: () => manager.get(FLOOR_PATH),
    // The same bytes from node:http alone: what any Node server pays here, whatever it does.
    node: () => timedGet(bare, { url: bareUrl, path: mgrPath }),
  };
  for (let round = 0; round < ROUNDS; round++) {
    const samples = { raw: [] as number[], mgr: [] as number[], floor: [] as number[], node: [] as number[], cli: [] as number[] };
    for (let i = 0; i < REQUESTS; i++) {
      // Alternate who goes first, so neither always meets a warmer daemon.
      for (const who of i % 2 === 0 ? (['raw', 'mgr', 'floor', 'node'] as const) : (['mgr', 'raw', 'node', 'floor'] as const)) {
        const res = await ask[who]();
        if (res.status !== 200) throw new Error(`${who} answered ${res.status}`);
        samples[who].push(res.ms);
        sizes = { ...sizes, [who]: res.bytes };
      }
    }
    for (let i = 0; i < CLI_PER_ROUND; i++) samples.cli.push((await cli(swarm, ['service', 'ls'])).ms);
    for (const who of ['raw', 'mgr', 'floor', 'node', 'cli'] as const) p50[who].push(percentile(samples[who], 50));
  }
  raw.destroy();
  bare.destroy();
  await held.bare.stop();
  delete held.bare;
  const [rawMs, mgrMs, cliMs] = [median(p50.raw), median(p50.mgr), median(p50.cli)];
  /** The median over the rounds of `side`'s p50 over the baseline's p50 in the same round. */
  const paired = (side: number[], baseline: number[]) => median(side.map((value, round) => value / (baseline[round] as number)));
  const [toRaw, toCli, nodeToRaw] = [paired(p50.mgr, p50.raw), paired(p50.mgr, p50.cli), paired(p50.node, p50.raw)];
  const what = `list ${LIST_SERVICES} services × ${LIST_REPLICAS} replicas on 3 nodes, p50`;
  rows.push({
    what,
    baseline: `${ms(rawMs)} (GET /services?status=true)`,
    manager: ms(mgrMs),
    ratio: `${toRaw.toFixed(3)}×`,
    goal: '≤ 0.25×',
    met: toRaw <= 0.25,
  });
  rows.push({
    what,
    baseline: `${ms(cliMs)} (docker service ls)`,
    manager: ms(mgrMs),
    ratio: `${toCli.toFixed(3)}×`,
    goal: '≤ 0.05×',
    met: toCli <= 0.05,
  });
  const perRound = p50.mgr.map((value, round) => (value / (p50.raw[round] as number)).toFixed(3)).join(' / ');
  notes.push(
    `list: answers of ${(sizes.raw / 1024).toFixed(0)} KiB (Docker) and ${(sizes.mgr / 1024).toFixed(0)} KiB (manager); ${WARM_REQUESTS} requests per side to warm up, then ${ROUNDS} rounds × ${REQUESTS} requests per side (${CLI_PER_ROUND} CLI runs); the ratios are the medians of the per-round ratios of p50s, the times the medians of the per-round p50s; per-round p50s raw ${p50.raw.map(ms).join(' / ')}, manager ${p50.mgr.map(ms).join(' / ')}, CLI ${p50.cli.map(ms).join(' / ')}.`,
    `list: manager ÷ raw per round ${perRound}; the ratio of the medians instead: ${(mgrMs / rawMs).toFixed(3)}×.`,
    `list: the manager's cheapest authenticated read (GET ${FLOOR_PATH}) in the same rounds, p50 ${ms(median(p50.floor))} (${p50.floor.map(ms).join(' / ')}).`,
    `list: node:http alone answering the manager's ${(sizes.node / 1024).toFixed(0)} KiB from a process of its own, in the same rounds, p50 ${ms(median(p50.node))} (${p50.node.map(ms).join(' / ')}): ${nodeToRaw.toFixed(3)}× the raw call, the least any Node HTTP server costs here.`,
  );
}

/**
 * Until every service of the stack runs its desired tasks and has for STABLE_MS (Docker's own
 * counts, polled every POLL_MS): what newer CLIs' `stack deploy --detach=false` wait for.
 */
function converged(swarm: TestSwarm, stack: string): Promise<unknown> {
  let since: number | undefined;
  return until(`stack ${stack} to converge`, async () => {
    const status = await serviceStatus(swarm.manager.engine.docker, `com.docker.stack.namespace=${stack}`);
    if (status.count !== STACK_SERVICES || status.running !== status.desired) {
      since = undefined;
      return undefined;
    }
    since ??= performance.now();
    return performance.now() - since >= STABLE_MS ? status : undefined;
  });
}

/**
 * Removes a stack and waits until none of its containers is left on any node. `stack rm` removes
 * the network right after the services and fails when a task still holds it ("in use by task"):
 * once the containers are gone, a second `stack rm` takes the network.
 */
async function removeStack(swarm: TestSwarm, stack: string): Promise<void> {
  const first = await cli(swarm, ['stack', 'rm', stack]).then(
    () => true,
    () => false,
  );
  await until(`stack ${stack} to be gone`, async () => {
    const counts = await Promise.all(
      swarm.nodes.map(async (node) =>
        (await node.engine.docker.listContainers({ all: true, filters: { label: [`com.docker.stack.namespace=${stack}`] } })).length,
      ),
    );
    return counts.every((count) => count === 0) ? true : undefined;
  });
  if (!first) await cli(swarm, ['stack', 'rm', stack]);
}

async function deployBench(swarm: TestSwarm, manager: SwarmManager, root: string, projects: string[], rows: Row[], notes: string[]): Promise<void> {
  const times = { cli: [] as number[], mgr: [] as number[] };
  // Where the time goes: the CLI's run (the manager's checks before it included) and the wait for
  // convergence after it, for both; and for the manager, from converged to its answer.
  const phases = { cliRun: [] as number[], cliWait: [] as number[], mgrRun: [] as number[], mgrWait: [] as number[], mgrAfter: [] as number[] };
  for (const [round, project] of projects.entries()) {
    const cliStack = `bc${project}`;
    const file = join(root, project, 'docker-compose.yml');
    const sides = round % 2 === 0 ? (['cli', 'mgr'] as const) : (['mgr', 'cli'] as const);
    for (const who of sides) {
      stillRunning();
      const started = performance.now();
      if (who === 'cli') {
        // The same command the manager runs; Debian's 20.10 CLI has no --detach=false, so the
        // convergence is polled after it, and held for the stabilization delay as that flag does.
        const run = await cli(swarm, ['stack', 'deploy', '--prune', '--compose-file', file, cliStack]);
        await converged(swarm, cliStack);
        times.cli.push(performance.now() - started);
        phases.cliRun.push(run.ms);
        phases.cliWait.push(performance.now() - started - run.ms);
      } else {
        const frames = await manager.postStreamed('/api/v1/stacks/deploy', { project });
        const result = frames.find((f) => f.event === 'result');
        if (result?.data?.ok !== true) throw new Error(`stacks.deploy failed: ${JSON.stringify(frames.slice(-3)).slice(0, 500)}`);
        // The manager's own lines (stream `manager`) begin once the CLI has exited.
        const waiting = frames.find((f) => f.event === 'line' && f.data.stream === 'manager');
        const running = frames.find((f) => f.event === 'line' && f.data.stream === 'manager' && /services are running/.test(f.data.line));
        if (!waiting || !running) throw new Error('stacks.deploy streamed no convergence lines');
        phases.mgrRun.push(waiting.at - started);
        phases.mgrWait.push(running.at - waiting.at);
        phases.mgrAfter.push(result.at - running.at);
        times.mgr.push(result.at - started);
        // Converged when the answer came: Docker's own counts say so.
        const status = await serviceStatus(swarm.manager.engine.docker, `com.docker.stack.namespace=${project}`);
        if (status.count !== STACK_SERVICES || status.running !== status.desired) throw new Error(`stack ${project} answered before converging`);
      }
    }
    await Promise.all([removeStack(swarm, cliStack), removeStack(swarm, project)]);
  }
  const ratio = median(times.mgr) / median(times.cli);
  rows.push({
    what: `deploy a ${STACK_SERVICES}-service stack until converged`,
    baseline: `${s(median(times.cli))} (docker stack deploy, then Docker's counts polled every ${POLL_MS} ms until converged for ${STABLE_MS / 1000} s)`,
    manager: s(median(times.mgr)),
    ratio: `${ratio.toFixed(2)}×`,
    goal: '≤ 1.1×',
    met: ratio <= 1.1,
  });
  notes.push(
    `deploy: ${projects.length} rounds, each a fresh stack of ${STACK_SERVICES} busybox services × 1 replica (its own overlay network), sides alternating who goes first, each stack removed after its round; CLI ${times.cli.map(s).join(' / ')}, manager ${times.mgr.map(s).join(' / ')}.`,
    `deploy, medians of the phases: CLI run ${s(median(phases.cliRun))} then converged and stable for ${STABLE_MS / 1000} s after ${s(median(phases.cliWait))}; manager: request to its first own line (its checks and the CLI run) ${s(median(phases.mgrRun))}, then converged after ${s(median(phases.mgrWait))}, then answered after ${s(median(phases.mgrAfter))} (its ${STABLE_MS / 1000} s check that the services stay up included).`,
  );
}

/** The first moment `docker node ls` on the swarm manager prints `hostname` as Down. */
async function cliSeesDown(swarm: TestSwarm, hostname: string, stop: { done: boolean }): Promise<number> {
  while (!stop.done) {
    const { stdout } = await cli(swarm, ['node', 'ls', '--format', '{{.Hostname}}\t{{.Status}}']);
    if (stdout.split('\n').some((line) => line === `${hostname}\tDown`)) return performance.now();
  }
  return NaN;
}

async function nodeState(swarm: TestSwarm, hostname: string): Promise<string | undefined> {
  const nodes = (await swarm.manager.engine.docker.listNodes()) as any[];
  return nodes.find((node) => node.Description?.Hostname === hostname)?.Status?.State;
}

async function nodeDownBench(swarm: TestSwarm, manager: SwarmManager, rows: Row[], notes: string[]): Promise<void> {
  const worker = swarm.workers[0];
  if (!worker) throw new Error('the swarm has no worker');
  const subscriber = await subscribeSwarm(manager);
  const swarmMs: number[] = [];
  const managerMs: number[] = [];
  try {
    for (let round = 0; round < NODE_DOWN_ROUNDS; round++) {
      await until(`${worker.name} to be ready`, async () => ((await nodeState(swarm, worker.name)) === 'ready' ? true : undefined));
      // The manager's state has taken the node back in too: the next down is a change it reports.
      await until(`the manager to show ${worker.name} ready`, async () => {
        const { nodes } = await manager.json('/api/v1/swarm/nodes');
        return nodes.some((node: any) => node.hostname === worker.name && node.state === 'ready') ? true : undefined;
      });
      const stop = { done: false };
      const byManager = subscriber.nodeDown(worker.name, DOWN_TIMEOUT_MS);
      const killed = performance.now();
      const bySwarm = cliSeesDown(swarm, worker.name, stop);
      const timeout = setTimeout(() => (stop.done = true), DOWN_TIMEOUT_MS);
      const seen = Promise.all([bySwarm, byManager]).finally(() => {
        clearTimeout(timeout);
        stop.done = true;
      });
      // Handled below; a failing kill must not leave it unhandled meanwhile.
      seen.catch(() => undefined);
      await worker.engine.kill();
      const [swarmAt, managerAt] = await seen;
      if (Number.isNaN(swarmAt)) throw new Error(`docker node ls did not show ${worker.name} down within ${DOWN_TIMEOUT_MS} ms`);
      swarmMs.push(swarmAt - killed);
      managerMs.push(managerAt - killed);
      stillRunning();
      await worker.engine.startDaemon();
    }
  } finally {
    subscriber.close();
  }
  await until(`${worker.name} to be ready again`, async () => ((await nodeState(swarm, worker.name)) === 'ready' ? true : undefined));
  // Each kill counts: the goal is about the worst of them, not a median of a few.
  const worst = Math.max(...managerMs.map((m, i) => m - (swarmMs[i] ?? NaN)));
  rows.push({
    what: 'a worker killed → seen down',
    baseline: `${swarmMs.map(s).join(' / ')} (docker node ls on the swarm manager)`,
    manager: `${managerMs.map(s).join(' / ')} (node event on GET /api/v1/swarm/events)`,
    ratio: `worst ${worst >= 0 ? '+' : ''}${s(worst)}`,
    goal: '≤ +1 s',
    met: worst <= 1000,
  });
  notes.push(
    `node down: a worker's dockerd SIGKILLed ${NODE_DOWN_ROUNDS} times (restarted and ready again in between), times from the kill; docker node ls run back to back (the time is when its output showed Down), the manager's time is when its SSE node event with state down arrived at a subscriber.`,
  );
}

/** Runs the section and answers its Markdown: a header line, the table, notes. */
export async function swarmBench(log: (text: string) => void): Promise<string> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const started = performance.now();
  const loadAtStart = loadAverage();
  const runId = Math.random().toString(36).slice(2, 8);
  try {
    log('swarm: starting three private dockerds in network namespaces, one manager and two workers');
    held.swarm = TestSwarm.start();
    const swarm = await held.swarm;
    stillRunning();
    log(`swarm: up in ${swarm.startSeconds.toFixed(1)} s`);
    held.dir = mkdtempSync(join(tmpdir(), 'lucid-bench-swarm-'));
    const root = held.dir;
    const projects = Array.from({ length: DEPLOY_ROUNDS }, (_, i) => `bm${runId}${i}`);
    const stack = Object.fromEntries(Array.from({ length: STACK_SERVICES }, (_, i) => [`s${i}`, {}]));
    const files = projects.map((project) => writeStack(root, project, stack));
    const config = servicesConfig(
      root,
      projects.map((project, i) => ({ group: `bench-${i}`, phase: 1, project, files: [files[i] as string] })),
    );
    held.manager = SwarmManager.spawn({
      DOCKER_HOST: swarm.manager.engine.dockerHost,
      DOCKER_CLI,
      SERVICES_CONFIG: config,
      COMPOSE_PROJECTS_DIR: root,
      COMPOSE_TIMEOUT: '120',
      AUDIT_LOG_PATH: join(root, 'audit.log'),
    });
    const manager = held.manager;
    await manager.ready();

    log('swarm: node down, a worker killed and restarted');
    await nodeDownBench(swarm, manager, rows, notes);

    log(`swarm: ${LIST_SERVICES} services × ${LIST_REPLICAS} replicas`);
    const creating = performance.now();
    await createListServices(swarm, runId);
    notes.push(`${LIST_SERVICES * LIST_REPLICAS} tasks created and running in ${s(performance.now() - creating)}.`);
    log('swarm: list');
    await listBench(swarm, manager, runId, rows, notes);

    log(`swarm: deploy a ${STACK_SERVICES}-service stack, ${DEPLOY_ROUNDS} rounds`);
    await deployBench(swarm, manager, root, projects, rows, notes);
    notes.push(`section took ${s(performance.now() - started)}, swarm start included.`);
  } finally {
    await cleanupSwarm();
  }
  const lines = [
    `Swarm: one manager and two workers, each a private dockerd (Docker 20.10) in its own network namespace on this machine; load average at start ${loadAtStart}, at the end ${loadAverage()}.`,
    `Manager: headless server as its own process, the swarm manager's socket as its host, JWT auth on every request.`,
    '',
    '| what | baseline | manager | ratio | goal | met |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.what} | ${r.baseline} | ${r.manager} | ${r.ratio} | ${r.goal} | ${r.met === null ? '—' : r.met ? 'yes' : '**no**'} |`),
    '',
    ...notes.map((n) => `- ${n}`),
  ];
  return `${lines.join('\n')}\n`;
}
