import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientPool, TRANSPORTS, type Outcome } from '../support/clients.js';
import { stateOf } from '../support/engine.js';
import { newScenario } from '../support/scenario.js';
import { waitFor } from '../support/eventually.js';

const NEVER_HEALTHY = { healthCmd: 'false', healthIntervalMs: 200 };

function data(outcome: Outcome): any {
  assert.equal(outcome.ok, true, outcome.ok ? '' : `${outcome.code}: ${outcome.message}`);
  return (outcome as { data: unknown }).data;
}

/**
 * The dry run's promise: with no container changing state in between, the real run reports what
 * the plan expected, member by member and in the same order, with the same reasons and the same `ok`.
 */
function assertRunMatchesPlan(plan: any, run: any): void {
  const entries = plan.plan.flat();
  assert.deepEqual(
    run.results.map((r: any) => [r.service, r.action]),
    entries.map((e: any) => [e.service, e.expected]),
  );
  for (const entry of entries.filter((e: any) => e.planned === 'skip' || e.planned === 'fail')) {
    assert.equal(run.results.find((r: any) => r.service === entry.service).error, entry.reason, entry.service);
  }
  assert.equal(run.ok, plan.ok);
}

for (const transport of TRANSPORTS) {
  describe(`group dry runs over ${transport.name}`, () => {
    const start = clientPool(transport);

    it('plans a start as the run does it: skips behind missing and failing members, waits on health, fails a paused member', async () => {
      const s = newScenario((n) => [
        {
          name: 'core',
          phase: 2,
          members: [
            { name: n('ghost') },
            { name: n('haunted'), depends_on: [n('ghost')] },
            { name: n('frozen') },
            { name: n('needs-frozen'), depends_on: [n('frozen')] },
            { name: n('sick'), healthTimeoutSeconds: 1 },
            { name: n('needs-sick'), depends_on: [n('sick')] },
            { name: n('fine') },
          ],
        },
      ]);
      const haunted = await s.container('haunted');
      const frozen = await s.container('frozen', { start: true });
      await frozen.pause();
      const needsFrozen = await s.container('needs-frozen');
      const sick = await s.container('sick', { ...NEVER_HEALTHY, start: true });
      const needsSick = await s.container('needs-sick');
      const fine = await s.container('fine');
      await waitFor('sick to report unhealthy', 20_000, async () => (await sick.inspect()).State.Health?.Status === 'unhealthy');
      const client = await start(s.env);

      const plan = data(await client.call('services.start', { group: 'core', dryRun: true }));
      assert.deepEqual(
        Object.fromEntries(plan.plan.flat().map((e: any) => [e.service, e.planned])),
        {
          [s.name('ghost')]: 'missing',
          [s.name('haunted')]: 'skip',
          [s.name('frozen')]: 'fail',
          [s.name('needs-frozen')]: 'skip',
          [s.name('sick')]: 'wait-healthy',
          [s.name('needs-sick')]: 'skip',
          [s.name('fine')]: 'start',
        },
      );
      assert.equal(plan.ok, false);
      assert.match(plan.plan.flat().find((e: any) => e.service === s.name('frozen')).reason, /paused: a group start does not unpause it/);
      for (const c of [haunted, needsFrozen, needsSick, fine]) assert.equal(await stateOf(c), 'created', 'a dry run touches nothing');

      const run = data(await client.call('services.start', { group: 'core' }));
      assertRunMatchesPlan(plan, run);
      assert.equal(await stateOf(frozen), 'paused', 'a group start does not unpause');
      for (const c of [haunted, needsFrozen, needsSick]) assert.equal(await stateOf(c), 'created');
      assert.equal(await stateOf(fine), 'running');
    });

    it('plans a stop as the run does it: a paused member is stopped', async () => {
      const s = newScenario((n) => [
        { name: 'core', phase: 2, members: [{ name: n('frozen') }, { name: n('up'), depends_on: [n('frozen')] }, { name: n('down') }, { name: n('ghost') }] },
      ]);
      const frozen = await s.container('frozen', { start: true });
      await frozen.pause();
      const up = await s.container('up', { start: true });
      const down = await s.container('down');
      const client = await start(s.env);

      const plan = data(await client.call('services.stop', { group: 'core', dryRun: true, timeout: 0 }));
      assert.deepEqual(
        plan.plan.map((level: any[]) => level.map((e) => [e.service, e.planned])),
        [[[s.name('up'), 'stop']], [[s.name('frozen'), 'stop'], [s.name('down'), 'none'], [s.name('ghost'), 'missing']]],
      );
      assert.equal(plan.ok, true);
      assert.equal(await stateOf(frozen), 'paused');

      const run = data(await client.call('services.stop', { group: 'core', timeout: 0 }));
      assertRunMatchesPlan(plan, run);
      for (const c of [frozen, up, down]) assert.equal(await stateOf(c), c === down ? 'created' : 'exited');
    });
  });
}
