import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createTestContainer, sleeper, useEngine } from '../support/engine.js';
import { dockerCallCount, parseSamples, promtoolCheck, sampleSum, sampleValue } from '../support/metrics.js';
import { useTestServer } from '../support/server.js';
import { sleep } from '../support/sleep.js';

/** promtool's only allowed complaint: the `_total` suffix on these gauges (the seed's name stays). */
const ALLOWED_LINT = /^(lucid_containers_total|nodejs_active_[a-z]+_total) non-counter metrics should not have "_total" suffix$/;

const EXPECTED_TYPES: Record<string, string> = {
  lucid_containers_total: 'gauge',
  lucid_services_healthy: 'gauge',
  docker_operations_total: 'counter',
  docker_operation_duration_seconds: 'histogram',
  lucid_docker_up: 'gauge',
  lucid_compose_available: 'gauge',
  http_requests_total: 'counter',
  http_request_duration_seconds: 'histogram',
  process_cpu_seconds_total: 'counter',
  process_resident_memory_bytes: 'gauge',
  nodejs_heap_size_used_bytes: 'gauge',
  nodejs_eventloop_lag_seconds: 'gauge',
};

describe('GET /metrics', () => {
  const ours: { id: string; name: string }[] = [];

  useEngine();
  const server = useTestServer();
  before(async () => {
    for (const c of [
      await sleeper({ 'lucid.service.group': 'core' }),
      await sleeper({ 'lucid.service.group': 'not-a-known-group' }),
      await createTestContainer({ cmd: ['true'], start: false }),
    ]) {
      const info = await c.inspect();
      ours.push({ id: info.Id, name: info.Name.replace(/^\//, '') });
    }
    // Traffic on routes that carry ids, known and unknown.
    for (const { id, name } of ours) {
      await server.call('GET', `/api/v1/containers/${id}`);
      await server.call('GET', `/api/v1/containers/${name}/logs?tail=1`);
    }
    await server.call('GET', '/api/v1/containers/no-such-container-xyz');
    await server.call('GET', '/no/such/route/abc123');
  });

  const scrape = async () => {
    const res = await server.call('GET', '/metrics', { role: null });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    return res.body as string;
  };

  it('passes promtool check metrics, with only the allowed _total lint', async () => {
    const { status, problems } = promtoolCheck(await scrape());
    assert.ok(status === 0 || status === 3, `promtool exit ${status}: ${problems.join('\n')}`);
    for (const line of problems) assert.match(line, ALLOWED_LINT);
    assert.ok(problems.some((line) => line.startsWith('lucid_containers_total ')), 'promtool really linted the exposition');
  });

  it('exposes every documented metric with its type', async () => {
    const text = await scrape();
    for (const [name, type] of Object.entries(EXPECTED_TYPES)) {
      assert.match(text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'), name);
    }
    for (const state of ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead']) {
      assert.notEqual(sampleValue(text, 'lucid_containers_total', { state }), undefined, state);
    }
    assert.ok((sampleValue(text, 'lucid_containers_total', { state: 'running' }) ?? 0) >= 2);
    for (const group of ['foundation', 'core', 'application', 'support']) {
      assert.notEqual(sampleValue(text, 'lucid_services_healthy', { group }), undefined, group);
    }
    assert.ok((sampleValue(text, 'lucid_services_healthy', { group: 'core' }) ?? 0) >= 1);
    assert.equal(sampleValue(text, 'lucid_docker_up'), 1);
    assert.ok(sampleSum(text, 'docker_operations_total', { operation: 'containers.inspect', result: 'success' }) >= 3);
    assert.ok(sampleSum(text, 'docker_operations_total', { operation: 'containers.inspect', result: 'not_found' }) >= 1);
    assert.ok(sampleSum(text, 'docker_operation_duration_seconds_count', { operation: 'containers.logs' }) >= 3);
  });

  it('labels HTTP metrics with route patterns, and nothing with a container id or name', async () => {
    const text = await scrape();
    assert.ok((sampleValue(text, 'http_requests_total', { method: 'GET', route: '/api/v1/containers/{id}', status: '200' }) ?? 0) >= 3);
    assert.ok((sampleValue(text, 'http_requests_total', { method: 'GET', route: '/api/v1/containers/{id}', status: '404' }) ?? 0) >= 1);
    assert.ok((sampleValue(text, 'http_requests_total', { route: 'unmatched', status: '404' }) ?? 0) >= 1);
    assert.ok((sampleValue(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/containers/{id}/logs' }) ?? 0) >= 3);
    for (const { id, name } of ours) {
      assert.equal(text.includes(id.slice(0, 12)), false, `container id ${id} in the exposition`);
      assert.equal(text.includes(name), false, `container name ${name} in the exposition`);
    }
    for (const leak of ['no-such-container-xyz', 'abc123', 'not-a-known-group']) assert.equal(text.includes(leak), false, leak);
    const labelNames = new Set(parseSamples(text).flatMap((s) => Object.keys(s.labels)));
    for (const forbidden of ['id', 'container', 'container_id', 'name']) assert.equal(labelNames.has(forbidden), false, forbidden);
  });

  it('asks Docker at most once for concurrent scrapes', async () => {
    await sleep(1100);
    const before = await dockerCallCount(server.manager, 'containers.list');
    await Promise.all(Array.from({ length: 5 }, () => scrape()));
    await sleep(500);
    const calls = (await dockerCallCount(server.manager, 'containers.list')) - before;
    assert.ok(calls <= 1, `${calls} list calls for 5 concurrent scrapes`);
  });
});
