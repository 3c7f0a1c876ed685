import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientPool, TRANSPORTS, type OperationClient, type Outcome } from '../support/clients.js';
import { stateOf } from '../support/engine.js';
import { finishedAt, newScenario, startedAt, type Scenario } from '../support/scenario.js';
import { waitFor } from '../support/eventually.js';

/** Ready 1.5 s after start: the healthcheck passes only from then on. */
const SLOW_READY = {
  cmd: ['sh', '-c', 'sleep 1.5; touch /tmp/ready; exec sleep 3600'],
  healthCmd: 'test -f /tmp/ready',
  healthIntervalMs: 200,
};
const NEVER_HEALTHY = { healthCmd: 'false', healthIntervalMs: 200 };

function data(outcome: Outcome): any {
  assert.equal(outcome.ok, true, outcome.ok ? '' : `${outcome.code}: ${outcome.message}`);
  return (outcome as { data: unknown }).data;
}

function actions(result: any): Record<string, string> {
  return Object.fromEntries(result.results.map((r: any) => [r.service, r.action]));
}

for (const transport of TRANSPORTS) {
  describe(`service groups over ${transport.name}`, () => {
    const start = clientPool(transport);
    const clientFor = (scenario: Scenario) => start(scenario.env);

    it('starts members in dependency order, waiting for health, and stops them in reverse', async () => {
      const s = newScenario((n) => [
        { name: 'core', phase: 2, members: [{ name: n('db') }, { name: n('api'), depends_on: [n('db')] }, { name: n('web'), depends_on: [n('api')] }, { name: n('solo') }] },
      ]);
      const db = await s.container('db', SLOW_READY);
      const api = await s.container('api');
      const web = await s.container('web');
      const solo = await s.container('solo');
      const client = await clientFor(s);

      const started = data(await client.call('services.start', { group: 'core' }));
      assert.equal(started.ok, true);
      assert.equal(started.dryRun, false);
      assert.deepEqual(started.results.map((r: any) => r.service), [s.name('db'), s.name('solo'), s.name('api'), s.name('web')]);
      assert.deepEqual(new Set(Object.values(actions(started))), new Set(['started']));
      const dbResult = started.results[0];
      assert.equal(dbResult.containerId, db.id);
      assert.ok(Number.isInteger(dbResult.durationMs) && dbResult.durationMs >= 1000, `db waited for health (${dbResult.durationMs} ms)`);

      const [tDb, tApi, tWeb] = [await startedAt(db), await startedAt(api), await startedAt(web)];
      assert.ok(tDb < tApi && tApi < tWeb, 'db, then api, then web');
      assert.ok(tApi - tDb >= 1_500_000_000n, `api started only once db was healthy (${(tApi - tDb) / 1_000_000n} ms after db)`);
      assert.equal((await db.inspect()).State.Health?.Status, 'healthy');
      for (const c of [db, api, web, solo]) assert.equal(await stateOf(c), 'running');

      const again = data(await client.call('services.start', { group: 'core' }));
      assert.equal(again.ok, true);
      assert.deepEqual(new Set(Object.values(actions(again))), new Set(['already-running']));
      assert.equal(await startedAt(api), tApi, 'a running member is left alone');

      const stopped = data(await client.call('services.stop', { group: 'core', timeout: 5 }));
      assert.equal(stopped.ok, true);
      assert.deepEqual(stopped.results.map((r: any) => r.service), [s.name('web'), s.name('api'), s.name('db'), s.name('solo')]);
      assert.deepEqual(new Set(Object.values(actions(stopped))), new Set(['stopped']));
      const [fDb, fApi, fWeb] = [await finishedAt(db), await finishedAt(api), await finishedAt(web)];
      assert.ok(fWeb < fApi && fApi < fDb, 'web, then api, then db');
      for (const c of [db, api, web, solo]) assert.equal(await stateOf(c), 'exited');

      const stoppedAgain = data(await client.call('services.stop', { group: 'core' }));
      assert.deepEqual(new Set(Object.values(actions(stoppedAgain))), new Set(['already-stopped']));
    });

    it('fails a member that does not get healthy in time, skips its dependents only', async () => {
      const s = newScenario((n) => [
        {
          name: 'application',
          phase: 3,
          members: [
            { name: n('sick'), healthTimeoutSeconds: 2 },
            { name: n('needs-sick'), depends_on: [n('sick')] },
            { name: n('after-needs'), depends_on: [n('needs-sick')] },
            { name: n('fine') },
            { name: n('needs-fine'), depends_on: [n('fine')] },
          ],
        },
      ]);
      const sick = await s.container('sick', NEVER_HEALTHY);
      const needsSick = await s.container('needs-sick');
      const afterNeeds = await s.container('after-needs');
      const fine = await s.container('fine');
      const needsFine = await s.container('needs-fine');
      const client = await clientFor(s);

      const result = data(await client.call('services.start', { group: 'application' }));
      assert.equal(result.ok, false);
      const byService = Object.fromEntries(result.results.map((r: any) => [r.service, r]));
      assert.equal(byService[s.name('sick')].action, 'failed');
      assert.match(byService[s.name('sick')].error, /not healthy within 2 s \(health: unhealthy\)/);
      assert.ok(byService[s.name('sick')].durationMs >= 2000);
      assert.equal(byService[s.name('needs-sick')].action, 'skipped');
      assert.match(byService[s.name('needs-sick')].error, new RegExp(`dependency ${s.name('sick')} failed`));
      assert.equal(byService[s.name('after-needs')].action, 'skipped');
      assert.equal(byService[s.name('fine')].action, 'started');
      assert.equal(byService[s.name('needs-fine')].action, 'started');

      assert.equal(await stateOf(needsSick), 'created', 'a skipped member is never started');
      assert.equal(await stateOf(afterNeeds), 'created');
      assert.equal(await stateOf(fine), 'running');
      assert.equal(await stateOf(needsFine), 'running');
      assert.equal((await sick.inspect()).State.Health?.Status, 'unhealthy');
    });

    it('reports a member without container as missing and skips what needs it', async () => {
      const s = newScenario((n) => [
        { name: 'foundation', phase: 1, members: [{ name: n('ghost') }, { name: n('haunted'), depends_on: [n('ghost')] }, { name: n('real') }] },
      ]);
      const haunted = await s.container('haunted');
      const real = await s.container('real');
      const client = await clientFor(s);

      const status = data(await client.call('services.get', { group: 'foundation' }));
      assert.deepEqual(
        status.services.map((x: any) => [x.name, x.state, x.containerId]),
        [[s.name('ghost'), 'missing', null], [s.name('haunted'), 'created', haunted.id], [s.name('real'), 'created', real.id]],
      );
      assert.deepEqual([status.total, status.running, status.healthy], [3, 0, 0]);

      const result = data(await client.call('services.start', { group: 'foundation' }));
      assert.equal(result.ok, false);
      assert.deepEqual(actions(result), { [s.name('ghost')]: 'missing', [s.name('real')]: 'started', [s.name('haunted')]: 'skipped' });
      assert.equal(result.results.find((r: any) => r.action === 'missing').containerId, null);
      assert.equal(await stateOf(haunted), 'created');
      assert.equal(await stateOf(real), 'running');

      const listed = data(await client.call('services.list'));
      assert.deepEqual(listed.groups.map((g: any) => [g.name, g.phase, g.total, g.running]), [['foundation', 1, 3, 1]]);

      const stop = data(await client.call('services.stop', { group: 'foundation', timeout: 0 }));
      assert.equal(stop.ok, true, 'nothing left running: a missing member does not fail a stop');
      assert.equal(await stateOf(real), 'exited');
    });

    it("never stops the manager's own container, and keeps what it depends on running", async () => {
      const s = newScenario((n) => [
        { name: 'support', phase: 4, members: [{ name: n('base') }, { name: n('manager'), depends_on: [n('base')] }, { name: n('other') }] },
      ]);
      const base = await s.container('base', { start: true });
      const self = await s.container('manager', { start: true });
      const other = await s.container('other', { start: true });
      const client = await start({ ...s.env, SELF_CONTAINER_ID: self.id });

      const result = data(await client.call('services.stop', { group: 'support', timeout: 0 }));
      assert.equal(result.ok, false);
      const byService = Object.fromEntries(result.results.map((r: any) => [r.service, r]));
      assert.equal(byService[s.name('manager')].action, 'failed');
      assert.match(byService[s.name('manager')].error, /own container cannot be stopped/);
      assert.equal(byService[s.name('base')].action, 'skipped');
      assert.match(byService[s.name('base')].error, new RegExp(`dependent ${s.name('manager')} failed`));
      assert.equal(byService[s.name('other')].action, 'stopped');
      assert.equal(await stateOf(self), 'running');
      assert.equal(await stateOf(base), 'running');
      assert.equal(await stateOf(other), 'exited');
      const audit = data(await client.call('audit.list', { limit: 1 }));
      assert.deepEqual(
        audit.entries.map((e: any) => [e.operation, e.target, e.result, e.code, e.failures]),
        [['services.stop', 'group:support', 'partial', null, 2]],
        'the manager failed and base was skipped: a partial result, not ok',
      );
    });

    it('answers a dry run with the ordered plan and touches nothing', async () => {
      const s = newScenario((n) => [
        { name: 'core', phase: 2, members: [{ name: n('a') }, { name: n('b'), depends_on: [n('a')] }, { name: n('c') }] },
      ]);
      const a = await s.container('a');
      const b = await s.container('b');
      const c = await s.container('c', { start: true });
      const client = await clientFor(s);

      const plan = data(await client.call('services.start', { group: 'core', dryRun: true }));
      assert.equal(plan.dryRun, true);
      assert.deepEqual(plan.results, []);
      assert.deepEqual(
        plan.plan.map((level: any[]) => level.map((e) => [e.service, e.planned])),
        [[[s.name('a'), 'start'], [s.name('c'), 'none']], [[s.name('b'), 'start']]],
      );
      assert.deepEqual(plan.plan[1][0].dependsOn, [s.name('a')]);
      assert.equal(await stateOf(a), 'created');
      assert.equal(await stateOf(b), 'created');

      const stopPlan = data(await client.call('services.stop', { group: 'core', dryRun: 'true' }));
      assert.deepEqual(
        stopPlan.plan.map((level: any[]) => level.map((e) => [e.service, e.planned])),
        [[[s.name('b'), 'none']], [[s.name('a'), 'none'], [s.name('c'), 'stop']]],
      );
      assert.equal(await stateOf(c), 'running');
    });

    it('refuses a second start or stop of the same group while one runs (409), then frees the group', async () => {
      const s = newScenario((n) => [
        { name: 'core', phase: 2, members: [{ name: n('slow') }] },
        { name: 'support', phase: 4, members: [{ name: n('other') }] },
      ]);
      const slow = await s.container('slow', { ...SLOW_READY, cmd: ['sh', '-c', 'sleep 4; touch /tmp/ready; exec sleep 3600'] });
      const other = await s.container('other');
      const client = await clientFor(s);

      const first = client.call('services.start', { group: 'core' });
      await waitFor('the first start to be under way', 20_000, async () => (await stateOf(slow)) === 'running');
      for (const op of ['services.start', 'services.stop'] as const) {
        const second = await client.call(op, { group: 'core' });
        assert.equal(!second.ok && second.code, 'OPERATION_IN_PROGRESS', op);
        if (client.transport === 'rest') assert.equal(!second.ok && second.status, 409);
      }
      const elsewhere = data(await client.call('services.start', { group: 'support' }));
      assert.equal(elsewhere.ok, true, 'another group is not blocked');
      assert.equal(await stateOf(other), 'running');
      const firstResult = data(await first);
      assert.equal(firstResult.ok, true);
      assert.equal(actions(firstResult)[s.name('slow')], 'started');
      const later = data(await client.call('services.stop', { group: 'core', timeout: 0 }));
      assert.equal(later.ok, true, 'the lock is released when the operation ends');
      assert.equal(await stateOf(slow), 'exited');
    });

    it('lets the group label override the config, and that group decides the scope', async () => {
      const s = newScenario((n) => [
        { name: 'core', phase: 2, members: [{ name: n('moved') }, { name: n('stays') }] },
        { name: 'support', phase: 4, members: [] },
      ]);
      const moved = await s.container('moved', { labels: { 'lucid.service.group': 'support' } });
      const stays = await s.container('stays');
      const client = await clientFor(s);

      assert.equal(data(await client.call('containers.get', { id: s.name('moved') })).group, 'support');
      assert.equal(data(await client.call('containers.get', { id: s.name('stays') })).group, 'core');
      const core = data(await client.call('services.get', { group: 'core' }));
      assert.deepEqual(core.services.map((x: any) => [x.name, x.state]), [[s.name('moved'), 'missing'], [s.name('stays'), 'created']]);
      const support = data(await client.call('services.get', { group: 'support' }));
      assert.deepEqual(support.services.map((x: any) => [x.name, x.containerId]), [[s.name('moved'), moved.id]]);

      const denied = await client.call('containers.start', { id: s.name('moved') }, 'developer');
      assert.equal(!denied.ok && denied.code, 'FORBIDDEN', 'support is outside the developer scope');
      assert.equal(await stateOf(moved), 'created');
      const allowed = data(await client.call('containers.start', { id: s.name('stays') }, 'developer'));
      assert.equal(allowed.changed, true, 'a configured member of core is in the developer scope');
      assert.equal(await stateOf(stays), 'running');

      const coreStart = data(await client.call('services.start', { group: 'core' }, 'developer'));
      assert.equal(actions(coreStart)[s.name('moved')], 'missing');
      assert.equal(await stateOf(moved), 'created', 'starting core leaves the relabelled container alone');
      const supportStart = data(await client.call('services.start', { group: 'support' }));
      assert.deepEqual(actions(supportStart), { [s.name('moved')]: 'started' });
      assert.equal(await stateOf(moved), 'running');
    });

    it('ignores a group label that names no configured group, so group operations still reach the container', async () => {
      const s = newScenario((n) => [{ name: 'core', phase: 2, members: [{ name: n('typo') }] }]);
      const typo = await s.container('typo', { labels: { 'lucid.service.group': 'cor' } });
      const client = await clientFor(s);

      assert.equal(data(await client.call('containers.get', { id: s.name('typo') })).group, 'core');
      const listed = data(await client.call('containers.list', { group: 'core' }));
      assert.deepEqual(listed.containers.map((c: any) => c.id), [typo.id]);
      const started = data(await client.call('services.start', { group: 'core' }));
      assert.deepEqual(actions(started), { [s.name('typo')]: 'started' });
      assert.equal(await stateOf(typo), 'running');
    });

    it('takes members from the compose project a group maps to, and filters containers by group', async () => {
      const project = `lt-${transport.name}-${Date.now().toString(36)}`;
      const s = newScenario((n) => [
        { name: 'core', phase: 2, compose: { project, files: ['core.yml'] }, members: [{ name: n('api') }] },
        { name: 'support', phase: 4, members: [{ name: n('admin') }] },
      ]);
      const composed = await s.container('proj-api-1', {
        labels: { 'com.docker.compose.project': project, 'com.docker.compose.service': s.name('api') },
      });
      const admin = await s.container('admin');
      const client = await clientFor(s);

      const core = data(await client.call('services.get', { group: 'core' }));
      assert.deepEqual(core.services.map((x: any) => [x.name, x.containerId]), [[s.name('api'), composed.id]]);

      const filtered = data(await client.call('containers.list', { group: 'core' }));
      assert.ok(filtered.containers.some((c: any) => c.id === composed.id));
      assert.ok(filtered.containers.every((c: any) => c.group === 'core'));
      assert.ok(!filtered.containers.some((c: any) => c.id === admin.id));
      const all = data(await client.call('containers.list'));
      assert.equal(all.containers.find((c: any) => c.id === admin.id)?.group, 'support');

      const bad = await client.call('containers.list', { group: 'Not A Group' });
      assert.equal(!bad.ok && bad.code, 'VALIDATION_FAILED');
      const unknown = await client.call('containers.list', { group: 'nosuchgroup' });
      assert.equal(!unknown.ok && unknown.code, 'GROUP_NOT_FOUND');
    });

    it('validates group names and inputs first, answers 404 for an unknown group, and changes nothing', async () => {
      const s = newScenario((n) => [{ name: 'core', phase: 2, members: [{ name: n('x') }] }]);
      const x = await s.container('x');
      const client = await clientFor(s);
      const cases: [Parameters<OperationClient['call']>[0], Record<string, unknown>, string, number][] = [
        ['services.get', { group: 'nope' }, 'GROUP_NOT_FOUND', 404],
        ['services.start', { group: 'nope' }, 'GROUP_NOT_FOUND', 404],
        ['services.stop', { group: 'nope' }, 'GROUP_NOT_FOUND', 404],
        ['services.get', { group: 'Bad..Name' }, 'VALIDATION_FAILED', 400],
        ['services.start', { group: '../core' }, 'VALIDATION_FAILED', 400],
        ['services.start', { group: 'core', dryRun: 'maybe' }, 'VALIDATION_FAILED', 400],
        ['services.stop', { group: 'core', timeout: 301 }, 'VALIDATION_FAILED', 400],
        ['services.stop', { group: 'core', timeout: -1 }, 'VALIDATION_FAILED', 400],
        ['services.stop', { group: 'core', timeout: 1.5 }, 'VALIDATION_FAILED', 400],
      ];
      for (const [op, input, code, status] of cases) {
        const outcome = await client.call(op, input);
        assert.equal(!outcome.ok && outcome.code, code, `${op} ${JSON.stringify(input)}`);
        if (client.transport === 'rest') assert.equal(!outcome.ok && outcome.status, status);
      }
      assert.equal(await stateOf(x), 'created');
    });
  });
}
