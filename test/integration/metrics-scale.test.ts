import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { requireEngine, TEST_IMAGE } from '../support/engine.js';
import { dockerCallCount, promtoolCheck, sampleValue } from '../support/metrics.js';
import { waitFor } from '../support/eventually.js';
import { PrivateEngine } from '../support/private-engine.js';
import { useTestServer } from '../support/server.js';
import { sleep } from '../support/sleep.js';

const CREATED = 500;

function spec(labels: Record<string, string>, healthCmd?: string): Docker.ContainerCreateOptions {
  return {
    Image: TEST_IMAGE,
    Cmd: ['sleep', '3600'],
    Labels: labels,
    StopSignal: 'SIGKILL',
    HostConfig: { NetworkMode: 'none' },
    ...(healthCmd
      ? { Healthcheck: { Test: ['CMD-SHELL', healthCmd], Interval: 200e6, Timeout: 1e9, Retries: 1, StartPeriod: 0 } }
      : {}),
  };
}

/**
 * 500 containers live on a private dockerd, so that the shared engine other tests list is not
 * burdened with them. A scrape must answer in under 100 ms and ask Docker at most once.
 */
describe('metrics with 500 containers, on a private dockerd', () => {
  let engine: PrivateEngine;

  before(async () => {
    await requireEngine();
    engine = await PrivateEngine.start();
    await engine.loadTestImage();
    const queue = Array.from({ length: CREATED }, (_, i) => i);
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
          await engine.docker.createContainer(spec({ 'lucid.service.group': i % 2 === 0 ? 'core' : 'support' }));
        }
      }),
    );
    const running = [
      spec({ 'lucid.service.group': 'core' }, 'true'),
      spec({ 'lucid.service.group': 'core' }),
      spec({ 'lucid.service.group': 'support' }, 'false'),
      spec({ 'lucid.service.group': 'somebody-elses-group' }),
    ];
    for (const options of running) await (await engine.docker.createContainer(options)).start();
  });
  // Declared after the server, so that it closes before its engine goes away.
  const server = useTestServer(() => ({ DOCKER_HOST: engine.dockerHost }));
  after(async () => {
    await engine?.destroy();
  });

  const scrape = async () => {
    const started = performance.now();
    const res = await server.call('GET', '/metrics', { role: null });
    assert.equal(res.status, 200);
    return { text: res.body as string, ms: performance.now() - started };
  };

  it('counts every container by state and the healthy services per group', async () => {
    await waitFor('counts and health checks settle', 15_000, async () => {
      const { text } = await scrape();
      return (
        sampleValue(text, 'lucid_containers_total', { state: 'created' }) === CREATED &&
        sampleValue(text, 'lucid_containers_total', { state: 'running' }) === 4 &&
        sampleValue(text, 'lucid_services_healthy', { group: 'core' }) === 2
      );
    }, 250);
    const { text } = await scrape();
    assert.equal(sampleValue(text, 'lucid_services_healthy', { group: 'support' }), 0, 'unhealthy does not count');
    assert.equal(sampleValue(text, 'lucid_services_healthy', { group: 'foundation' }), 0);
    assert.equal(text.includes('somebody-elses-group'), false);
    const { problems } = promtoolCheck(text);
    for (const line of problems) assert.match(line, /non-counter metrics should not have "_total" suffix$/);
  });

  it('answers a scrape in under 100 ms, asking Docker at most once per scrape', async (t) => {
    const scrapes = 9;
    const timings: number[] = [];
    await scrape();
    await sleep(1050);
    const before = await dockerCallCount(server.manager, 'containers.list');
    for (let i = 0; i < scrapes; i++) {
      timings.push((await scrape()).ms);
      // Past the census' freshness window, so that every scrape does ask Docker.
      await sleep(1050);
    }
    const calls = (await dockerCallCount(server.manager, 'containers.list')) - before;
    assert.ok(calls <= scrapes, `${calls} list calls for ${scrapes} scrapes`);
    timings.sort((a, b) => a - b);
    const median = timings[Math.floor(timings.length / 2)] ?? Infinity;
    t.diagnostic(`scrape ms: ${timings.map((ms) => ms.toFixed(1)).join(', ')}; list calls: ${calls}`);
    assert.ok(median < 100, `median scrape ${median.toFixed(1)} ms`);
  });
});
