import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostsWithRole, swarmRoleText } from '../../src/renderer/state/hosts.js';
import { hostView } from '../support/host-views.js';

const host = hostView;

describe("the dashboard's swarm roles", () => {
  it('says manager, worker or no swarm, and a state other than working', () => {
    assert.equal(swarmRoleText({ role: 'manager', state: 'active', nodeId: 'a' }), 'manager');
    assert.equal(swarmRoleText({ role: 'worker', state: 'active', nodeId: 'b' }), 'worker');
    assert.equal(swarmRoleText({ role: 'none', state: 'inactive' }), 'no swarm');
    assert.equal(swarmRoleText({ role: 'worker', state: 'pending', nodeId: 'c' }), 'worker (pending)');
    assert.equal(swarmRoleText({ role: 'manager', state: 'locked' }), 'manager (locked)');
    assert.equal(swarmRoleText(null), '—');
    assert.equal(swarmRoleText(undefined), '—');
  });

  it('names the hosts of a role in the list order, a host whose role is unknown in none', () => {
    const hosts = new Map(
      [
        host('w2', { role: 'worker', state: 'active', nodeId: 'x' }),
        host('m', { role: 'manager', state: 'active', nodeId: 'y' }),
        host('lone', { role: 'none', state: 'inactive' }),
        host('down', null),
        host('w1', { role: 'worker', state: 'error', nodeId: 'z' }),
      ].map((h) => [h.name, h]),
    );
    assert.deepEqual(hostsWithRole(hosts, 'worker'), ['w2', 'w1']);
    assert.deepEqual(hostsWithRole(hosts, 'manager'), ['m']);
    assert.deepEqual(hostsWithRole(hosts, 'none'), ['lone']);
  });
});
