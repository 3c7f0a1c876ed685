import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TEST_SECRET } from './server.js';
import { tempAuditPath } from './temp.js';

const SERVER = fileURLToPath(new URL('../../dist/main/server.js', import.meta.url));

type Exit = { code: number | null; signal: NodeJS.Signals | null };

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<Exit>;
  /** Resolves once a line of the log matches; rejects when the process exits first or after `timeoutMs`. */
  logged(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/**
 * Variables of the server process, over a minimal environment: a test key, any free port on
 * loopback, the shared engine, its own audit trail. `undefined` leaves a variable out (no key:
 * a development run).
 */
export type ServerEnv = Record<string, string | undefined>;

/** The real headless entry point, as `npm start` runs it (after `npm run build`), its output read as it comes. */
function startServer(env: ServerEnv): Omit<ServerProcess, 'url'> {
  assert.ok(existsSync(SERVER), 'dist/main/server.js is missing: run "npm run build" first');
  const child = spawn(process.execPath, [SERVER], {
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      PORT: '0',
      HOST: '127.0.0.1',
      JWT_SECRET_KEY: TEST_SECRET,
      LOG_LEVEL: 'info',
      DOCKER_HOST: 'unix:///var/run/docker.sock',
      AUDIT_LOG_PATH: tempAuditPath(),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const w of [...waiters]) {
      if (w.pattern.test(output)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const logged = (pattern: RegExp, timeoutMs = 30_000) =>
    new Promise<void>((resolve, reject) => {
      if (pattern.test(output)) return resolve();
      const timer = setTimeout(() => reject(new Error(`server did not log ${pattern} within ${timeoutMs} ms:\n${output}`)), timeoutMs);
      waiters.push({
        pattern,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`server exited before logging ${pattern}:\n${output}`));
      });
    });
  return { child, output: () => output, exited, logged };
}

/** The server once it listens (its log says where); it is killed if it does not get there. */
export async function spawnServer(env: ServerEnv = {}): Promise<ServerProcess> {
  const server = startServer(env);
  // Needs LOG_LEVEL info or lower: the address is announced at info.
  await server.logged(/listening on http:\/\/127\.0\.0\.1:\d+/).catch((err: unknown) => {
    server.child.kill('SIGKILL');
    throw err;
  });
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(server.output())?.[1] ?? '';
  return { ...server, url };
}

/** Runs the server until it exits by itself, or kills it (SIGKILL) after a generous bound: for a start that must fail. */
export function runServer(env: ServerEnv, boundMs = 20_000): Promise<{ code: number | null; output: string }> {
  const { child, output, exited } = startServer(env);
  const killer = setTimeout(() => child.kill('SIGKILL'), boundMs);
  return new Promise((resolve, reject) => {
    child.once('error', (err) => {
      clearTimeout(killer);
      reject(err);
    });
    void exited.then(({ code }) => {
      clearTimeout(killer);
      resolve({ code, output: output() });
    });
  });
}

/** Kills what is still running (SIGKILL): for `after` hooks, which must clean up also on failure. */
export function killAll(children: ChildProcess[]): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
