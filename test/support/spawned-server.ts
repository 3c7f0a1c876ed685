import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TEST_SECRET } from './server.js';
import { tempAuditPath } from './temp.js';

const SERVER = fileURLToPath(new URL('../../dist/main/server.js', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once a line of the log matches; rejects when the process exits first or after `timeoutMs`. */
  logged(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/** The real headless entry point, as `npm start` runs it (after `npm run build`). */
export async function spawnServer(env: Record<string, string> = {}): Promise<ServerProcess> {
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
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
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
  // Needs LOG_LEVEL info or lower: the address is announced at info.
  await logged(/listening on http:\/\/127\.0\.0\.1:\d+/).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
  return { child, url, output: () => output, exited, logged };
}

/** Kills what is still running (SIGKILL): for `after` hooks, which must clean up also on failure. */
export function killAll(children: ChildProcess[]): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
