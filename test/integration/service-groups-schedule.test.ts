import assert from 'node:assert/strict';
import { finished } from 'node:stream/promises';
import { describe, it } from 'node:test';
import type Docker from 'dockerode';
import { DOCKER_CALLS } from '../../src/main/services/group-execution.js';
import { clientPool, TRANSPORTS, type Outcome } from '../support/clients.js';
import { stateOf } from '../support/engine.js';
import { newScenario } from '../support/scenario.js';
import { waitFor } from '../support/eventually.js';

/** Healthy only once the test opens the gate: the order is caused by the test, not by timing. */
const GATED = { healthCmd: 'test -f /tmp/ready', healthIntervalMs: 200 };

async function openGate(container: Docker.Container): Promise<void> {
  const exec = await container.exec({ Cmd: ['touch', '/tmp/ready'], AttachStdout: true, AttachStderr: true });
  // Read to its end: the exec is then done, and no connection stays open to keep the test process alive.
  const output = await exec.start({});
  output.resume();
  await finished(output);
  assert.equal((await exec.inspect()).ExitCode, 0);
}

async function health(container: Docker.Container): Promise<string | undefined> {
  return (await container.inspect()).State.Health?.Status;
}

function data(outcome: Outcome): any {
  assert.equal(outcome.ok, true, outcome.ok ? '' : `${outcome.code}: ${outcome.message}`);
  return (outcome as { data: unknown }).data;
}

for (const transport of TRANSPORTS) {
  describe(`group start scheduling over ${transport.name}`, () => {
    const clientFor = clientPool(transport);

    it('starts a member once its own dependencies are up, not once its whole previous level is', async () => {
      const s = newScenario((n) => [
        { name: 'core', phase: 2, members: [{ name: n('gated') }, { name: n('quick') }, { name: n('after-quick'), depends_on: [n('quick')] }] },
      ]);
      const gated = await s.container('gated', GATED);
      const quick = await s.container('quick');
      const afterQuick = await s.container('after-quick');
      const client = await clientFor(s.env);

      const run = client.call('services.start', { group: 'core' });
      try {
        await waitFor('after-quick to start while gated waits for its health', 20_000, async () => (await stateOf(afterQuick)) === 'running');
        assert.notEqual(await health(gated), 'healthy', 'gated cannot be healthy before the gate opens');
        assert.equal(await stateOf(quick), 'running');
      } finally {
        await openGate(gated);
      }
      const result = data(await run);
      assert.equal(result.ok, true);
      assert.deepEqual(result.results.map((r: any) => [r.service, r.action]), [
        [s.name('gated'), 'started'],
        [s.name('quick'), 'started'],
        [s.name('after-quick'), 'started'],
      ]);
      assert.equal(await health(gated), 'healthy');
    });

    it('does not count members waiting for their health against the bound of parallel Docker calls', async () => {
      const waiting = Array.from({ length: DOCKER_CALLS + 1 }, (_, i) => `slow${i}`);
      const s = newScenario((n) => [{ name: 'core', phase: 2, members: [...waiting.map((m) => ({ name: n(m) })), { name: n('free') }] }]);
      const gated: Docker.Container[] = [];
      for (const member of waiting) gated.push(await s.container(member, GATED));
      const free = await s.container('free');
      const client = await clientFor(s.env);

      const run = client.call('services.start', { group: 'core' });
      try {
        await waitFor('every member to start while the gated ones wait for health', 20_000, async () => {
          const states = await Promise.all([...gated, free].map(stateOf));
          return states.every((state) => state === 'running');
        });
        for (const c of gated) assert.notEqual(await health(c), 'healthy');
      } finally {
        await Promise.all(gated.map(openGate));
      }
      const result = data(await run);
      assert.equal(result.ok, true);
      assert.deepEqual(new Set(result.results.map((r: any) => r.action)), new Set(['started']));
    });
  });
}
