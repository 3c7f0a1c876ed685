import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { SwarmCluster } from '../../src/main/services/swarm.js';
import { jsonBodyOf } from '../../src/main/state/json-cache.js';
import { SwarmState } from '../../src/main/state/swarm-state.js';
import { fakeManager } from '../support/fake-swarm-manager.js';

const quiet = { debug: () => {}, warn: () => {} };
const states: SwarmState[] = [];
after(async () => {
  for (const state of states) await state.close();
});

async function liveCluster() {
  const engine = fakeManager();
  engine.setService('s1', 1, 1);
  const state = new SwarmState(engine.gateway, quiet, { followMs: 60_000, reconcileMs: 600_000 });
  states.push(state);
  state.start();
  assert.equal(await state.waitLive(2000), true);
  let projects: ReadonlyMap<string, string | null> = new Map();
  const cluster = new SwarmCluster(engine.gateway, {
    stackGroups: { projects: async () => projects, groupOf: async () => null },
    logReadMaxBytes: 1024,
    state,
  });
  return { engine, state, cluster, setProjects: (next: ReadonlyMap<string, string | null>) => (projects = next) };
}

describe('the swarm services answer', () => {
  it('is the same object, serialised once, while the live state and the projects are unchanged', async () => {
    const { cluster } = await liveCluster();
    const first = await cluster.servicesAnswer();
    assert.deepEqual(first.services.map((s) => s.name), ['svc-s1']);
    assert.equal(await cluster.servicesAnswer(), first);
    assert.equal(jsonBodyOf(first), jsonBodyOf(first), 'one body for the answer');
  });

  it('is built again after the state changed, and per stack filter', async () => {
    const { engine, state, cluster, setProjects } = await liveCluster();
    const first = await cluster.servicesAnswer();
    engine.setService('s2', 0, 1);
    await state.refresh({ all: true });
    const second = await cluster.servicesAnswer();
    assert.notEqual(second, first);
    assert.deepEqual(second.services.map((s) => s.name), ['svc-s1', 'svc-s2']);
    const none = await cluster.servicesAnswer('lucid');
    assert.deepEqual(none.services, []);
    assert.notEqual(none, second);
    assert.equal(await cluster.servicesAnswer(), second);
    setProjects(new Map([['lucid', 'core']]));
    assert.notEqual(await cluster.servicesAnswer(), second, 'a new read of the projects builds it again');
  });

  it('is a new object each time when no live state answers', async () => {
    const engine = fakeManager();
    engine.setService('s1', 1, 1);
    const cluster = new SwarmCluster(engine.gateway, {
      stackGroups: { projects: async () => new Map(), groupOf: async () => null },
      logReadMaxBytes: 1024,
    });
    const first = await cluster.servicesAnswer();
    assert.deepEqual(first.services.map((s) => s.name), ['svc-s1']);
    assert.notEqual(await cluster.servicesAnswer(), first);
  });
});
