import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { SwarmState, type SwarmBatch } from '../../src/main/state/swarm-state.js';
import { eventually } from '../support/eventually.js';
import { fakeManager } from '../support/fake-swarm-manager.js';
import { sleep } from '../support/sleep.js';

const quiet = { debug: () => {}, warn: () => {} };

const states: SwarmState[] = [];
// The state's timers never keep a process alive (a background loop): the test keeps it alive.
const keepAlive = setInterval(() => {}, 1000);
after(async () => {
  clearInterval(keepAlive);
  for (const state of states) await state.close();
});

/** Follow-ups and reconciles far off unless a test asks for them. */
function started(engine: ReturnType<typeof fakeManager>, options: { followMs?: number; maxFollowMs?: number; reconcileMs?: number } = {}) {
  const state = new SwarmState(engine.gateway, quiet, { followMs: 60_000, reconcileMs: 600_000, ...options });
  states.push(state);
  const batches: SwarmBatch[] = [];
  state.subscribe((batch) => batches.push(batch));
  state.start();
  return { state, batches };
}

describe('SwarmState', () => {
  it('reads nodes and every service on connecting; the first sync is no news', async () => {
    const engine = fakeManager();
    engine.setService('s1', 1, 1);
    const { state, batches } = started(engine);
    assert.equal(await state.waitLive(2000), true);
    assert.deepEqual(engine.reads, ['nodes', 'services']);
    assert.deepEqual(state.serviceList().map((s) => s.ID), ['s1']);
    assert.equal(state.isManager, true);
    assert.deepEqual(batches, []);
  });

  it('a service event reads that service alone; a node event reads the nodes and every service', async () => {
    const engine = fakeManager();
    engine.setService('s1', 1, 1);
    const { state, batches } = started(engine);
    await state.waitLive(2000);
    engine.setService('s1', 2, 2);
    engine.send({ Type: 'service', Action: 'update', Actor: { ID: 's1' } });
    await eventually(() => (batches.length === 1 ? true : undefined), 'the update published');
    assert.deepEqual(engine.reads.slice(2), ['service s1']);
    assert.deepEqual(batches[0]?.changes.map((c) => [c.kind, c.action, c.id]), [['service', 'update', 's1']]);
    assert.equal(batches[0]?.resync, false);
    engine.send({ Type: 'node', Action: 'update', Actor: { ID: 'n1' } });
    await eventually(() => (engine.reads.length === 5 ? true : undefined), 'the node event read');
    assert.deepEqual(engine.reads.slice(3), ['nodes', 'services']);
  });

  it('a task container of the manager re-reads its service; more than eight services marked are one list', async () => {
    const engine = fakeManager();
    const { state } = started(engine);
    await state.waitLive(2000);
    state.containerChanged({ 'com.docker.swarm.service.id': 's1' });
    await eventually(() => (engine.reads.length === 3 ? true : undefined), 'the task read');
    assert.equal(engine.reads[2], 'service s1');
    for (let i = 0; i < 9; i++) state.containerChanged({ 'com.docker.swarm.service.id': `x${i}` });
    await eventually(() => (engine.reads.length === 4 ? true : undefined), 'the burst read');
    await sleep(100);
    assert.deepEqual(engine.reads.slice(3), ['services'], 'one list, and no nodes');
  });

  it('after a reconnect it reads everything again and tells subscribers with a resync batch', async () => {
    const engine = fakeManager();
    engine.setService('s1', 1, 1);
    const { state, batches } = started(engine);
    await state.waitLive(2000);
    engine.drop();
    await eventually(() => (engine.opens() === 2 && state.live ? true : undefined), 'live again after the reconnect', 5000);
    assert.deepEqual(engine.reads.slice(2), ['nodes', 'services']);
    assert.equal(batches.length, 1);
    assert.deepEqual(batches[0]?.changes, [], 'nothing changed, but events may have been missed');
    assert.equal(batches[0]?.resync, true);
  });

  it('reads a converging service again until it has converged, and the whole cluster at each reconcile', async () => {
    const engine = fakeManager();
    engine.setService('s1', 0, 2);
    const { state, batches } = started(engine, { followMs: 20 });
    await state.waitLive(2000);
    await eventually(() => (engine.reads.filter((r) => r === 'service s1').length >= 2 ? true : undefined), 'follow-ups of s1');
    engine.setService('s1', 2, 2);
    await eventually(() => (batches.some((b) => b.changes.some((c) => c.kind === 'service' && c.after?.ServiceStatus?.RunningTasks === 2)) ? true : undefined), 'the converged count published');
    const settled = engine.reads.length;
    await sleep(300);
    assert.equal(engine.reads.length, settled, 'no follow-up once converged');

    const other = fakeManager();
    const reconciled = started(other, { reconcileMs: 50 });
    await reconciled.state.waitLive(2000);
    await eventually(() => (other.reads.length >= 6 ? true : undefined), 'two reconciles');
    assert.deepEqual(other.reads.slice(0, 6), ['nodes', 'services', 'nodes', 'services', 'nodes', 'services']);
  });

  it('keeps reading a service at the base interval while its running count moves, with no event', async () => {
    const engine = fakeManager();
    engine.setService('s1', 0, 1000);
    let running = 0;
    const rising = setInterval(() => engine.setService('s1', ++running, 1000), 5);
    try {
      // Were the follow-ups backing off after five (40 ms, 80 ms … 60 s), twenty reads would take seconds.
      const { state } = started(engine, { followMs: 20, maxFollowMs: 60_000 });
      await state.waitLive(2000);
      await eventually(() => (engine.reads.filter((r) => r === 'service s1').length >= 20 ? true : undefined), 'twenty follow-ups of a moving s1', 3000);
    } finally {
      clearInterval(rising);
    }
  });

  it('backs off from a service stuck short of its replicas, but never past the longest follow-up wait', async () => {
    const engine = fakeManager();
    engine.setService('s1', 0, 2);
    // Backing off without a ceiling (10 ms, 20 ms … 5 s) the sixteenth read would come after seven seconds.
    const { state } = started(engine, { followMs: 5, maxFollowMs: 50 });
    await state.waitLive(2000);
    await eventually(() => (engine.reads.filter((r) => r === 'service s1').length >= 16 ? true : undefined), 'sixteen follow-ups of a stuck s1', 3000);
  });

  it('on an engine that is no manager: not live, empty, and the stream is asked again only after the stand-by', async () => {
    const engine = fakeManager();
    engine.setManager(false);
    const { state } = started(engine);
    assert.equal(await state.waitLive(2000), false);
    assert.equal(state.isManager, false);
    assert.deepEqual(state.serviceList(), []);
    // Longer than any reconnect backoff: without the stand-by it would have connected again.
    await sleep(1000);
    assert.equal(engine.opens(), 1);
  });
});
