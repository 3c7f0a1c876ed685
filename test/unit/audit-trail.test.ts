import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/main/config/env.js';
import { auditLocations } from '../../src/main/audit/location.js';
import { AuditTrail, unauthenticatedPath } from '../../src/main/audit/trail.js';
import type { AuditEntry } from '../../src/shared/schemas/audit.js';
import { captureLogger } from '../support/logger.js';
import { tempDir } from '../support/temp.js';

function entry(n: number, sub: string | null = 'alice'): AuditEntry {
  return {
    time: new Date(Date.UTC(2030, 0, 1, 0, 0, 0, n)).toISOString(),
    sub,
    role: sub === null ? null : 'admin',
    transport: 'rest',
    operation: 'containers.stop',
    target: `container-${n}`,
    result: 'ok',
    code: null,
    durationMs: 1.5,
    client: '127.0.0.1',
    requestId: `req-${n}`,
  };
}

const open = (path: string, maxBytes = 1024 * 1024, maxFiles = 5) =>
  AuditTrail.open({ locations: [{ path, shared: false }], maxBytes, maxFiles, logger: captureLogger() });

describe('audit trail', () => {
  it('appends one JSON line per entry, private to its owner, and reads them back newest first', async () => {
    const path = join(tempDir(), 'nested', 'audit.log');
    const trail = open(path);
    for (let n = 1; n <= 5; n++) trail.record(entry(n, n % 2 ? 'alice' : 'bob'));
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 5);
    assert.deepEqual(JSON.parse(lines[0]!), entry(1));
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const all = await trail.list({ limit: 100 });
    assert.deepEqual(all.entries.map((e) => e.requestId), ['req-5', 'req-4', 'req-3', 'req-2', 'req-1']);
    assert.equal((await trail.list({ limit: 2 })).entries.length, 2);
    assert.deepEqual((await trail.list({ limit: 100, sub: 'bob' })).entries.map((e) => e.requestId), ['req-4', 'req-2']);
    const since = (await trail.list({ limit: 100, since: entry(3).time })).entries;
    assert.deepEqual(since.map((e) => e.requestId), ['req-5', 'req-4', 'req-3']);
    const sinceUnix = (await trail.list({ limit: 100, since: Date.parse(entry(4).time) / 1000 })).entries;
    assert.deepEqual(sinceUnix.map((e) => e.requestId), ['req-5', 'req-4']);
    trail.close();
  });

  it('reads entries of one millisecond back in the order they were written, across both files', async () => {
    const trail = open(join(tempDir(), 'audit.log'));
    const sameMs = (n: number, sub: string | null) => ({ ...entry(7, sub), requestId: `req-${n}` });
    trail.record(sameMs(1, null));
    trail.record(sameMs(2, 'alice'));
    trail.record(sameMs(3, null));
    trail.record(sameMs(4, 'alice'));
    const listed = (await trail.list({ limit: 100 })).entries;
    assert.deepEqual(listed.map((e) => e.requestId), ['req-4', 'req-3', 'req-2', 'req-1']);
    const times = listed.map((e) => Date.parse(e.time));
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'times descend as the entries do');
    assert.ok(times.every((time) => time - Date.parse(entry(7).time) <= 3), 'a tie moves a time by a millisecond, no more');
    trail.close();
  });

  it('writes nothing once closed, not even into a file that took over its descriptor number', () => {
    const dir = tempDir();
    const path = join(dir, 'audit.log');
    const logger = captureLogger();
    const trail = AuditTrail.open({ locations: [{ path, shared: false }], maxBytes: 1024 * 1024, maxFiles: 5, logger });
    trail.record(entry(1));
    trail.close();
    // Descriptors are reused lowest first: these take the numbers the trail's two files had.
    const others = [join(dir, 'other-1'), join(dir, 'other-2')];
    const fds = others.map((other) => openSync(other, 'w'));
    try {
      trail.record(entry(2));
      trail.record(entry(3, null));
    } finally {
      fds.forEach((fd) => closeSync(fd));
    }
    for (const other of others) assert.equal(readFileSync(other, 'utf8'), '', `${other} untouched`);
    assert.equal(readFileSync(path, 'utf8').trimEnd().split('\n').length, 1, 'the trail itself keeps its one line');
    assert.ok(logger.lines.some((l) => l.level === 'error' && /write failed/.test(l.text)), 'the lost entries are reported');
  });

  it('keeps the entries across a reopen and skips a line cut short by a crash', async () => {
    const path = join(tempDir(), 'audit.log');
    const first = open(path);
    first.record(entry(1));
    first.record(entry(2));
    first.close();
    appendFileSync(path, '{"time":"2030-01-01T00:00:00.003Z","sub":"al');
    const second = open(path);
    second.record(entry(4));
    assert.deepEqual((await second.list({ limit: 10 })).entries.map((e) => e.requestId), ['req-4', 'req-2', 'req-1']);
    second.close();
  });

  it('rotates by size, keeps the configured number of old files, and lists across them', async () => {
    const path = join(tempDir(), 'audit.log');
    const trail = open(path, 4096, 2);
    const lineBytes = Buffer.byteLength(`${JSON.stringify(entry(100))}\n`);
    const count = 100;
    for (let n = 1; n <= count; n++) trail.record(entry(n));
    assert.ok(existsSync(`${path}.1`) && existsSync(`${path}.2`));
    assert.equal(existsSync(`${path}.3`), false, 'the oldest file was dropped');
    for (const file of [path, `${path}.1`, `${path}.2`]) assert.ok(statSync(file).size <= 4096, file);
    const kept = (await trail.list({ limit: 1000 })).entries;
    const perFile = Math.floor(4096 / lineBytes);
    assert.ok(kept.length > 2 * perFile && kept.length <= 3 * perFile, `${kept.length} entries kept`);
    const expected = Array.from({ length: kept.length }, (_, i) => `req-${count - i}`);
    assert.deepEqual(kept.map((e) => e.requestId), expected, 'contiguous, newest first');
    trail.close();
  });

  it('falls back to the next location with a warning when one cannot be written', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'not-a-dir'), '');
    const logger = captureLogger();
    const fallback = join(dir, 'private', 'audit.log');
    const trail = AuditTrail.open({
      locations: [
        { path: join(dir, 'not-a-dir', 'audit.log'), shared: false },
        { path: fallback, shared: true },
      ],
      maxBytes: 4096,
      maxFiles: 1,
      logger,
    });
    assert.equal(trail.path, fallback);
    assert.ok(logger.lines.some((l) => l.level === 'warn' && l.text.includes('not-a-dir')));
    assert.ok(logger.lines.some((l) => l.level === 'warn' && l.text.includes('AUDIT_LOG_PATH')));
    trail.record(entry(1));
    assert.equal((await trail.list({ limit: 5 })).entries.length, 1);
    trail.close();
  });

  it('refuses a shared location whose directory others can write, and ends in memory without failing', async () => {
    const dir = tempDir();
    const open = join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const logger = captureLogger();
    const trail = AuditTrail.open({
      locations: [{ path: join(open, 'audit.log'), shared: true }],
      maxBytes: 4096,
      maxFiles: 1,
      logger,
    });
    assert.equal(trail.path, null);
    assert.equal(existsSync(join(open, 'audit.log')), false, 'nothing written into the planted directory');
    assert.ok(logger.lines.some((l) => l.level === 'error' && l.text.includes('memory')));
    trail.record(entry(1));
    trail.record(entry(2));
    assert.deepEqual((await trail.list({ limit: 5 })).entries.map((e) => e.requestId), ['req-2', 'req-1']);
    trail.close();
  });
});

describe('audit trail: refusals without a subject', () => {
  it('go to a file of their own, so that a flood of them cannot rotate a control entry away', async () => {
    const path = join(tempDir(), 'audit.log');
    const trail = open(path, 4096, 1);
    trail.record(entry(1));
    const stamp = (n: number) => ({ ...entry(n, null), operation: 'containers.list', result: 'denied' as const, code: 'UNAUTHENTICATED' as const });
    for (let n = 2; n <= 200; n++) trail.record(stamp(n));
    trail.record(entry(201, 'bob'));
    assert.equal(unauthenticatedPath(path), join(dirname(path), 'audit.unauthenticated.log'));
    assert.ok(existsSync(`${unauthenticatedPath(path)}.1`), 'the anonymous file rotated');
    assert.deepEqual(
      readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l).requestId),
      ['req-1', 'req-201'],
      'the main file holds the entries of known subjects only',
    );
    const listed = (await trail.list({ limit: 1000 })).entries;
    assert.equal(listed[0]?.requestId, 'req-201');
    assert.equal(listed.at(-1)?.requestId, 'req-1', 'the control entry survived');
    const times = listed.map((e) => Date.parse(e.time));
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'both files merged newest first');
    assert.deepEqual((await trail.list({ limit: 10, sub: 'alice' })).entries.map((e) => e.requestId), ['req-1']);
    assert.equal((await trail.list({ limit: 1000, since: entry(195).time })).entries.length, 7);
    trail.close();
  });

  it('have an unauthenticated name beside any trail file', () => {
    assert.equal(unauthenticatedPath('/var/lib/x/audit.jsonl'), '/var/lib/x/audit.unauthenticated.jsonl');
    assert.equal(unauthenticatedPath('/var/lib/x/trail'), '/var/lib/x/trail.unauthenticated');
  });
});

describe('audit trail: ownership and modes', () => {
  const asRoot = process.getuid?.() === 0 ? false : 'chown needs root';
  const NOBODY = 65534;

  function openAt(path: string) {
    const logger = captureLogger();
    const trail = AuditTrail.open({ locations: [{ path, shared: false }], maxBytes: 4096, maxFiles: 2, logger });
    return { trail, logger };
  }

  it('refuses an operator-chosen directory that group or others can write, ending in memory with an error', async () => {
    for (const mode of [0o777, 0o770, 0o1777]) {
      const dir = join(tempDir(), 'logs');
      mkdirSync(dir);
      chmodSync(dir, mode);
      const { trail, logger } = openAt(join(dir, 'audit.log'));
      assert.equal(trail.path, null, mode.toString(8));
      assert.equal(existsSync(join(dir, 'audit.log')), false, 'nothing written there');
      assert.ok(logger.lines.some((l) => l.level === 'warn' && l.text.includes('writable by group or others')), mode.toString(8));
      assert.ok(logger.lines.some((l) => l.level === 'error' && l.text.includes('memory')));
      trail.close();
    }
  });

  it('refuses an existing trail file that group or others can write', () => {
    const path = join(tempDir(), 'audit.log');
    writeFileSync(path, '');
    chmodSync(path, 0o666);
    const { trail, logger } = openAt(path);
    assert.equal(trail.path, null);
    assert.ok(logger.lines.some((l) => l.text.includes(`${path} is writable by group or others`)));
    trail.close();
  });

  it('refuses a directory or a trail file that belongs to another user', { skip: asRoot }, () => {
    const dir = join(tempDir(), 'theirs');
    mkdirSync(dir, { mode: 0o755 });
    chownSync(dir, NOBODY, NOBODY);
    const inTheirs = openAt(join(dir, 'audit.log'));
    assert.equal(inTheirs.trail.path, null);
    assert.ok(inTheirs.logger.lines.some((l) => l.text.includes(`belongs to uid ${NOBODY}`)));
    inTheirs.trail.close();

    const path = join(tempDir(), 'audit.log');
    writeFileSync(path, `${JSON.stringify(entry(1, 'planted'))}\n`, { mode: 0o600 });
    chownSync(path, NOBODY, NOBODY);
    const planted = openAt(path);
    assert.equal(planted.trail.path, null);
    assert.ok(planted.logger.lines.some((l) => l.text.includes(`${path} belongs to uid ${NOBODY}`)));
    planted.trail.close();
  });

  it('skips a rotated file that belongs to another user when reading', { skip: asRoot }, async () => {
    const path = join(tempDir(), 'audit.log');
    const { trail, logger } = openAt(path);
    trail.record(entry(5));
    writeFileSync(`${path}.1`, `${JSON.stringify(entry(1, 'forged'))}\n`, { mode: 0o600 });
    chownSync(`${path}.1`, NOBODY, NOBODY);
    writeFileSync(`${path}.2`, `${JSON.stringify(entry(0, 'ours'))}\n`, { mode: 0o600 });
    assert.deepEqual((await trail.list({ limit: 10 })).entries.map((e) => e.sub), ['alice', 'ours']);
    assert.ok(logger.lines.some((l) => l.level === 'warn' && l.text.includes(`skipping ${path}.1`)));
    trail.close();
  });
});

describe('audit trail location', () => {
  const config = (env: Record<string, string>) => loadConfig({ JWT_SECRET_KEY: 'x'.repeat(32), ...env });

  it('uses AUDIT_LOG_PATH alone when set', () => {
    assert.deepEqual(auditLocations(config({ AUDIT_LOG_PATH: '/var/log/lucid/audit.log' })), [
      { path: '/var/log/lucid/audit.log', shared: false },
    ]);
  });

  it('prefers the app data directory, then the XDG state directory, then a private temporary one', () => {
    const [electron] = auditLocations(config({}), '/home/u/.config/Lucid');
    assert.equal(electron?.path, '/home/u/.config/Lucid/audit.log');
    const [headless, temporary] = auditLocations(config({ XDG_STATE_HOME: '/srv/state' }));
    assert.deepEqual(headless, { path: '/srv/state/lucid-docker-manager/audit.log', shared: false });
    assert.equal(temporary?.shared, true);
    assert.match(temporary?.path ?? '', /lucid-docker-manager-\d+\/audit\.log$/);
  });
});
