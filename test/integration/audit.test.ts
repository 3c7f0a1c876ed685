import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { unauthenticatedPath } from '../../src/main/audit/trail.js';
import { TRANSPORTS, type OperationClient } from '../support/clients.js';
import { removeRunContainers, requireEngine, sleeper, stateOf } from '../support/engine.js';
import { startTestServer } from '../support/server.js';
import { tempAuditPath } from '../support/temp.js';

/**
 * What must be true of the trail's files whatever was recorded: JSON lines, and never a token.
 * The lines of both files (known subjects, then refusals without one).
 */
function assertCleanFile(path: string, secrets: string[] = []): unknown[] {
  const text = [path, unauthenticatedPath(path)].filter((file) => existsSync(file)).map((file) => readFileSync(file, 'utf8')).join('');
  assert.equal(text.includes('eyJ'), false, 'no JWT (every JWT starts with eyJ) in the audit file');
  for (const secret of secrets) assert.equal(text.includes(secret), false, 'no token text in the audit file');
  return text.trimEnd().split('\n').map((line) => JSON.parse(line));
}

for (const transport of TRANSPORTS) {
  describe(`audit trail over ${transport.name}`, () => {
    const path = tempAuditPath();
    let client: OperationClient;
    let c: Docker.Container;
    let name: string;
    const sub = (role: string) => `${transport.name === 'rest' ? 'test' : 'ipc'}-${role}`;
    // Each IPC window signs in on its first call, and a good sign-in is an entry of its own.
    const ipc = transport.name === 'ipc';
    const signIn = (role: string) => (ipc ? [['auth.setToken', 'ok', null, sub(role), role, null]] : []);
    const signIns = ipc ? 3 : 0;

    before(async () => {
      await requireEngine();
      client = await transport.start({ AUDIT_LOG_PATH: path });
      c = await sleeper({ 'lucid.service.group': 'support' });
      name = (await c.inspect()).Name.slice(1);
    });

    after(async () => {
      await removeRunContainers();
      await client?.close();
    });

    it('records control operations and refusals, not plain reads, newest first', async () => {
      assert.equal((await client.call('containers.stop', { id: c.id, timeout: 0 }, 'admin')).ok, true);
      assert.equal(await stateOf(c), 'exited');
      const refusals = [
        ['containers.start', { id: c.id }, 'user', 'FORBIDDEN'],
        ['containers.start', { id: c.id }, 'developer', 'FORBIDDEN'],
        ['containers.start', { id: c.id }, null, 'UNAUTHENTICATED'],
        ['containers.list', {}, null, 'UNAUTHENTICATED'],
        ['audit.list', {}, 'developer', 'FORBIDDEN'],
      ] as const;
      for (const [op, input, role, code] of refusals) {
        const outcome = await client.call(op, input, role);
        assert.equal(!outcome.ok && outcome.code, code, `${op} as ${role}`);
      }
      assert.equal(await stateOf(c), 'exited', 'the refused starts did nothing');
      assert.equal((await client.call('containers.list', {}, 'user')).ok, true);
      const failed = await client.call('containers.stop', { id: c.id, timeout: -1 }, 'admin');
      assert.equal(!failed.ok && failed.code, 'VALIDATION_FAILED');

      const listed = await client.call('audit.list', { limit: 100 }, 'admin');
      assert.equal(listed.ok, true);
      if (!listed.ok) return;
      const got = listed.data.entries.map((e: any) => [e.operation, e.result, e.code, e.sub, e.role, e.target]);
      assert.deepEqual(got, [
        ['containers.stop', 'failed', 'VALIDATION_FAILED', sub('admin'), 'admin', null],
        ['audit.list', 'denied', 'FORBIDDEN', sub('developer'), 'developer', null],
        ['containers.list', 'denied', 'UNAUTHENTICATED', null, null, null],
        ['containers.start', 'denied', 'UNAUTHENTICATED', null, null, c.id],
        ['containers.start', 'denied', 'FORBIDDEN', sub('developer'), 'developer', name],
        ...signIn('developer'),
        ['containers.start', 'denied', 'FORBIDDEN', sub('user'), 'user', c.id],
        ...signIn('user'),
        ['containers.stop', 'ok', null, sub('admin'), 'admin', name],
        ...signIn('admin'),
      ]);
      for (const entry of listed.data.entries) {
        assert.equal(entry.transport, transport.name);
        assert.ok(entry.durationMs >= 0);
        assert.ok(entry.client.length > 0);
        assert.ok(entry.requestId.length > 0);
      }
      const times = listed.data.entries.map((e: any) => Date.parse(e.time));
      assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
      // The file also holds the intents of the two calls whose handler ran (the stop, and the
      // developer's start, which the handler refused for the container's group); the list hides
      // an intent once its outcome follows.
      const file = assertCleanFile(path) as { result: string; operation: string }[];
      assert.equal(file.length, 7 + signIns + 2);
      assert.deepEqual(file.filter((e) => e.result === 'started').map((e) => e.operation), ['containers.stop', 'containers.start']);
    });

    it('filters by subject, time and count, and validates the query', async () => {
      const bySub = await client.call('audit.list', { sub: sub('user') }, 'admin');
      assert.deepEqual(
        bySub.ok && bySub.data.entries.map((e: any) => e.operation),
        ['containers.start', ...(ipc ? ['auth.setToken'] : [])],
      );
      const two = await client.call('audit.list', { limit: 2 }, 'admin');
      assert.equal(two.ok && two.data.entries.length, 2);
      const future = await client.call('audit.list', { since: '2999-01-01T00:00:00Z' }, 'admin');
      assert.deepEqual(future.ok && future.data.entries, []);
      const all = await client.call('audit.list', { since: 0 }, 'admin');
      assert.equal(all.ok && all.data.entries.length, 7 + signIns);
      for (const input of [{ limit: 0 }, { limit: 1001 }, { limit: 'many' }, { limit: 2.5 }, { since: 'yesterday' }, { sub: '' }]) {
        const bad = await client.call('audit.list', input, 'admin');
        assert.equal(!bad.ok && bad.code, 'VALIDATION_FAILED', JSON.stringify(input));
        if (!bad.ok && client.transport === 'rest') assert.equal(bad.status, 400);
      }
    });

    it('survives a restart of the manager', async () => {
      await client.close();
      client = await transport.start({ AUDIT_LOG_PATH: path });
      const listed = await client.call('audit.list', { limit: 100 }, 'admin');
      // Over IPC the new admin window signed in before it listed.
      assert.equal(listed.ok && listed.data.entries.length, 7 + signIns + (ipc ? 1 : 0));
      assert.equal((await client.call('containers.start', { id: c.id }, 'admin')).ok, true);
      const again = await client.call('audit.list', { limit: 1 }, 'admin');
      assert.deepEqual(again.ok && [again.data.entries[0].operation, again.data.entries[0].result], ['containers.start', 'ok']);
      assertCleanFile(path);
    });
  });
}

describe('audit trail and bad tokens', () => {
  it('records a refused token without any of its text', async (t) => {
    await requireEngine();
    const path = tempAuditPath();
    const server = await startTestServer({ AUDIT_LOG_PATH: path }, t);
    const forged = 'forged-token-text.that-must-not.appear-anywhere';
    const res = await server.call('POST', '/api/v1/containers/some-name/stop', { token: forged });
    assert.equal(res.status, 401);
    const valid = await server.tokenFor('admin');
    await server.call('GET', `/api/v1/containers?access_token=${valid}`, { role: null });
    const lines = assertCleanFile(path, [forged, valid]) as any[];
    assert.deepEqual(
      lines.map((l) => [l.operation, l.code, l.sub, l.target]),
      [
        ['containers.stop', 'UNAUTHENTICATED', null, 'some-name'],
        ['containers.list', 'UNAUTHENTICATED', null, null],
      ],
    );
  });
});
