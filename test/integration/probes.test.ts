import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { loadConfig } from '../../src/main/config/env.js';
import { ComposeDriver } from '../../src/main/compose/driver.js';
import { TRANSPORTS, useClient } from '../support/clients.js';
import { docker, requireEngine } from '../support/engine.js';
import { waitFor } from '../support/eventually.js';
import { useTestServer } from '../support/server.js';

const packageVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

for (const transport of TRANSPORTS) {
  describe(`probes over ${transport.name}`, () => {
    before(requireEngine);
    const client = useClient(transport, { LUCID_ENV: 'production', LUCID_PLATFORM: 'arm64' });
    before(async () => {
      await waitFor('ready', 5000, async () => {
        const r = await client.call('health.ready', {}, null);
        return r.ok && r.data.ready === true;
      });
    });

    it('answers the public probes without any identity', async () => {
      const summary = await client.call('health.summary', {}, null);
      assert.deepEqual(summary, { ok: true, data: { status: 'ok', docker: 'up' }, ...(transport.name === 'rest' ? { status: 200 } : {}) });
      const live = await client.call('health.live', {}, null);
      assert.equal(live.ok && live.data.status, 'ok');
      const ready = await client.call('health.ready', {}, null);
      assert.equal(ready.ok && ready.data.ready, true);
      assert.equal(ready.ok && ready.data.docker, 'up');
      assert.equal(ready.ok && 'reason' in ready.data, false);
    });

    it('reports the truth about the manager, the engine and Compose to any role', async () => {
      const engine = await docker.version();
      // What the compose driver itself finds on this host, asked independently of the manager.
      const found = await new ComposeDriver({ dockerHost: 'unix:///var/run/docker.sock' }).info();
      const compose = found.available
        ? { available: true, variant: found.variant, version: found.version }
        : { available: false, variant: null, version: null };
      for (const role of ['user', 'developer', 'admin'] as const) {
        const details = await client.call('health.details', {}, role);
        assert.ok(details.ok, `${role}: ${JSON.stringify(details)}`);
        const d = details.data;
        assert.equal(d.status, compose.available ? 'healthy' : 'degraded');
        assert.equal(d.version, packageVersion);
        assert.ok(Number.isInteger(d.uptimeSeconds) && d.uptimeSeconds >= 0);
        assert.deepEqual([d.platform, d.environment], ['arm64', 'production']);
        assert.equal(d.docker.reachable, true);
        assert.equal(d.docker.serverVersion, engine.Version);
        assert.equal(d.docker.apiVersion, engine.ApiVersion);
        assert.equal(d.docker.minApiVersion, engine.MinAPIVersion);
        assert.equal(d.docker.compatible, true);
        assert.ok(typeof d.docker.latencyMs === 'number' && d.docker.latencyMs >= 0);
        assert.equal('lastError' in d.docker, false);
        assert.deepEqual(d.compose, { available: compose.available, variant: compose.variant, version: compose.version });
      }
    });

    it('refuses the detailed health to a caller without identity', async () => {
      const anonymous = await client.call('health.details', {}, null);
      assert.equal(!anonymous.ok && anonymous.code, 'UNAUTHENTICATED');
    });
  });
}

describe('probes on REST only', () => {
  before(requireEngine);
  const server = useTestServer();

  it('are served at their documented paths, uncached, even with a stale Authorization header', async () => {
    for (const path of ['/health', '/api/v1/live', '/api/v1/ready']) {
      const res = await server.call('GET', path, { token: 'not-a-jwt' });
      assert.equal(res.status === 200 || (path.endsWith('ready') && res.status === 503), true, `${path}: ${res.status}`);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    }
  });

  it('answers other methods on the probe paths with 404 ROUTE_NOT_FOUND', async () => {
    for (const path of ['/health', '/api/v1/live', '/api/v1/ready', '/api/v1/health', '/metrics']) {
      const res = await server.call('POST', path, { body: {} });
      assert.equal(res.status, 404, path);
      assert.equal(res.body.error.code, 'ROUTE_NOT_FOUND');
    }
  });

  it('refuses a bad token on the detailed health with 401', async () => {
    const res = await server.call('GET', '/api/v1/health', { token: 'not-a-jwt' });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'UNAUTHENTICATED');
  });
});

describe('METRICS_TOKEN', () => {
  const TOKEN = 'metrics-token-0123456789abcdef';
  before(requireEngine);
  const server = useTestServer({ METRICS_TOKEN: TOKEN });
  const clients = TRANSPORTS.map((transport) => useClient(transport, { METRICS_TOKEN: TOKEN }));

  it('lets Prometheus in with the token, and nobody without it', async () => {
    const ok = await server.call('GET', '/metrics', { token: TOKEN });
    assert.equal(ok.status, 200);
    assert.match(ok.body, /^# HELP /);
    for (const [what, options] of [
      ['no header', { role: null }],
      ['a wrong token', { token: `${TOKEN}x` }],
      ['the token in the query string', { role: null }],
    ] as const) {
      const path = what === 'the token in the query string' ? `/metrics?token=${TOKEN}` : '/metrics';
      const res = await server.call('GET', path, options);
      assert.equal(res.status, 401, what);
      assert.equal(res.body.error.code, 'UNAUTHENTICATED', what);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    }
  });

  it('is what the served OpenAPI document says: a 401, and the bearer token optional', async () => {
    const doc = await server.call('GET', '/openapi.json', { role: null });
    const metrics = doc.body.paths['/metrics'].get;
    assert.ok(metrics.responses['401'], 'the 401 is documented');
    assert.deepEqual(metrics.security, [{}, { bearerAuth: [] }]);
  });

  it('still lets signed-in callers scrape, on both transports; anonymous ones not', async () => {
    for (const client of clients) {
      const signedIn = await client.call('metrics.scrape', {}, 'user');
      assert.ok(signedIn.ok && typeof signedIn.data === 'string' && signedIn.data.includes('lucid_docker_up'), client.transport);
      const anonymous = await client.call('metrics.scrape', {}, null);
      assert.equal(!anonymous.ok && anonymous.code, 'UNAUTHENTICATED', client.transport);
    }
  });

  it('refuses a token that is too short or unusable in a header, naming the variable', () => {
    for (const bad of ['short', 'has spaces in it, sixteen+', 'x'.repeat(600)]) {
      assert.throws(() => loadConfig({ METRICS_TOKEN: bad }), /METRICS_TOKEN/);
    }
    assert.equal(loadConfig({ METRICS_TOKEN: TOKEN }).METRICS_TOKEN, TOKEN);
    assert.equal(loadConfig({}).METRICS_TOKEN, undefined);
  });
});
