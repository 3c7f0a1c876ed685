import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sleeper, stateOf, useEngine } from '../support/engine.js';
import { useTestServer } from '../support/server.js';

describe('REST error handling', () => {
  useEngine();
  const server = useTestServer();

  function assertEnvelope(body: any, code: string): void {
    assert.equal(body.error.code, code);
    assert.equal(typeof body.error.message, 'string');
    assert.equal(typeof body.requestId, 'string');
    assert.equal(JSON.stringify(body).includes('    at '), false, 'no stack trace');
  }

  it('answers malformed JSON with 400 and leaves the container alone', async () => {
    const c = await sleeper({ 'lucid.service.group': 'core' });
    const res = await server.call('POST', `/api/v1/containers/${c.id}/stop`, { rawBody: '{"timeout": 1,' });
    assert.equal(res.status, 400);
    assertEnvelope(res.body, 'VALIDATION_FAILED');
    assert.equal(await stateOf(c), 'running');
    const arrayBody = await server.call('POST', `/api/v1/containers/${c.id}/stop`, { rawBody: '[1,2]' });
    assert.equal(arrayBody.status, 400);
    assert.equal(await stateOf(c), 'running');
  });

  it('takes the stop timeout from the body only, where the document declares it', async () => {
    const c = await sleeper({ 'lucid.service.group': 'core' });
    const bad = await server.call('POST', `/api/v1/containers/${c.id}/stop?timeout=-3`);
    assert.equal(bad.status, 400);
    assert.equal(await stateOf(c), 'running');
    const misplaced = await server.call('POST', `/api/v1/containers/${c.id}/stop?timeout=1`);
    assert.equal(misplaced.status, 400);
    assertEnvelope(misplaced.body, 'UNKNOWN_INPUT');
    assert.equal(await stateOf(c), 'running', 'a refused call does nothing');
    const ok = await server.call('POST', `/api/v1/containers/${c.id}/stop`, { body: { timeout: 1 } });
    assert.equal(ok.status, 200);
    assert.equal(await stateOf(c), 'exited');
  });

  it('refuses a body that is not JSON with 415 instead of running with defaults', async () => {
    const c = await sleeper({ 'lucid.service.group': 'core' });
    for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
      const res = await server.call('POST', `/api/v1/containers/${c.id}/stop`, {
        rawBody: 'timeout=-5',
        headers: { 'content-type': type },
      });
      assert.equal(res.status, 415, type);
      assertEnvelope(res.body, 'UNSUPPORTED_MEDIA_TYPE');
    }
    assert.equal(await stateOf(c), 'running');
  });

  it('answers an undecodable path with 400, not 500', async () => {
    const res = await server.call('GET', '/api/v1/containers/%ZZ');
    assert.equal(res.status, 400);
    assertEnvelope(res.body, 'VALIDATION_FAILED');
  });

  it('refuses since after until', async () => {
    const res = await server.call('GET', '/api/v1/containers/abc/logs?since=2000&until=1000');
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /since must not be after until/);
  });

  it('refuses bodies over 64 KiB with 413', async () => {
    const res = await server.call('POST', '/api/v1/containers/x/stop', { rawBody: JSON.stringify({ pad: 'x'.repeat(70 * 1024) }) });
    assert.equal(res.status, 413);
    assertEnvelope(res.body, 'PAYLOAD_TOO_LARGE');
  });

  it('answers unknown routes and wrong methods with 404 ROUTE_NOT_FOUND', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/nope'],
      ['GET', '/api/v1/containers/abc/start'],
      ['DELETE', '/api/v1/containers/abc'],
      // GET / is the dashboard (dashboard.test.ts); nothing else is served there.
      ['POST', '/'],
    ] as const) {
      const res = await server.call(method, path);
      assert.equal(res.status, 404, `${method} ${path}`);
      assertEnvelope(res.body, 'ROUTE_NOT_FOUND');
    }
  });

  it('rejects repeated query parameters instead of picking one', async () => {
    const res = await server.call('GET', '/api/v1/containers/abc/logs?tail=1&tail=2');
    assert.equal(res.status, 400);
  });

  it('keeps serving after a burst of bad requests, and sets the protective headers', async () => {
    await Promise.all(Array.from({ length: 30 }, () => server.call('POST', '/api/v1/containers/x/stop', { rawBody: '{' })));
    const res = await server.call('GET', '/api/v1/containers');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-powered-by'), null);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.ok(res.headers.get('x-request-id'));
  });

  it('echoes a sane client request id and replaces an unsafe one', async () => {
    const sane = await server.call('GET', '/api/v1/containers/%20', { headers: { 'x-request-id': 'abc-123' } });
    assert.equal(sane.body.requestId, 'abc-123');
    const unsafe = await server.call('GET', '/api/v1/containers', { headers: { 'x-request-id': 'a b<script>' } });
    assert.notEqual(unsafe.headers.get('x-request-id'), 'a b<script>');
  });
});
