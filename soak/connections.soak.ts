/**
 * 20,000 connections that never send a byte, against the built server: from one address
 * (127.0.0.2) opened once, then reopened as fast as the server closes them, then spread over 200
 * addresses (127.0.1.1-200), which gets past the per-address cap and fills the total cap. Meanwhile `/health` is asked from 127.0.0.1 every 50 ms; the figures
 * are its latency and failures. The attackers run in two children of 10,000 connections each, so
 * that each fits a 20,000 open-file limit; the server keeps the limit it inherits.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { killAll, spawnServer } from '../test/support/spawned-server.js';

const FLOOD = fileURLToPath(new URL('./support/idle-flood.ts', import.meta.url));
const SECONDS = 30;

/** One /health on a fresh connection (no keep-alive: a probe's usual way), in ms; NaN when it failed. */
function probe(url: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(`${url}/health`, { agent: false, localAddress: '127.0.0.1', timeout: 5000 }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode === 200 ? performance.now() - started : Number.NaN));
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(Number.NaN));
    req.end();
  });
}

async function measure(url: string, seconds: number): Promise<{ n: number; failed: number; p50: number; p99: number; max: number }> {
  const times: number[] = [];
  let failed = 0;
  const endAt = Date.now() + seconds * 1000;
  while (Date.now() < endAt) {
    const ms = await probe(url);
    if (Number.isNaN(ms)) failed++;
    else times.push(ms);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? Number.NaN;
  return { n: times.length + failed, failed, p50: at(0.5), p99: at(0.99), max: times.at(-1) ?? Number.NaN };
}

/** Attackers, each holding an equal share: one process alone may not raise its limit past 20,000. */
const ATTACKERS = 2;

function attacker(port: number, addresses: string[], count: number, reopen: boolean): Promise<string> {
  const args = ['--port', String(port), '--count', String(count), '--addresses', addresses.join(','), '--seconds', String(SECONDS)];
  if (reopen) args.push('--reopen');
  // Raising the limit needs CAP_SYS_RESOURCE past the hard limit; without it the share must fit as is.
  const script = `ulimit -n 30000 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "${process.execPath}" --import tsx "${FLOOD}" "$@"`;
  const child = spawn('bash', ['-c', script, 'flood', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), (SECONDS + 30) * 1000);
  return new Promise((resolve) =>
    child.once('exit', () => {
      clearTimeout(killer);
      resolve(out.trim());
    }),
  );
}

function flood(port: number, addresses: string[], reopen: boolean): { done: Promise<string> } {
  const shares = Array.from({ length: ATTACKERS }, () => attacker(port, addresses, 20_000 / ATTACKERS, reopen));
  return { done: Promise.all(shares).then((outs) => outs.join(' ')) };
}

const show = (m: Awaited<ReturnType<typeof measure>>) =>
  `${m.n} probes, ${m.failed} failed, p50 ${m.p50.toFixed(1)} ms, p99 ${m.p99.toFixed(1)} ms, max ${m.max.toFixed(1)} ms`;

export async function run(): Promise<void> {
  const server = await spawnServer({ LOG_LEVEL: 'info' });
  try {
    const port = Number(new URL(server.url).port);
    console.log(/connections: [^\n]*/.exec(server.output())?.[0] ?? '');
    console.log(`baseline:               ${show(await measure(server.url, 5))}`);
    const many = Array.from({ length: 200 }, (_, i) => `127.0.1.${i + 1}`);
    for (const [label, addresses, reopen] of [
      ['127.0.0.2, opened once', ['127.0.0.2'], false],
      ['127.0.0.2, reopened as closed', ['127.0.0.2'], true],
      ['200 addresses, reopened as closed', many, true],
    ] as const) {
      const attack = flood(port, [...addresses], reopen);
      const during = await measure(server.url, SECONDS - 5);
      console.log(`20,000 idle from ${label}: ${show(during)}`);
      console.log(`  attacker: ${await attack.done}`);
    }
    const warned = server.output().match(/connections at their cap[^\n]*/g) ?? [];
    console.log(`server warnings: ${warned.length ? warned.join(' | ') : 'none'}`);
  } finally {
    killAll([server.child]);
  }
}
