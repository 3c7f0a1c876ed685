/**
 * `npm run bench -- hosts`: the manager in front of three hosts, side by side with what an
 * operator has today. One private dockerd is reached through a real sshd on 127.0.0.1 (the host
 * `pi`), two more over their sockets (`server-a`, `server-b`); each holds 100 labelled busybox
 * containers, created and not started. The manager is its own process (`dist/main/server.js`)
 * with a hosts file naming the three. Everything it starts — daemons, sshd, manager, temporary
 * files — is removed at the end, also on failure or a signal (`cleanupHosts`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { SshEndpoint } from '../src/main/docker/endpoint.js';
import type { EngineConnection } from '../src/main/docker/engine-connection.js';
import { openEngine } from '../src/main/docker/open-engine.js';
import { SshHttpAgent } from '../src/main/docker/ssh-agent.js';
import { SshLink } from '../src/main/docker/ssh-link.js';
import { PrivateEngine } from '../test/support/private-engine.js';
import { TestSshd } from '../test/support/sshd.js';
import { dockerOverSsh } from './docker-over-ssh.js';
import { fixtures } from './fixtures.js';
import { HostsManager } from './hosts-manager.js';
import { timedGet, type Timed } from './http.js';
import { coreShare, loadAverage, median, percentile, rssBytes } from './measure.js';
import { establishedTo } from './tcp-connections.js';

const SSH_HOST = 'pi';
const HOST_NAMES = [SSH_HOST, 'server-a', 'server-b'] as const;
const PER_HOST = 100;
const ROUNDS = 5;
/** Manager and raw requests per side per round; the CLI, at about a second a call, runs fewer. */
const REQUESTS = 30;
const CLI_PER_ROUND = 2;
const CONCURRENT = 50;
const BURSTS = 3;
const IDLE_WINDOWS = 3;
const IDLE_WINDOW_MS = 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (value: number) => `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

interface Row {
  what: string;
  baseline: string;
  manager: string;
  ratio: string;
  goal: string;
  met: boolean | null;
}

/** What the section has started, so that whichever way it ends, all of it is given back. */
const held: {
  dir?: string;
  engines?: Promise<PrivateEngine>[];
  sshd?: Promise<TestSshd>;
  manager?: HostsManager;
  connection?: EngineConnection;
  rawLink?: SshLink;
} = {};
let cleaning: Promise<void> | undefined;

/** Idempotent: the end of the section and a signal may both ask for it. */
export function cleanupHosts(): Promise<void> {
  cleaning ??= (async () => {
    await held.manager?.stop().catch(() => undefined);
    await held.connection?.close().catch(() => undefined);
    await held.rawLink?.close().catch(() => undefined);
    await held.sshd?.then((sshd) => sshd.stop()).catch(() => undefined);
    // A daemon's data root goes with it, and the containers with that.
    await Promise.all((held.engines ?? []).map((starting) => starting.then((engine) => engine.destroy()).catch(() => undefined)));
    if (held.dir) rmSync(held.dir, { recursive: true, force: true });
  })();
  return cleaning;
}

function stillRunning(): void {
  if (cleaning) throw new Error('the bench is cleaning up');
}

/** `GET /containers/json?all=1` on a channel of `link`'s one connection, timed to the last byte. */
function rawList(agent: http.Agent): Promise<Timed> {
  return timedGet(agent, { url: 'http://docker', path: '/containers/json?all=1' });
}

function errorCode(body: string): string {
  try {
    return String(JSON.parse(body).error?.code ?? JSON.parse(body).code ?? '?');
  } catch {
    return '?';
  }
}

export async function hostsBench(log: (text: string) => void): Promise<string> {
  const began = performance.now();
  const say = (text: string) => log(`hosts, ${((performance.now() - began) / 1000).toFixed(0)} s: ${text}`);
  const loadAtStart = loadAverage();
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    const dir = mkdtempSync(join(tmpdir(), 'lucid-bench-hosts-'));
    held.dir = dir;
    say(`starting ${HOST_NAMES.length} private engines and sshd`);
    held.engines = HOST_NAMES.map(() => PrivateEngine.start());
    const engines = await Promise.all(held.engines);
    stillRunning();
    const [piEngine] = engines;
    if (!piEngine) throw new Error('no engine');
    held.sshd = TestSshd.start({ dockerHost: piEngine.dockerHost });
    const [sshd] = await Promise.all([held.sshd, ...engines.map((engine) => engine.loadTestImage())]);
    stillRunning();
    say(`creating ${PER_HOST} containers on each engine`);
    await Promise.all(engines.map((engine) => fixtures(engine.docker).create(PER_HOST)));
    stillRunning();

    const endpoint: SshEndpoint = {
      kind: 'ssh',
      user: 'root',
      host: '127.0.0.1',
      port: sshd.port,
      socketPath: piEngine.socket,
      knownHostsFile: sshd.knownHosts,
      identityFile: sshd.clientKey,
    };
    const hostsFile = join(dir, 'hosts.yml');
    writeFileSync(
      hostsFile,
      stringify({
        hosts: engines.map((engine, i) =>
          i === 0
            ? {
                name: SSH_HOST,
                url: `ssh://root@127.0.0.1:${sshd.port}`,
                default: true,
                ssh: { identityFile: sshd.clientKey, knownHostsFile: sshd.knownHosts, socketPath: engine.socket },
              }
            : { name: HOST_NAMES[i], url: engine.dockerHost },
        ),
      }),
    );

    say('starting the manager');
    const sshdBeforeManager = sshd.connections();
    const manager = await HostsManager.spawn(hostsFile, dir);
    held.manager = manager;
    let peakRss = 0;
    const rssSampler = setInterval(() => {
      try {
        peakRss = Math.max(peakRss, rssBytes(manager.pid));
      } catch {
        // Exited: its stop or failure is reported elsewhere.
      }
    }, 250);
    try {
      await manager.ready(HOST_NAMES.length * PER_HOST);
      const rssReady = rssBytes(manager.pid);

      say(`${BURSTS} × ${CONCURRENT} concurrent requests to the SSH host through the manager`);
      const ids: string[] = (await manager.json(`/api/v1/containers?host=${SSH_HOST}`)).containers.map((c: any) => c.id);
      const burstAgent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENT });
      let burstErrors = 0;
      const failures = new Map<string, number>();
      let established = 0;
      const burstMs: number[] = [];
      for (let burst = 0; burst < BURSTS; burst++) {
        // A short id is not in the snapshot's index, so its inspect goes to the engine; every log read does.
        const paths = Array.from({ length: CONCURRENT }, (_, i) => {
          const id = ids[(burst * CONCURRENT + i) % ids.length] ?? '';
          return i % 2 === 0 ? `/api/v1/containers/${id.slice(0, 12)}?host=${SSH_HOST}` : `/api/v1/containers/${id}/logs?tail=10&host=${SSH_HOST}`;
        });
        const sampler = setInterval(() => {
          try {
            established = Math.max(established, establishedTo(manager.pid, sshd.port));
          } catch {
            // The manager is gone (a signal is cleaning up): the burst fails on its own.
          }
        }, 5);
        const burstStarted = performance.now();
        const results = await Promise.allSettled(paths.map((path) => timedGet(burstAgent, { url: manager.url, path }, manager.headers, true)));
        burstMs.push(performance.now() - burstStarted);
        clearInterval(sampler);
        established = Math.max(established, establishedTo(manager.pid, sshd.port));
        for (const [i, result] of results.entries()) {
          if (result.status === 'fulfilled' && result.value.status === 200) continue;
          burstErrors++;
          const what = `${i % 2 === 0 ? 'inspect' : 'logs'} ${result.status === 'rejected' ? String(result.reason) : `${result.value.status} ${errorCode(result.value.body)}`}`;
          failures.set(what, (failures.get(what) ?? 0) + 1);
        }
      }
      if (failures.size > 0) notes.push(`failed concurrent requests: ${[...failures].map(([what, n]) => `${n} × ${what}`).join(', ')}.`);
      burstAgent.destroy();
      const managerConnections = sshd.connections() - sshdBeforeManager;
      rows.push({
        what: `${CONCURRENT} concurrent requests to the SSH host through the manager (${BURSTS} bursts: inspect by short id, log reads)`,
        baseline: '—',
        manager: `${managerConnections} SSH connection(s) accepted by sshd since the manager started, at most ${established} established from its process; ${burstErrors} errors of ${BURSTS * CONCURRENT}; a burst took ${burstMs.map((t) => ms(t)).join(', ')}`,
        ratio: '—',
        goal: 'one SSH connection, 0 errors',
        met: managerConnections === 1 && established === 1 && burstErrors === 0,
      });

      say(`${CONCURRENT} concurrent requests over the bench's own engine connection`);
      const sshdBeforeConnection = sshd.connections();
      const connection = openEngine(endpoint);
      held.connection = connection;
      const calls = await Promise.allSettled(
        Array.from({ length: CONCURRENT }, (_, i) =>
          i % 2 === 0 ? connection.docker.listContainers({ all: true }) : connection.docker.getContainer(ids[i] ?? '').inspect(),
        ),
      );
      const opened = connection.transport()?.connectionsOpened ?? NaN;
      const connectionErrors = calls.filter((r) => r.status === 'rejected').length;
      const connectionSshd = sshd.connections() - sshdBeforeConnection;
      await connection.close();
      rows.push({
        what: `${CONCURRENT} concurrent engine calls (list, inspect) over one engine connection, in the bench's process`,
        baseline: '—',
        manager: `transport(): ${opened} connection(s) opened; sshd: ${connectionSshd}; ${connectionErrors} errors of ${CONCURRENT}`,
        ratio: '—',
        goal: 'one SSH connection, 0 errors',
        met: opened === 1 && connectionSshd === 1 && connectionErrors === 0,
      });

      say('list on the SSH host (docker CLI over ssh, raw call over one SSH channel, manager) and across hosts');
      const cli = dockerOverSsh(join(dir, 'cli'), {
        url: `ssh://root@127.0.0.1:${sshd.port}`,
        port: sshd.port,
        identityFile: sshd.clientKey,
        knownHostsFile: sshd.knownHosts,
      });
      const cliLines = (await cli(['ps', '-a'])).stdout.trim().split('\n').length - 1;
      if (cliLines !== PER_HOST) throw new Error(`docker ps -a over ssh listed ${cliLines} containers, not ${PER_HOST}`);
      held.rawLink = new SshLink(endpoint);
      const rawAgent = new SshHttpAgent(held.rawLink);
      const rawListed = JSON.parse((await timedGet(rawAgent, { url: 'http://docker', path: '/containers/json?all=1' }, {}, true)).body).length;
      if (rawListed !== PER_HOST) throw new Error(`the raw list answered ${rawListed} containers, not ${PER_HOST}`);
      const one = `/api/v1/containers?host=${SSH_HOST}`;
      const all = '/api/v1/containers?host=*';
      const oneListed = (await manager.json(one)).containers.length;
      const allBody = await manager.json(all);
      if (oneListed !== PER_HOST || allBody.containers.length !== HOST_NAMES.length * PER_HOST) {
        throw new Error(`the manager listed ${oneListed} and ${allBody.containers.length} containers`);
      }

      type Side = 'raw' | 'one' | 'all';
      const sides: Side[] = ['raw', 'one', 'all'];
      const ask = (side: Side) => (side === 'raw' ? rawList(rawAgent) : manager.get(side === 'one' ? one : all));
      for (let warm = 0; warm < 5; warm++) for (const side of sides) await ask(side);
      const sshdBeforeCli = sshd.connections();
      const cliMs: number[] = [];
      const p50: Record<Side, number[]> = { raw: [], one: [], all: [] };
      const p99: Record<Side, number[]> = { raw: [], one: [], all: [] };
      const bytes: Record<Side, number> = { raw: 0, one: 0, all: 0 };
      for (let round = 0; round < ROUNDS; round++) {
        for (let i = 0; i < CLI_PER_ROUND; i++) cliMs.push((await cli(['ps', '-a'])).ms);
        const samples: Record<Side, number[]> = { raw: [], one: [], all: [] };
        for (let i = 0; i < REQUESTS; i++) {
          // Rotate who goes first, so no side always meets a warmer daemon or manager.
          for (let k = 0; k < sides.length; k++) {
            const side = sides[(i + k) % sides.length] as Side;
            const res = await ask(side);
            if (res.status !== 200) throw new Error(`${side} list answered ${res.status}`);
            samples[side].push(res.ms);
            bytes[side] = res.bytes;
          }
        }
        for (const side of sides) {
          p50[side].push(percentile(samples[side], 50));
          p99[side].push(percentile(samples[side], 99));
        }
      }
      const cliConnections = sshd.connections() - sshdBeforeCli;
      await held.rawLink.close();
      rawAgent.destroy();

      const cliP50 = median(cliMs);
      const [rawP50, oneP50, allP50] = sides.map((side) => median(p50[side])) as [number, number, number];
      rows.push({
        what: `list ${PER_HOST} containers on the SSH host, p50`,
        baseline: `${ms(cliP50)} (\`docker -H ssh://… ps -a\`)`,
        manager: ms(oneP50),
        ratio: `${(oneP50 / cliP50).toFixed(4)}×`,
        goal: '≤ 0.05×',
        met: oneP50 / cliP50 <= 0.05,
      });
      rows.push({
        what: `list ${PER_HOST} containers on the SSH host, p50`,
        baseline: `${ms(rawP50)} (\`GET /containers/json?all=1\` over one SSH channel)`,
        manager: ms(oneP50),
        ratio: `${(oneP50 / rawP50).toFixed(3)}×`,
        goal: '≤ 0.25×',
        met: oneP50 / rawP50 <= 0.25,
      });
      rows.push({
        what: `list across ${HOST_NAMES.length} hosts × ${PER_HOST} containers (\`host=*\`), p50`,
        baseline: `${ms(oneP50)} (the manager, one host)`,
        manager: ms(allP50),
        ratio: `${(allP50 / oneP50).toFixed(2)}×`,
        goal: '≤ 2×',
        met: allP50 / oneP50 <= 2,
      });
      notes.push(
        `list: ${ROUNDS} rounds of ${REQUESTS} requests per side (raw, manager one host, manager \`host=*\`, rotating who goes first), medians of the per-round p50; the CLI ${ROUNDS * CLI_PER_ROUND} calls, median. p99 (same method): raw ${ms(median(p99.raw))}, manager one host ${ms(median(p99.one))}, \`host=*\` ${ms(median(p99.all))}. Answers: ${(bytes.raw / 1024).toFixed(0)} KiB (Docker), ${(bytes.one / 1024).toFixed(0)} KiB (manager, one host), ${(bytes.all / 1024).toFixed(0)} KiB (\`host=*\`).`,
      );
      notes.push(`the docker CLI made ${cliConnections} SSH connections for its ${ROUNDS * CLI_PER_ROUND} calls (a connection and a remote \`docker system dial-stdio\` per call); CLI calls ranged ${ms(Math.min(...cliMs))}–${ms(Math.max(...cliMs))}.`);

      say(`idle, nobody asking (${IDLE_WINDOWS} × ${IDLE_WINDOW_MS / 1000} s)`);
      await sleep(3000);
      const idleCpu: number[] = [];
      const idleRss: number[] = [];
      for (let i = 0; i < IDLE_WINDOWS; i++) {
        idleCpu.push(await coreShare([manager.pid], IDLE_WINDOW_MS));
        idleRss.push(rssBytes(manager.pid));
      }
      const idleLinks = establishedTo(manager.pid, sshd.port);
      rows.push({
        what: `idle, ${HOST_NAMES.length} hosts × ${PER_HOST} containers: manager CPU`,
        baseline: '—',
        manager: `${(median(idleCpu) * 100).toFixed(2)} % of a core (windows: ${idleCpu.map((c) => (c * 100).toFixed(2)).join(', ')} %)`,
        ratio: '—',
        goal: '< 1 % of a core',
        met: median(idleCpu) < 0.01,
      });
      rows.push({
        what: 'idle: manager RSS',
        baseline: '—',
        manager: `${mb(Math.max(...idleRss))} (${mb(rssReady)} once ready, before any request; peak ${mb(peakRss)})`,
        ratio: '—',
        goal: '≤ 150 MB',
        met: Math.max(...idleRss) <= 150e6,
      });
      notes.push(`idle: ${idleLinks} SSH connection established from the manager at the end; what runs while idle is each host's health probe and, for \`pi\`, SSH keepalives.`);
    } finally {
      clearInterval(rssSampler);
    }
  } finally {
    say('cleaning up');
    await cleanupHosts();
  }

  const seconds = (performance.now() - began) / 1000;
  return [
    `Several hosts: \`${SSH_HOST}\` over a real sshd on 127.0.0.1 in front of a private dockerd, \`server-a\` and \`server-b\` private dockerds over their sockets, ${PER_HOST} created containers each. Manager: \`node dist/main/server.js\` as its own process, HOSTS_CONFIG, JWT auth on every request, LOG_LEVEL=info. Load average ${loadAtStart} at start, ${loadAverage()} at end; ${seconds.toFixed(0)} s.`,
    '',
    '| what | baseline | manager | ratio | goal | met |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.what} | ${r.baseline} | ${r.manager} | ${r.ratio} | ${r.goal} | ${r.met === null ? '—' : r.met ? 'yes' : '**no**'} |`),
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}
