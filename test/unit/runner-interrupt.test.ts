import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { AuditRecorder } from '../../src/main/audit/recorder.js';
import type { Handlers } from '../../src/main/core/handlers.js';
import { OperationRunner, type CallMeta, type SettledCall } from '../../src/main/core/manager.js';
import type { Identity } from '../../src/main/model/context.js';
import { LucidError } from '../../src/shared/errors.js';
import type { AuditEntry } from '../../src/shared/schemas/audit.js';

const ADMIN: Identity = { sub: 'interrupted-admin', role: 'admin' };
const ID = 'a'.repeat(64);

/** A stop whose handler waits until the test lets it return, as one waiting on Docker would. */
function setup() {
  const settled: SettledCall[] = [];
  const lines: AuditEntry[] = [];
  const recorder = new AuditRecorder({ record: (entry) => lines.push(entry), recordDurable: async (entry) => void lines.push(entry) });
  let entered!: () => void;
  const inHandler = new Promise<void>((resolve) => (entered = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const handlers = {
    'containers.list': async () => {
      await released;
      return { containers: [], total: 0 };
    },
    'containers.stop': async (_input: unknown, ctx: { target: string | undefined }) => {
      ctx.target = 'lucid-api';
      entered();
      await released;
      return { id: ID, name: 'lucid-api', state: 'exited', changed: true };
    },
  } as unknown as Handlers;
  const runner = new OperationRunner(handlers, [recorder, { settled: (call) => settled.push(call) }]);
  const meta = (identity: Identity | null): CallMeta => ({
    credentials: async () => identity,
    client: '192.0.2.9',
    transport: 'rest',
    requestId: `req-${Math.random()}`,
  });
  return { runner, recorder, settled, lines, inHandler, release, meta };
}

describe('calls in flight when the manager shuts down', () => {
  const recorders: AuditRecorder[] = [];
  after(() => recorders.forEach((recorder) => recorder.close()));

  it('settles an admitted call still running once, as interrupted, and not again when it returns', async () => {
    const { runner, recorder, settled, lines, inHandler, release, meta } = setup();
    recorders.push(recorder);
    const read = runner.run('containers.list', {}, meta(ADMIN));
    const call = runner.run('containers.stop', { id: ID, timeout: 30 }, meta(ADMIN));
    await inHandler;
    assert.equal(runner.interruptInFlight(), 1, 'the control call only: a read changes nothing');
    assert.deepEqual(
      settled.map((c) => [c.name, c.interrupted, c.error?.code, c.target, c.identity?.sub]),
      [['containers.stop', true, 'SHUTTING_DOWN', 'lucid-api', ADMIN.sub]],
    );
    assert.deepEqual(
      lines.map((e) => [e.operation, e.result, e.code, e.sub, e.target]),
      [
        ['containers.stop', 'started', null, ADMIN.sub, ID],
        ['containers.stop', 'interrupted', 'SHUTTING_DOWN', ADMIN.sub, 'lucid-api'],
      ],
    );
    release();
    assert.equal(((await call) as { state: string }).state, 'exited', 'the handler itself was not stopped');
    await read;
    assert.deepEqual(
      settled.map((c) => [c.name, c.interrupted, c.error?.code ?? null]),
      [
        ['containers.stop', true, 'SHUTTING_DOWN'],
        ['containers.list', false, null],
      ],
      'the late return of the stop is not reported again; the read settles as it ends',
    );
    assert.equal(lines.length, 2);
    assert.equal(runner.interruptInFlight(), 0);
  });

  it('leaves nothing in flight after calls that ended, refused or not', async () => {
    const { runner, recorder, settled, lines, release, meta } = setup();
    recorders.push(recorder);
    release();
    await runner.run('containers.stop', { id: ID }, meta(ADMIN));
    await assert.rejects(runner.run('containers.stop', { id: ID }, meta(null)), /authentication required/);
    await assert.rejects(runner.run('containers.stop', { id: 'not an id!' }, meta(ADMIN)), LucidError);
    assert.equal(runner.interruptInFlight(), 0);
    assert.deepEqual(
      settled.map((c) => [c.interrupted, c.error?.code ?? null]),
      [
        [false, null],
        [false, 'UNAUTHENTICATED'],
        [false, 'VALIDATION_FAILED'],
      ],
    );
    // Only the call that reached its handler wrote an intent: a refused one never asks Docker.
    assert.deepEqual(lines.map((e) => e.result), ['started', 'ok', 'denied', 'failed']);
  });
});
