import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManagerMetrics, SWARM_SERVICES_EXPORTED } from '../../src/main/metrics/registry.js';
import { parseSamples, sampleValue } from '../support/metrics.js';

const services = (n: number, prefix = 's') =>
  Array.from({ length: n }, (_, i) => ({ name: `${prefix}${String(i).padStart(4, '0')}`, running: i % 3, desired: 2 }));

describe('swarm gauges', () => {
  it(`export replicas for the first ${SWARM_SERVICES_EXPORTED} services by name, and count them all`, async () => {
    const metrics = new ManagerMetrics([]);
    metrics.setSwarm('m', { nodes: [{ state: 'ready', availability: 'active' }], services: services(250).reverse() });
    const text = await metrics.exposition();
    const replicas = parseSamples(text).filter((s) => s.name === 'lucid_swarm_service_replicas');
    assert.equal(replicas.length, SWARM_SERVICES_EXPORTED * 2);
    assert.equal(sampleValue(text, 'lucid_swarm_service_replicas', { service: 's0199', kind: 'desired' }), 2);
    assert.equal(sampleValue(text, 'lucid_swarm_service_replicas', { service: 's0200', kind: 'desired' }), undefined);
    assert.equal(sampleValue(text, 'lucid_swarm_services', { host: 'm' }), 250);
  });

  it('drop the series of a service that went, and of a host that is no manager any more', async () => {
    const metrics = new ManagerMetrics([]);
    metrics.setSwarm('m', { nodes: [{ state: 'down', availability: 'drain' }, { state: 'odd', availability: 'active' }], services: services(2) });
    metrics.setSwarm('m', { nodes: [{ state: 'down', availability: 'drain' }, { state: 'odd', availability: 'active' }], services: services(1) });
    let text = await metrics.exposition();
    assert.equal(sampleValue(text, 'lucid_swarm_service_replicas', { service: 's0001', kind: 'running' }), undefined);
    assert.equal(sampleValue(text, 'lucid_swarm_service_replicas', { service: 's0000', kind: 'running' }), 0);
    assert.equal(sampleValue(text, 'lucid_swarm_nodes', { state: 'down', availability: 'drain' }), 1);
    assert.equal(sampleValue(text, 'lucid_swarm_nodes', { state: 'unknown', availability: 'active' }), 1, 'an unknown state is counted as unknown');
    metrics.setSwarm('m', null);
    text = await metrics.exposition();
    assert.deepEqual(parseSamples(text).filter((s) => s.name.startsWith('lucid_swarm')), []);
  });
});
