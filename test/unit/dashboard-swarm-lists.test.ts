import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SwarmNode, SwarmService } from '../../src/shared/schemas/swarm.js';
import type { SwarmEvent } from '../../src/shared/schemas/swarm-events.js';
import { applySwarmEvents, NO_LISTS, sortedNodes, sortedServices, stacksOf, unlistedStacks } from '../../src/renderer/state/swarm-lists.js';

const TIME = '2026-01-01T00:00:00Z';

function service(name: string, stack: string | null, running: number, desired: number, group: string | null = null): SwarmService {
  return { id: `id-${name}`, name, stack, image: 'busybox', mode: 'replicated', replicas: { running, desired }, update: null, ports: [], group, updatedAt: null };
}

function node(hostname: string, state = 'ready'): SwarmNode {
  return { id: `id-${hostname}`, hostname, role: 'worker', availability: 'active', state, address: null, engineVersion: null, labels: {}, leader: false };
}

const serviceEvent = (s: SwarmService, action: 'create' | 'update' | 'remove' = 'update'): SwarmEvent => ({
  type: 'service',
  host: 'local',
  action,
  id: s.id,
  name: s.name,
  stack: s.stack,
  group: s.group,
  time: TIME,
  service: action === 'remove' ? null : s,
});

describe('the swarm lists the dashboard keeps from swarm events', () => {
  it('applies each event as the object right after the change, and counts the events per service', () => {
    let lists = applySwarmEvents(NO_LISTS, [serviceEvent(service('web', null, 0, 1), 'create'), { type: 'node', host: 'local', action: 'create', id: 'id-w1', hostname: 'w1', time: TIME, node: node('w1') }]);
    lists = applySwarmEvents(lists, [serviceEvent(service('web', null, 3, 3)), { type: 'node', host: 'local', action: 'update', id: 'id-w1', hostname: 'w1', time: TIME, node: node('w1', 'down') }]);
    assert.deepEqual(sortedServices(lists).map((s) => s.replicas), [{ running: 3, desired: 3 }]);
    assert.equal(sortedNodes(lists)[0]?.state, 'down');
    assert.equal(lists.touched.get('web'), 2);
    lists = applySwarmEvents(lists, [serviceEvent(service('web', null, 0, 0), 'remove')]);
    assert.deepEqual(sortedServices(lists), []);
    assert.equal(applySwarmEvents(lists, []), lists, 'no event, the same lists: nothing re-renders');
  });

  it('counts stacks from their services; project and group from the stack list, else from the services', () => {
    const listed = { ...NO_LISTS, stacks: new Map([['shop', { project: 'shop', group: 'core' }]]) };
    const lists = applySwarmEvents(listed, [
      serviceEvent(service('shop_web', 'shop', 2, 2, 'core')),
      serviceEvent(service('shop_db', 'shop', 0, 1, 'core')),
      serviceEvent(service('cli_app', 'cli', 1, 1)),
      serviceEvent(service('loose', null, 1, 1)),
    ]);
    assert.deepEqual(stacksOf(lists), [
      { name: 'cli', services: 1, running: 1, desired: 1, group: null },
      { name: 'shop', services: 2, running: 2, desired: 3, project: 'shop', group: 'core' },
    ]);
    assert.deepEqual(unlistedStacks(lists), ['cli'], 'a stack deployed elsewhere is asked about');
  });
});
