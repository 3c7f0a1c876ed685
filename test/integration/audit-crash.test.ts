import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { foldStorePath } from '../../src/main/audit/fold-store.js';
import { unauthenticatedPath } from '../../src/main/audit/trail.js';
import { mintToken } from '../../src/main/auth/tokens.js';
import type { AuditEntry } from '../../src/shared/schemas/audit.js';
import { createTestContainer, docker, removeRunContainers, requireEngine, RUN_ID } from '../support/engine.js';
import { waitFor } from '../support/eventually.js';
import { TEST_SECRET } from '../support/server.js';
import { killAll, spawnServer, type ServerProcess } from '../support/spawned-server.js';
import { tempAuditPath } from '../support/temp.js';
import { sleep } from '../support/sleep.js';

const CRASHES = 5;
const WORKERS = 4;
/** Marks this file's containers, so that the engine's event stream names only them. */
const LABEL = `lucid.test.audit-crash=${RUN_ID}`;

function readTrail(path: string): AuditEntry[] {
  return [path, `${path}.1`, unauthenticatedPath(path)]
    .filter((file) => existsSync(file))
    .flatMap((file) => readFileSync(file, 'utf8').split('\n'))
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditEntry);
}

/**
 * Follows the engine's start, stop and restart events of this file's containers from now on. Live,
 * not read back with `since`: the engine keeps only its last 256 events, and the other suites
 * running beside this one make plenty.
 */
async function followEngineActions(): Promise<{ actions: { id: string; action: string }[]; stop(): void }> {
  const stream = (await docker.getEvents({
    filters: { type: ['container'], label: [LABEL], event: ['start', 'stop', 'restart'] },
  })) as NodeJS.ReadableStream & { destroy(): void };
  const actions: { id: string; action: string }[] = [];
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines.filter(Boolean)) {
      const event = JSON.parse(line) as { Action: string; Actor: { ID: string } };
      actions.push({ id: event.Actor.ID, action: event.Action });
    }
  });
  return { actions, stop: () => stream.destroy() };
}

/** Stops and starts one container over and over through the API until the server goes away. */
async function churn(server: ServerProcess, token: string, id: string): Promise<void> {
  // `start` declares no body and refuses one: only `stop` sends JSON.
  const post = (action: string, body?: unknown) =>
    fetch(`${server.url}/api/v1/containers/${id}/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  // Bounded: the server is killed within seconds, and each round takes over a second.
  for (let round = 0; round < 30; round++) {
    try {
      await (await post('stop', { timeout: 1 })).body?.cancel();
      await (await post('start')).body?.cancel();
    } catch {
      return; // the server was killed
    }
  }
}

describe('audit trail under kill -9', () => {
  const spawned: ChildProcess[] = [];
  const stops: (() => void)[] = [];

  before(requireEngine);

  after(async () => {
    killAll(spawned);
    for (const stop of stops) stop();
    await removeRunContainers();
  });

  it('has a line for every start and stop Docker performed, however often the manager is killed mid-call', async (t) => {
    const containers: Docker.Container[] = [];
    for (let i = 0; i < WORKERS; i++) {
      // Ignores SIGTERM: each stop takes its whole one-second grace, so calls are in flight at a kill.
      containers.push(
        await createTestContainer({
          cmd: ['sh', '-c', 'trap "" TERM; while :; do sleep 1; done'],
          stopSignal: 'SIGTERM',
          labels: { 'lucid.test.audit-crash': RUN_ID },
        }),
      );
    }
    const names = new Map<string, string>();
    for (const c of containers) names.set((await c.inspect()).Name.slice(1), c.id);
    const token = await mintToken({ secret: TEST_SECRET, sub: 'crash-test', role: 'admin', ttlSeconds: 600, audience: 'gui-docker-manager' });
    const auditPath = tempAuditPath();
    const engine = await followEngineActions();
    stops.push(engine.stop);

    for (let crash = 0; crash < CRASHES; crash++) {
      const server = await spawnServer({ AUDIT_LOG_PATH: auditPath, RATE_LIMIT_CONTROL_PER_MINUTE: '0' });
      spawned.push(server.child);
      const workers = containers.map((c) => churn(server, token, c.id));
      await sleep(1500 + Math.random() * 1500);
      server.child.kill('SIGKILL');
      assert.equal((await server.exited).signal, 'SIGKILL');
      await Promise.all(workers);
    }
    // The next start finds the intents the last kill left; then a clean stop.
    const last = await spawnServer({ AUDIT_LOG_PATH: auditPath });
    spawned.push(last.child);
    last.child.kill('SIGTERM');
    assert.deepEqual(await last.exited, { code: 0, signal: null }, last.output());
    // Stops the kills cut short may still be finishing in the engine.
    await sleep(2500);
    engine.stop();
    const performed = engine.actions;
    const trail = readTrail(auditPath).filter((e) => e.sub === 'crash-test' && e.result !== 'started');
    const idOf = (target: string | null) => (target === null ? undefined : (names.get(target) ?? target));
    const recorded = new Map<string, number>();
    for (const entry of trail) {
      const key = `${idOf(entry.target)} ${entry.operation.replace('containers.', '')}`;
      recorded.set(key, (recorded.get(key) ?? 0) + 1);
    }
    const done = new Map<string, number>();
    for (const { id, action } of performed) done.set(`${id} ${action}`, (done.get(`${id} ${action}`) ?? 0) + 1);
    const missing = [...done].map(([key, count]) => [key, count - (recorded.get(key) ?? 0)] as const).filter(([, n]) => n > 0);
    const interrupted = trail.filter((e) => e.result === 'interrupted').length;
    t.diagnostic(
      `${CRASHES} kills: ${performed.length} start/stop actions by the engine, ${trail.length} outcome lines ` +
        `(${interrupted} interrupted), ${missing.reduce((sum, [, n]) => sum + n, 0)} actions without a line`,
    );
    assert.ok(performed.length >= CRASHES * WORKERS, 'the loops made the engine act');
    assert.deepEqual(missing, [], 'every action the engine performed has an audit line');
    assert.ok(interrupted > 0, 'some calls were in flight at a kill, and the next start recorded them');
    for (const entry of trail.filter((e) => e.result === 'interrupted')) assert.equal(entry.code, 'SHUTTING_DOWN');
  });

  it('keeps the count of folded refusals across kill -9, and the next start writes the summary', async () => {
    const auditPath = tempAuditPath();
    const env = { AUDIT_LOG_PATH: auditPath, RATE_LIMIT_PER_MINUTE: '3' };
    const server = await spawnServer(env);
    spawned.push(server.child);
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) {
      const res = await fetch(`${server.url}/api/v1/containers`);
      await res.body?.cancel();
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, [...Array(3).fill(401), ...Array(12).fill(429)]);
    // Saved on the recorder's sweep: wait until the save holds all eleven, not just the first ones.
    await waitFor('the fold counts on disk', 10_000, () => savedFoldCount(auditPath) === 11);
    server.child.kill('SIGKILL');
    await server.exited;
    assert.equal(readTrail(auditPath).filter((e) => e.result === 'suppressed').length, 0, 'the killed run wrote no summary');

    const next = await spawnServer(env);
    spawned.push(next.child);
    next.child.kill('SIGTERM');
    await next.exited;
    const summaries = readTrail(auditPath).filter((e) => e.result === 'suppressed');
    assert.deepEqual(
      summaries.map((e) => [e.code, e.suppressed, e.operation]),
      [['RATE_LIMITED', 11, 'containers.list']],
      'one RATE_LIMITED line was written, the 11 after it are counted',
    );
  });
});

/** The repeats the fold store on disk holds, over all its windows (0 while there is no file). */
function savedFoldCount(auditPath: string): number {
  if (!existsSync(foldStorePath(auditPath))) return 0;
  try {
    const saved = JSON.parse(readFileSync(foldStorePath(auditPath), 'utf8')) as { windows: { count: number }[] };
    return saved.windows.reduce((sum, window) => sum + window.count, 0);
  } catch {
    return 0;
  }
}
