import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TRANSPORTS, useClient, type Outcome } from '../support/clients.js';
import { createTestContainer, useEngine } from '../support/engine.js';
import { waitFor } from '../support/eventually.js';
import { newScenario } from '../support/scenario.js';
import { subscribe } from '../support/subscription.js';

function data(outcome: Outcome): any {
  assert.equal(outcome.ok, true, outcome.ok ? '' : `${outcome.code}: ${outcome.message}`);
  return (outcome as { data: unknown }).data;
}

for (const transport of TRANSPORTS) {
  describe(`the caller's session and streamed batch stats over ${transport.name}`, () => {
    useEngine();
    const s = newScenario((n) => [
      { name: 'core', phase: 2, members: [{ name: n('a') }] },
      { name: 'support', phase: 4, members: [{ name: n('b') }] },
    ]);
    const client = useClient(transport, s.env);

    it('tells each role who it is and which groups it may control', async () => {
      const developer = data(await client.call('session.get', {}, 'developer'));
      assert.equal(developer.role, 'developer');
      assert.equal(developer.sub.length > 0, true);
      assert.deepEqual(developer.controlGroups, ['core'], 'core is in the scope of a developer; support is not');
      assert.equal(developer.controlUngrouped, false);
      assert.equal(developer.hosts, null);
      assert.ok(Date.parse(developer.expiresAt) > Date.now(), 'the token expires in the future');
      const user = data(await client.call('session.get', {}, 'user'));
      assert.deepEqual(user.controlGroups, []);
      const admin = data(await client.call('session.get', {}, 'admin'));
      assert.deepEqual(admin.controlGroups, ['core', 'support']);
      assert.equal(admin.controlUngrouped, true);
      const anonymous = await client.call('session.get', {}, null);
      assert.equal(anonymous.ok, false);
      assert.equal((anonymous as { code: string }).code, 'UNAUTHENTICATED');
    });

    it("says on each host what the caller may do there", async () => {
      const [local] = data(await client.call('hosts.list', {}, 'user')).hosts;
      assert.deepEqual(local.access, { read: true, control: false });
      const [asDeveloper] = data(await client.call('hosts.list', {}, 'developer')).hosts;
      assert.deepEqual(asDeveloper.access, { read: true, control: true });
    });

    it('streams a batch of the running containers in scope every few seconds until the caller leaves', async () => {
      const a = await s.container('a', { start: true });
      await createTestContainer({ cmd: ['sleep', '3600'] });
      const stream = subscribe(client, 'stats.watch', { group: 'core' });
      await stream.ready;
      await waitFor('two batches naming the container of core', 15_000, () =>
        stream.events.filter((batch) => batch.stats.some((st: any) => st.id === a.id)).length >= 2,
      );
      for (const batch of stream.events) {
        assert.ok(batch.stats.every((st: any) => st.id === a.id), 'only the group in scope');
        assert.deepEqual(batch.hosts, [{ name: 'local', state: 'up' }]);
        assert.equal(batch.stats[0]?.host ?? 'local', 'local');
      }
      stream.close();
      const end = await stream.ended;
      assert.equal((end.data as { reason?: string } | undefined)?.reason ?? 'cancelled', 'cancelled');
    });

    it('refuses a group or host that does not exist before the stream opens', async () => {
      const unknownGroup = subscribe(client, 'stats.watch', { group: 'nope' });
      assert.equal((await unknownGroup.ended).error?.code, 'GROUP_NOT_FOUND');
      const unknownHost = subscribe(client, 'stats.watch', { host: 'nowhere' });
      assert.equal((await unknownHost.ended).error?.code, 'HOST_NOT_FOUND');
    });
  });
}
