import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { TRANSPORTS, useClient } from '../support/clients.js';
import { sleeper, useEngine } from '../support/engine.js';

/** SELF_CONTAINER_ID points at a test container standing in for the manager's own. */
for (const transport of TRANSPORTS) {
  describe(`self-protection over ${transport.name}`, () => {
    let self: Docker.Container;
    let startedAt: string;

    useEngine();
    before(async () => {
      self = await sleeper({ 'lucid.service.group': 'core' });
      startedAt = (await self.inspect()).State.StartedAt;
    });
    const client = useClient(transport, () => ({ SELF_CONTAINER_ID: self.id.slice(0, 12) }));

    it('refuses to stop or restart its own container, for admins and developers alike', async () => {
      for (const role of ['admin', 'developer'] as const) {
        for (const op of ['containers.stop', 'containers.restart'] as const) {
          const outcome = await client.call(op, { id: self.id, timeout: 0 }, role);
          assert.equal(!outcome.ok && outcome.code, 'SELF_PROTECTED', `${op} as ${role}`);
          if (!outcome.ok && client.transport === 'rest') assert.equal(outcome.status, 409);
        }
      }
      const info = await self.inspect();
      assert.equal(info.State.Status, 'running');
      assert.equal(info.State.StartedAt, startedAt, 'never restarted');
    });

    it('finds it by name too, still lets it be read and started, and audits the refusals', async () => {
      const name = (await self.inspect()).Name.slice(1);
      const byName = await client.call('containers.stop', { id: name, timeout: 0 }, 'admin');
      assert.equal(!byName.ok && byName.code, 'SELF_PROTECTED');
      assert.equal((await client.call('containers.get', { id: self.id }, 'user')).ok, true);
      const start = await client.call('containers.start', { id: self.id }, 'admin');
      assert.equal(start.ok && start.data.changed, false);
      const audit = await client.call('audit.list', { limit: 100 }, 'admin');
      assert.ok(audit.ok);
      const refusals = audit.data.entries.filter((e: any) => e.code === 'SELF_PROTECTED');
      assert.equal(refusals.length, 5);
      assert.ok(refusals.every((e: any) => e.result === 'denied' && e.target === name));
      assert.equal((await self.inspect()).State.StartedAt, startedAt);
    });

    it('leaves other containers controllable', async () => {
      const other = await sleeper({ 'lucid.service.group': 'core' });
      const outcome = await client.call('containers.stop', { id: other.id, timeout: 0 }, 'admin');
      assert.equal(outcome.ok && outcome.data.state, 'exited');
    });
  });
}
