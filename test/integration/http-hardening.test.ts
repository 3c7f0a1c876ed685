import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { before, describe, it } from 'node:test';
import { requireEngine } from '../support/engine.js';
import { useTestServer, type TestServer } from '../support/server.js';

const GUI = 'https://gui.example';

describe('REST hardening', () => {
  before(requireEngine);
  const open = useTestServer({ CORS_ORIGINS: `${GUI},http://localhost:5173` });
  const closed = useTestServer();

  const preflight = (server: TestServer, origin: string) =>
    fetch(`${server.url}/api/v1/containers`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });

  it('answers a preflight from a listed origin, and only from one', async () => {
    const allowed = await preflight(open, GUI);
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get('access-control-allow-origin'), GUI);
    assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    assert.equal(allowed.headers.get('access-control-allow-credentials'), null);
    const foreign = await preflight(open, 'https://evil.example');
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
    const res = await open.call('GET', '/api/v1/containers', { headers: { origin: GUI } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), GUI);
    assert.match(res.headers.get('access-control-expose-headers') ?? '', /Retry-After/);
  });

  it('sends no CORS headers at all by default', async () => {
    const pre = await preflight(closed, GUI);
    assert.equal(pre.headers.get('access-control-allow-origin'), null);
    const res = await closed.call('GET', '/api/v1/containers', { headers: { origin: GUI } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });

  /** One raw request line over a fresh connection: the status line of the answer. */
  const rawStatus = (server: TestServer, target: string) =>
    new Promise<string>((resolve, reject) => {
      const { hostname, port } = new URL(server.url);
      const socket = connect(Number(port), hostname, () =>
        socket.end(`GET ${target} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`),
      );
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      socket.on('end', () => resolve(answer.split('\r\n', 1)[0] ?? ''));
      socket.on('error', reject);
    });

  it('serves a request target in absolute form (as a proxy sends it) and ignores a fragment', async () => {
    assert.equal(await rawStatus(closed, `${closed.url}/api/v1/live`), 'HTTP/1.1 200 OK');
    assert.equal(await rawStatus(closed, '/api/v1/live#top'), 'HTTP/1.1 200 OK');
    assert.equal(await rawStatus(closed, `${closed.url}/api/v1/nowhere`), 'HTTP/1.1 404 Not Found');
  });

  it('sets nosniff and no-store and hides X-Powered-By on answers and errors alike', async () => {
    const answers = [
      await closed.call('GET', '/api/v1/containers'),
      await closed.call('GET', '/api/v1/containers', { role: null }),
      await closed.call('GET', '/api/v1/audit', { role: 'user' }),
      await closed.call('GET', '/api/v1/nowhere'),
      await closed.call('POST', '/api/v1/containers/x/stop', { rawBody: JSON.stringify({ pad: 'x'.repeat(65 * 1024) }) }),
    ];
    assert.deepEqual(answers.map((r) => r.status), [200, 401, 403, 404, 413]);
    for (const res of answers) {
      assert.equal(res.headers.get('x-powered-by'), null);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('cache-control'), 'no-store');
    }
  });
});
