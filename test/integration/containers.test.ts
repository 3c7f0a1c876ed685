import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { TRANSPORTS, useClient } from '../support/clients.js';
import {
  createTestContainer,
  RUN_ID,
  sleeper,
  stateOf,
  TEST_LABEL,
  testVolumeName,
  useEngine,
} from '../support/engine.js';
import { eventually } from '../support/eventually.js';
import { sleep } from '../support/sleep.js';

for (const transport of TRANSPORTS) {
  describe(`containers over ${transport.name}`, () => {
    let running: Docker.Container;
    let runningId: string;

    useEngine();
    const client = useClient(transport);
    before(async () => {
      running = await sleeper({ 'lucid.service.group': 'core' });
      runningId = running.id;
    });

    it('lists containers with the summary shape, filtered by state', async () => {
      const all = await eventually(async () => {
        const answer = await client.call('containers.list');
        return answer.ok && answer.data.containers.some((c: any) => c.id === runningId && c.state === 'running') ? answer : undefined;
      }, 'the running test container is listed');
      assert.equal(all.ok, true);
      if (!all.ok) return;
      const mine = all.data.containers.find((c: any) => c.id === runningId);
      assert.ok(mine, 'the test container is listed');
      assert.match(mine.id, /^[0-9a-f]{64}$/);
      assert.equal(mine.state, 'running');
      assert.equal(mine.health, 'none');
      assert.equal(mine.group, 'core');
      assert.equal(mine.labels[TEST_LABEL], RUN_ID);
      assert.ok(!mine.name.startsWith('/'));
      assert.ok(!Number.isNaN(Date.parse(mine.createdAt)));
      assert.equal(all.data.total, all.data.containers.length);

      // Created behind the manager's back: the snapshot shows it within a second.
      const stopped = await sleeper({}, false);
      const exited = await eventually(async () => {
        const answer = await client.call('containers.list', { state: 'created' });
        return answer.ok && answer.data.containers.some((c: any) => c.id === stopped.id) ? answer : undefined;
      }, 'the new container is listed');
      assert.equal(exited.ok, true);
      if (!exited.ok) return;
      assert.ok(exited.data.containers.every((c: any) => c.state === 'created'));
      const onlyRunning = await client.call('containers.list', { all: false });
      assert.ok(onlyRunning.ok && onlyRunning.data.containers.every((c: any) => c.state === 'running'));
    });

    it('inspects by name, full id and id prefix, never returning the environment', async () => {
      const info = await running.inspect();
      for (const ref of [info.Name.slice(1), info.Id, info.Id.slice(0, 12)]) {
        const got = await client.call('containers.get', { id: ref });
        assert.equal(got.ok, true, ref);
        if (!got.ok) return;
        assert.equal(got.data.id, info.Id);
        assert.equal(got.data.restartCount, 0);
        assert.deepEqual(got.data.command, ['sleep', '3600']);
        assert.ok(got.data.startedAt);
        assert.equal(JSON.stringify(got.data).includes('PATH='), false, 'no environment variables');
        assert.equal('env' in got.data || 'Env' in got.data, false);
      }
    });

    it('stops, then reports a second stop as unchanged; the engine agrees', async () => {
      const target = await sleeper({ 'lucid.service.group': 'core' });
      const first = await client.call('containers.stop', { id: target.id, timeout: 1 });
      assert.deepEqual(first.ok && { state: first.data.state, changed: first.data.changed }, { state: 'exited', changed: true });
      assert.equal(await stateOf(target), 'exited');
      const second = await client.call('containers.stop', { id: target.id });
      assert.equal(second.ok && second.data.changed, false);
      assert.equal(await stateOf(target), 'exited');
    });

    it('starts, then reports a second start as unchanged; the engine agrees', async () => {
      const target = await sleeper({ 'lucid.service.group': 'core' }, false);
      const first = await client.call('containers.start', { id: target.id });
      assert.equal(first.ok && first.data.changed, true);
      assert.equal(await stateOf(target), 'running');
      const second = await client.call('containers.start', { id: target.id });
      assert.equal(second.ok && second.data.changed, false);
      assert.equal(await stateOf(target), 'running');
    });

    it('restarts: a new StartedAt on the engine', async () => {
      const target = await sleeper({ 'lucid.service.group': 'core' });
      const before = (await target.inspect()).State.StartedAt;
      const restarted = await client.call('containers.restart', { id: target.id, timeout: 0 });
      assert.equal(restarted.ok && restarted.data.state, 'running');
      const afterInspect = await target.inspect();
      assert.equal(afterInspect.State.Status, 'running');
      assert.notEqual(afterInspect.State.StartedAt, before);
    });

    it('reads stats of a running container and refuses a stopped one with 409', async () => {
      const stats = await client.call('containers.stats', { id: runningId });
      assert.equal(stats.ok, true);
      if (!stats.ok) return;
      assert.equal(stats.data.id, runningId);
      assert.ok(stats.data.memoryUsageBytes > 0);
      assert.ok(stats.data.memoryLimitBytes > 0);
      assert.ok(stats.data.pids >= 1);
      assert.ok(stats.data.cpuPercent >= 0);
      const stopped = await sleeper({}, false);
      const refused = await client.call('containers.stats', { id: stopped.id });
      assert.equal(!refused.ok && refused.code, 'CONTAINER_NOT_RUNNING');
      if (client.transport === 'rest') assert.equal(!refused.ok && refused.status, 409);
    });

    it('measures CPU of a busy container from successive samples', async () => {
      const busy = await createTestContainer({ cmd: ['sh', '-c', 'while :; do :; done'] });
      await client.call('containers.stats', { id: busy.id });
      await sleep(1500);
      const second = await client.call('containers.stats', { id: busy.id });
      assert.equal(second.ok, true);
      if (!second.ok) return;
      assert.ok(second.data.cpuWindowSeconds > 0.5 && second.data.cpuWindowSeconds < 15, `window ${second.data.cpuWindowSeconds}`);
      // Well below a full core: on a loaded 2-core machine the spinner gets a fraction of one, an idle container ~0.
      assert.ok(second.data.cpuPercent > 5, `a spinning shell uses CPU (got ${second.data.cpuPercent})`);
    });

    it('shares one sample between concurrent stats calls instead of reporting 0 % CPU', async () => {
      const busy = await createTestContainer({ cmd: ['sh', '-c', 'while :; do :; done'] });
      await sleep(500);
      const answers = await Promise.all([1, 2, 3].map(() => client.call('containers.stats', { id: busy.id })));
      for (const answer of answers) {
        assert.equal(answer.ok, true);
        if (answer.ok) assert.ok(answer.data.cpuPercent > 0 && answer.data.cpuWindowSeconds > 0, JSON.stringify(answer.data));
      }
    });

    it('reports health from a real healthcheck and mounts with their mode', async () => {
      const c = await createTestContainer({ cmd: ['sleep', '3600'], healthCmd: 'true', healthIntervalMs: 200, tmpfs: '/scratch' });
      let health = 'starting';
      for (let i = 0; i < 50 && health !== 'healthy'; i++) {
        await sleep(100);
        const got = await client.call('containers.get', { id: c.id });
        if (got.ok) health = got.data.health;
      }
      assert.equal(health, 'healthy');
      const listed = await client.call('containers.list', {});
      const summary = listed.ok && listed.data.containers.find((s: any) => s.id === c.id);
      assert.equal(summary.health, 'healthy');
      assert.match(summary.status, /\(healthy\)/);
      const details = await client.call('containers.get', { id: c.id });
      assert.equal(details.ok && details.data.exitCode, null, 'a running container has no exit code yet');
      const withVolume = await createTestContainer({ cmd: ['sleep', '3600'], volume: `${testVolumeName()}:/data:ro` });
      const got = await client.call('containers.get', { id: withVolume.id });
      assert.equal(got.ok, true);
      if (!got.ok) return;
      const mount = got.data.mounts.find((m: any) => m.destination === '/data');
      assert.deepEqual({ type: mount?.type, readOnly: mount?.readOnly }, { type: 'volume', readOnly: true });
    });

    it('answers 404 CONTAINER_NOT_FOUND for an unknown id, and 400 for a malformed one', async () => {
      const missing = await client.call('containers.get', { id: 'no-such-container-here' });
      assert.equal(!missing.ok && missing.code, 'CONTAINER_NOT_FOUND');
      for (const op of ['containers.start', 'containers.stop', 'containers.logs'] as const) {
        const outcome = await client.call(op, { id: 'no-such-container-here' });
        assert.equal(!outcome.ok && outcome.code, 'CONTAINER_NOT_FOUND', op);
      }
      for (const id of ['-leading-dash', 'a b', 'x'.repeat(200), '.hidden', 'a/b']) {
        const outcome = await client.call('containers.get', { id });
        assert.equal(!outcome.ok && outcome.code, 'VALIDATION_FAILED', id);
      }
    });

    it('rejects bad timeouts and tails without touching the container', async () => {
      const target = await sleeper({ 'lucid.service.group': 'core' });
      for (const timeout of [-1, 301, 1.5, 'abc', '10s', 1e9]) {
        const outcome = await client.call('containers.stop', { id: target.id, timeout });
        assert.equal(!outcome.ok && outcome.code, 'VALIDATION_FAILED', String(timeout));
      }
      assert.equal(await stateOf(target), 'running', 'nothing changed');
      for (const tail of [-1, -5, 10001, 2.5, 'all']) {
        const outcome = await client.call('containers.logs', { id: target.id, tail });
        assert.equal(!outcome.ok && outcome.code, 'VALIDATION_FAILED', String(tail));
      }
      const none = await client.call('containers.logs', { id: target.id, tail: 0 });
      assert.deepEqual(none.ok && none.data.lines, [], 'tail=0 reads no lines');
    });
  });
}
