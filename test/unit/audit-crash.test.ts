import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { foldStorePath } from '../../src/main/audit/fold-store.js';
import { AuditRecorder } from '../../src/main/audit/recorder.js';
import { AuditTrail } from '../../src/main/audit/trail.js';
import { describeCall, type SettledCall } from '../../src/main/core/manager.js';
import { LucidError } from '../../src/shared/errors.js';
import type { AuditEntry, AuditResult } from '../../src/shared/schemas/audit.js';
import { captureLogger } from '../support/logger.js';
import { tempDir } from '../support/temp.js';
import { sleep } from '../support/sleep.js';

function entry(requestId: string, result: AuditResult, ms: number, target = `c-${requestId}`): AuditEntry {
  return {
    time: new Date(Date.UTC(2030, 0, 1, 0, 0, 0, ms)).toISOString(),
    sub: 'alice',
    role: 'admin',
    transport: 'rest',
    operation: 'containers.stop',
    target,
    result,
    code: null,
    durationMs: 0,
    client: '127.0.0.1',
    requestId,
  };
}

const open = (path: string, logger = captureLogger()) =>
  AuditTrail.open({ locations: [{ path, shared: false }], maxBytes: 1024 * 1024, maxFiles: 5, logger });

const lines = (path: string): AuditEntry[] =>
  readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as AuditEntry);

describe('audit trail across a crash', () => {
  it('writes an interrupted line at start for each intent a killed run left without an outcome', async () => {
    const path = join(tempDir(), 'audit.log');
    const before = [
      entry('a', 'started', 1),
      entry('a', 'ok', 2),
      entry('b', 'started', 3),
      entry('c', 'started', 4),
      entry('c', 'failed', 5),
      // An IPC id used again by a later run: this intent is not the one `a`'s outcome answered.
      entry('a', 'started', 6, 'c-a-again'),
    ];
    writeFileSync(path, before.map((e) => JSON.stringify(e)).join('\n') + '\n', { mode: 0o600 });
    const logger = captureLogger();
    const trail = open(path, logger);
    const written = lines(path).slice(before.length);
    assert.deepEqual(
      written.map((e) => [e.requestId, e.result, e.code, e.target, e.sub]),
      [
        ['b', 'interrupted', 'SHUTTING_DOWN', 'c-b', 'alice'],
        ['a', 'interrupted', 'SHUTTING_DOWN', 'c-a-again', 'alice'],
      ],
    );
    assert.ok(logger.lines.some((l) => l.level === 'warn' && /2 control call\(s\) in flight/.test(l.text)));
    trail.close();
    // Recovered once: the next start finds every intent answered.
    open(path).close();
    assert.equal(lines(path).length, before.length + 2);
  });

  it('lists an intent only while its outcome has not followed', async () => {
    const path = join(tempDir(), 'audit.log');
    const trail = open(path);
    await trail.recordDurable(entry('x', 'started', 1));
    await trail.recordDurable(entry('y', 'started', 2));
    trail.record(entry('x', 'ok', 3));
    const listed = await trail.list({ limit: 100 });
    assert.deepEqual(listed.entries.map((e) => [e.requestId, e.result]), [
      ['x', 'ok'],
      ['y', 'started'],
    ]);
    assert.equal(lines(path).length, 3, 'the file keeps both lines of x');
    trail.close();
  });

  it('keeps the counts of folded refusals on disk, and the next run writes their summary', async () => {
    const dir = tempDir();
    const path = join(dir, 'audit.log');
    const first = open(path);
    assert.ok(first.folds);
    const recorder = new AuditRecorder(first, Date.now, first.folds);
    const limited = (n: number): SettledCall => ({
      name: 'containers.list',
      op: describeCall('containers.list'),
      meta: { credentials: async () => null, client: '192.0.2.7', transport: 'rest', requestId: `flood-${n}` },
      identity: null,
      target: undefined,
      host: undefined,
      error: new LucidError('RATE_LIMITED', 'slow down', { policy: 'read', limit: 3, windowSeconds: 60, retryAfterSeconds: 50 }),
      failures: 0,
      durationMs: 1,
      interrupted: false,
    });
    for (let n = 1; n <= 12; n++) recorder.settled(limited(n));
    const store = foldStorePath(path);
    // Saved within a second of the last refusal, without the window ending.
    const deadline = Date.now() + 5000;
    while (!existsSync(store) && Date.now() < deadline) await sleep(100);
    assert.ok(existsSync(store), 'the counts reached the disk');
    // What a kill -9 leaves: the file as it is now. (Closing writes the summary and drops the file.)
    copyFileSync(store, `${store}.crash`);
    recorder.close();
    first.close();
    assert.equal(existsSync(store), false);
    copyFileSync(`${store}.crash`, store);

    const unauthenticated = join(dir, 'audit.unauthenticated.log');
    const linesBefore = lines(unauthenticated).length;
    const second = open(path);
    const next = new AuditRecorder(second, Date.now, second.folds);
    const summaries = lines(unauthenticated).slice(linesBefore);
    assert.deepEqual(
      summaries.map((e) => [e.result, e.suppressed, e.code, e.requestId, e.client]),
      [['suppressed', 11, 'RATE_LIMITED', 'flood-1', '192.0.2.7']],
    );
    assert.equal(existsSync(store), false, 'written once: the next start finds nothing left');
    next.close();
    second.close();
  });
});
