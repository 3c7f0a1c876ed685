import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { swarmOfInfo } from '../../src/main/docker/swarm-role.js';
import { isActiveManager } from '../../src/shared/host-swarm.js';
import { hostSwarmSchema } from '../../src/shared/schemas/hosts.js';

/** Parts of real `/info` answers (Docker 20.10), with the fields around them left in. */
const info = (swarm: Record<string, unknown> | undefined) => ({ ID: 'X', Containers: 3, ServerVersion: '20.10.24', ...(swarm ? { Swarm: swarm } : {}) });

describe("an engine's swarm role from /info", () => {
  it('is manager on an active manager, with its node id', () => {
    const swarm = swarmOfInfo(info({ NodeID: 'n1mgr', NodeAddr: '10.250.0.2', LocalNodeState: 'active', ControlAvailable: true, Error: '', RemoteManagers: [], Nodes: 3, Managers: 1 }));
    assert.deepEqual(swarm, { role: 'manager', state: 'active', nodeId: 'n1mgr' });
    assert.equal(isActiveManager(swarm), true);
  });

  it('is worker on an active node without control, with its node id', () => {
    const swarm = swarmOfInfo(info({ NodeID: 'n2wrk', NodeAddr: '10.250.0.3', LocalNodeState: 'active', ControlAvailable: false, Error: '', RemoteManagers: [{ NodeID: 'n1mgr', Addr: '10.250.0.2:2377' }] }));
    assert.deepEqual(swarm, { role: 'worker', state: 'active', nodeId: 'n2wrk' });
    assert.equal(isActiveManager(swarm), false);
  });

  it('is none on an engine in no swarm, and on one that reports no swarm at all', () => {
    const inactive = swarmOfInfo(info({ NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null }));
    assert.deepEqual(inactive, { role: 'none', state: 'inactive' });
    assert.equal(isActiveManager(inactive), false);
    assert.deepEqual(swarmOfInfo(info(undefined)), { role: 'none', state: 'inactive' });
    assert.deepEqual(swarmOfInfo({ ...info(undefined), Swarm: null }), { role: 'none', state: 'inactive' });
  });

  it('keeps a joining or failed node apart from an active one: in a swarm, no manager to ask', () => {
    for (const state of ['pending', 'error'] as const) {
      const swarm = swarmOfInfo(info({ NodeID: 'n3', LocalNodeState: state, ControlAvailable: false, Error: state === 'error' ? 'could not join' : '' }));
      assert.deepEqual(swarm, { role: 'worker', state, nodeId: 'n3' }, state);
      assert.equal(isActiveManager(swarm), false, state);
    }
  });

  it('calls a locked engine a manager (only managers lock) that answers no cluster operation until unlocked', () => {
    const swarm = swarmOfInfo(info({ NodeID: '', LocalNodeState: 'locked', ControlAvailable: false, Error: '' }));
    assert.deepEqual(swarm, { role: 'manager', state: 'locked' });
    assert.equal(isActiveManager(swarm), false);
  });

  it('refuses an /info that makes no sense with DOCKER_ERROR', () => {
    for (const bad of [null, 'nonsense', [], { Swarm: 'active' }, { Swarm: { LocalNodeState: 'dancing' } }, { Swarm: {} }, { Swarm: { LocalNodeState: 'active', ControlAvailable: 'yes' } }, { Swarm: { LocalNodeState: 'active', NodeID: 7 } }]) {
      assert.throws(() => swarmOfInfo(bad), (err: any) => err.code === 'DOCKER_ERROR', JSON.stringify(bad));
    }
  });

  it('answers only what the hosts list may carry', () => {
    for (const state of ['inactive', 'pending', 'active', 'error', 'locked']) {
      const swarm = swarmOfInfo(info({ NodeID: 'n', LocalNodeState: state, ControlAvailable: state === 'active' }));
      assert.deepEqual(hostSwarmSchema.strict().parse(swarm), swarm);
    }
  });
});
