import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { unauthenticatedPath } from '../../src/main/audit/trail.js';
import { clientPool, TRANSPORTS } from '../support/clients.js';
import { sleeper, stateOf } from '../support/engine.js';
import { tempAuditPath } from '../support/temp.js';

function lines(path: string): any[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').trimEnd().split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

for (const transport of TRANSPORTS) {
  describe(`audit trail under a flood over ${transport.name}`, () => {
    const start = clientPool(transport);

    it('writes one RATE_LIMITED line per caller and window, and the count of the rest when it ends', async () => {
      const path = tempAuditPath();
      // Closed by the test itself: closing is what writes the summary of a window still open.
      const client = await transport.start({ AUDIT_LOG_PATH: path, RATE_LIMIT_PER_MINUTE: '3', RATE_LIMIT_CONTROL_PER_MINUTE: '2' });
      const codes: string[] = [];
      let live: any[];
      try {
        for (let i = 0; i < 12; i++) {
          const outcome = await client.call('containers.list', {}, null);
          codes.push(outcome.ok ? 'ok' : outcome.code);
        }
        live = lines(unauthenticatedPath(path));
      } finally {
        await client.close();
      }
      assert.deepEqual(codes, [...Array(3).fill('UNAUTHENTICATED'), ...Array(9).fill('RATE_LIMITED')]);
      assert.deepEqual(
        live.map((l) => [l.code, l.result]),
        [...Array(3).fill(['UNAUTHENTICATED', 'denied']), ['RATE_LIMITED', 'denied']],
        'one line for the nine refusals so far',
      );
      const closed = lines(unauthenticatedPath(path));
      const summary = closed.at(-1);
      assert.equal(closed.length, 5);
      assert.deepEqual(
        [summary.result, summary.code, summary.operation, summary.suppressed, summary.sub, summary.transport],
        ['suppressed', 'RATE_LIMITED', 'containers.list', 8, null, transport.name],
      );
      assert.equal(summary.requestId, closed[3].requestId, 'linked to the RATE_LIMITED line');
      assert.deepEqual(lines(path), [], 'nothing without a subject in the main file');
    });

    it('keeps an authenticated control entry however many anonymous refusals follow', async () => {
      const path = tempAuditPath();
      const client = await start({ AUDIT_LOG_PATH: path, AUDIT_LOG_MAX_BYTES: '4096', AUDIT_LOG_MAX_FILES: '1' });
      const c = await sleeper({ 'lucid.service.group': 'core' });
      assert.equal((await client.call('containers.stop', { id: c.id, timeout: 0 }, 'developer')).ok, true);
      assert.equal(await stateOf(c), 'exited');
      for (let i = 0; i < 80; i++) {
        const outcome = await client.call('containers.stop', { id: c.id, timeout: 0 }, null);
        assert.equal(!outcome.ok && outcome.code, 'UNAUTHENTICATED');
      }
      assert.ok(existsSync(`${unauthenticatedPath(path)}.1`), 'the flood filled and rotated its own file');
      const listed = await client.call('audit.list', { limit: 1000 }, 'admin');
      assert.equal(listed.ok, true);
      const entries = listed.ok ? listed.data.entries : [];
      const control = entries.filter((e: any) => e.sub !== null && e.operation !== 'auth.setToken');
      assert.deepEqual(
        control.map((e: any) => [e.operation, e.result, e.role]),
        [['containers.stop', 'ok', 'developer']],
      );
      assert.ok(entries.filter((e: any) => e.code === 'UNAUTHENTICATED').length > 10, 'recent anonymous refusals are listed too');
    });
  });
}
