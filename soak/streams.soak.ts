/**
 * Attack on streams: one `user` holds as many follow streams as the cap allows, of containers
 * that write 16 KB lines, and never reads them; meanwhile /health is timed. Then a container that
 * prints 16 KB every 50 ms without a newline is followed by 5 clients that do read, and the
 * server's CPU is measured. Runs `dist/main/server.js` as a child on 127.0.0.1 against the local
 * engine; every container carries a label of this run and is removed at the end, also on failure.
 * SOAK_MINUTES (default 5) sets the length of the first phase. SOAK_ATTACK=one replaces the four
 * containers by ONE that writes 16 KB lines as fast as busybox can, followed by as many unread
 * streams as the cap allows from the start, and skips the second phase. The daemon's RSS and CPU
 * are printed too: a paused log stream must not make the daemon hold what it could not send.
 */
import { spawn, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import http from 'node:http';
import { mintToken } from '../src/main/auth/tokens.js';
import { tempAuditPath } from '../test/support/temp.js';

const SECRET = 'soak-secret-that-is-long-enough-for-hs256!!';
const PORT = 18_000 + Math.floor(Math.random() * 1000);
const LABEL = `lucid.soak.streams=${randomUUID()}`;
const CAP = 32;
const MINUTES = Math.min(30, Number(process.env['SOAK_MINUTES'] ?? 5));
const ONE = process.env['SOAK_ATTACK'] === 'one';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** CPU seconds (user + system) the process has used, from /proc (the child's own process.cpuUsage). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function healthMs(): Promise<number> {
  const started = performance.now();
  const res = await fetch(`http://127.0.0.1:${PORT}/health`, { signal: AbortSignal.timeout(10_000) }).catch(() => null);
  await res?.arrayBuffer();
  return performance.now() - started;
}

function dockerdPid(): number | undefined {
  const pid = Number(execFileSync('pidof', ['dockerd'], { encoding: 'utf8' }).trim().split(' ')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

const load = () => loadavg().map((n) => n.toFixed(2)).join(' ');

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
}

function openUnread(path: string, token: string): http.ClientRequest {
  const req = http.get({ host: '127.0.0.1', port: PORT, path, headers: { authorization: `Bearer ${token}` } }, (res) => res.pause());
  req.on('error', () => undefined);
  return req;
}

export async function run(): Promise<void> {
  const chatty = ONE
    ? 's=$(printf "%16000s" "" | tr " " a); while true; do echo "$s"; done'
    : 's=$(printf "%16000s" "" | tr " " a); while true; do echo "$s"; usleep 2000; done';
  const noNewline = 'while true; do printf "%16384s" "" | tr " " c; usleep 50000; done';
  // SOAK_CPU_PROF_DIR: where the server writes a CPU profile (`--cpu-prof`) when it exits.
  const profile = process.env['SOAK_CPU_PROF_DIR'];
  const child = spawn(process.execPath, [...(profile ? ['--cpu-prof', '--cpu-prof-dir', profile] : []), 'dist/main/server.js'], {
    env: {
      ...process.env,
      PORT: String(PORT),
      HOST: '127.0.0.1',
      JWT_SECRET_KEY: SECRET,
      LUCID_ENV: 'production',
      LOG_LEVEL: 'error',
      MAX_STREAMS_PER_CALLER: String(CAP),
      // A private directory (mode 0700): the trail refuses one group or others can write to, such as /tmp.
      AUDIT_LOG_PATH: tempAuditPath(),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const requests: http.ClientRequest[] = [];
  try {
    for (let i = 0; i < 50 && (await healthMs()) > 5000; i++) await sleep(200);
    const token = await mintToken({ secret: SECRET, sub: 'soak-user', role: 'user', ttlSeconds: 3600, audience: 'gui-docker-manager' });
    console.log(`load average at start: ${load()}`);
    // The same probe with no attack first: on a shared machine, what /health costs anyway.
    const idle: number[] = [];
    for (const t0 = Date.now(); Date.now() - t0 < 20_000; await sleep(250)) idle.push(await healthMs());
    console.log(`before the attack: /health p99 ${p99(idle).toFixed(1)} ms over ${idle.length} probes`);
    const ids = (ONE ? [1] : [1, 2, 3, 4]).map(() => docker('run', '-d', '--network', 'none', '--label', LABEL, 'lucid-test-busybox:latest', 'sh', '-c', chatty));

    // Phase 1: every minute, as many unread follow streams as the cap lets through.
    const health: number[] = [];
    let peakRss = 0;
    const daemon = dockerdPid();
    const daemonAt = () => (daemon === undefined ? 'unknown' : `RSS ${rssMb(daemon).toFixed(0)} MB, CPU ${cpuSeconds(daemon).toFixed(1)} s`);
    console.log(`dockerd before: ${daemonAt()}`);
    const cpuStart = cpuSeconds(child.pid as number);
    const started = Date.now();
    const end = started + MINUTES * 60_000;
    let nextBatch = 0;
    let nextReport = started + 60_000;
    while (Date.now() < end) {
      if (Date.now() >= nextReport) {
        nextReport += 60_000;
        const minute = Math.round((Date.now() - started) / 60_000);
        const cpu = ((cpuSeconds(child.pid as number) - cpuStart) / ((Date.now() - started) / 1000)) * 100;
        console.log(`  minute ${minute}: manager RSS ${rssMb(child.pid as number).toFixed(0)} MB, CPU so far ${cpu.toFixed(1)} %; dockerd ${daemonAt()}`);
      }
      if (Date.now() >= nextBatch) {
        nextBatch = Date.now() + 60_000;
        for (let i = 0; i < (ONE ? CAP : 100); i++) {
          const id = ids[i % ids.length] as string;
          requests.push(openUnread(`/api/v1/containers/${id}/logs?follow=true&tail=100`, token));
        }
      }
      health.push(await healthMs());
      peakRss = Math.max(peakRss, rssMb(child.pid as number));
      await sleep(250);
    }
    const cpu1 = ((cpuSeconds(child.pid as number) - cpuStart) / ((Date.now() - started) / 1000)) * 100;
    console.log(`dockerd after: ${daemonAt()}`);
    for (const req of requests) req.destroy();
    const attack = ONE ? `one container as fast as it can, ${CAP} unread follow streams` : `cap ${CAP}, 100 unread follow streams a minute`;
    console.log(`phase 1 (${MINUTES} min, ${attack}): peak RSS ${peakRss.toFixed(0)} MB, /health p99 ${p99(health).toFixed(1)} ms over ${health.length} probes, manager CPU ${cpu1.toFixed(1)} %`);
    if (ONE) {
      console.log(`load average at end: ${load()}`);
      return;
    }

    // Phase 2: output without newlines, 5 reading followers; CPU of the server over 50 s.
    await sleep(2000);
    const quiet = docker('run', '-d', '--network', 'none', '--label', LABEL, 'lucid-test-busybox:latest', 'sh', '-c', noNewline);
    const aborter = new AbortController();
    let bytes = 0;
    for (let i = 0; i < 5; i++) {
      void fetch(`http://127.0.0.1:${PORT}/api/v1/containers/${quiet}/logs?follow=true&tail=0`, {
        headers: { authorization: `Bearer ${token}` },
        signal: aborter.signal,
      })
        .then(async (res) => {
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
        })
        .catch(() => undefined);
    }
    await sleep(2000);
    const cpuBefore = cpuSeconds(child.pid as number);
    const health2: number[] = [];
    const t0 = Date.now();
    while (Date.now() - t0 < 50_000) {
      health2.push(await healthMs());
      await sleep(500);
    }
    const cpu = ((cpuSeconds(child.pid as number) - cpuBefore) / ((Date.now() - t0) / 1000)) * 100;
    aborter.abort();
    console.log(`phase 2 (16 KB without newline every 50 ms, 5 followers, 50 s): server CPU ${cpu.toFixed(1)} %, /health p99 ${p99(health2).toFixed(1)} ms, ${(bytes / 1e6).toFixed(1)} MB delivered to the followers`);
    console.log(`load average at end: ${load()}`);
  } finally {
    for (const req of requests) req.destroy();
    child.kill('SIGTERM');
    const left = docker('ps', '-aq', '--filter', `label=${LABEL}`).split('\n').filter(Boolean);
    if (left.length > 0) docker('rm', '-f', ...left);
  }
}
