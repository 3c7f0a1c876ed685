import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostsWithRole, swarmRoleText, type HostView } from '../../src/renderer/state/hosts.js';
import { applyLiveEvents, type LiveState } from '../../src/renderer/state/live-containers.js';
import type { HostSwarm } from '../../src/shared/schemas/hosts.js';
import { hostView } from '../support/host-views.js';
import type { HostEvent } from '../../src/shared/schemas/live.js';

const host = hostView;

function live(...hosts: HostView[]): LiveState {
  return { containers: new Map(), loaded: true, connection: 'live', lostReason: undefined, hosts: new Map(hosts.map((h) => [h.name, h])) };
}

function hostEvent(name: string, swarm: HostSwarm | null | undefined, state: HostEvent['state'] = 'up'): HostEvent {
  return { type: 'host', host: name, state, ...(swarm !== undefined ? { swarm } : {}), time: '2026-01-01T00:00:00.000Z' };
}

const MANAGER: HostSwarm = { role: 'manager', state: 'active', nodeId: 'n1' };
const NONE: HostSwarm = { role: 'none', state: 'inactive' };

describe("the dashboard's hosts from host events", () => {
  it("takes a host's new swarm role from its host event, without a reload", () => {
    const before = live(host('cluster', MANAGER), host('lone', NONE));
    const left = applyLiveEvents([hostEvent('cluster', NONE)], before);
    assert.deepEqual(left.hosts.get('cluster')?.info?.swarm, NONE);
    assert.equal(left.hosts.get('cluster')?.info?.swarmManager, false);
    assert.equal(swarmRoleText(left.hosts.get('cluster')?.info?.swarm), 'no swarm');
    assert.deepEqual(hostsWithRole(left.hosts, 'manager'), []);
    assert.equal(left.hosts.get('cluster')?.info?.containers.running, 2, 'the other details stay');
    assert.deepEqual(before.hosts.get('cluster')?.info?.swarm, MANAGER, 'the state before is not changed');

    const worker: HostSwarm = { role: 'worker', state: 'active', nodeId: 'w1' };
    const joined = applyLiveEvents([hostEvent('lone', worker), hostEvent('cluster', MANAGER)], left);
    assert.deepEqual(hostsWithRole(joined.hosts, 'worker'), ['lone']);
    assert.deepEqual(hostsWithRole(joined.hosts, 'manager'), ['cluster']);
    assert.equal(joined.hosts.get('cluster')?.info?.swarmManager, true);
  });

  it('forgets the role of a host that goes down, and keeps it for an event that carries none', () => {
    const down = applyLiveEvents([hostEvent('cluster', null, 'down')], live(host('cluster', MANAGER)));
    assert.equal(down.hosts.get('cluster')?.state, 'down');
    assert.equal(down.hosts.get('cluster')?.info?.swarm, null);
    assert.equal(down.hosts.get('cluster')?.info?.swarmManager, null);
    const older = applyLiveEvents([hostEvent('cluster', undefined)], live(host('cluster', MANAGER)));
    assert.deepEqual(older.hosts.get('cluster')?.info?.swarm, MANAGER);
  });

  it('adds no details for a host whose details are not read yet', () => {
    const next = applyLiveEvents([hostEvent('new', MANAGER)], live());
    assert.deepEqual(next.hosts.get('new'), { name: 'new', state: 'up' });
  });
});
