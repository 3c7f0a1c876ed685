import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { SignJWT, type JWTPayload } from 'jose';
import { ipcChannel } from '../../src/shared/ipc.js';
import { sleeper, stateOf, useEngine } from '../support/engine.js';
import { rejection, useIpcHarness } from '../support/ipc.js';
import { TEST_SECRET, useTestServer, type TestServer } from '../support/server.js';

const now = () => Math.floor(Date.now() / 1000);
const sign = (claims: JWTPayload) =>
  new SignJWT({ role: 'developer', aud: 'gui-docker-manager', iat: now(), exp: now() + 600, ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(TEST_SECRET));
const DAY = 86400;

describe('token bounds', () => {
  let target: Docker.Container;

  useEngine();
  const server = useTestServer({ RATE_LIMIT_PER_MINUTE: '3' });
  const lenient = useTestServer({ JWT_MAX_TTL_SECONDS: String(3 * DAY) });
  const ipc = useIpcHarness();
  before(async () => {
    target = await sleeper({ 'lucid.service.group': 'core' });
  });

  const list = (on: TestServer, token: string, sub = 'bounds') =>
    on.call('GET', '/api/v1/containers', { token, headers: { 'x-request-id': `list-${sub}` } });

  it('accepts one or more spaces after Bearer (RFC 6750), and still refuses two tokens', async () => {
    const token = await sign({ sub: 'spaces' });
    for (const header of [`Bearer ${token}`, `Bearer   ${token}`, `bearer  ${token}`]) {
      const res = await lenient.call('GET', '/api/v1/containers', { role: null, headers: { authorization: header } });
      assert.equal(res.status, 200, JSON.stringify(header.slice(0, 12)));
    }
    for (const header of [`Bearer ${token} ${token}`, `Bearer\t${token}`, `Bearer${token}`]) {
      const res = await lenient.call('GET', '/api/v1/containers', { role: null, headers: { authorization: header } });
      assert.equal(res.status, 401, JSON.stringify(header.slice(0, 12)));
    }
  });

  it('refuses a token whose exp lies beyond JWT_MAX_TTL_SECONDS (one day unless set)', async () => {
    const twoDays = await sign({ sub: 'long-lived', exp: now() + 2 * DAY });
    const tenYears = await sign({ sub: 'long-lived', exp: now() + 3650 * DAY });
    const oneDay = await sign({ sub: 'long-lived', exp: now() + DAY });
    const res = await server.call('POST', `/api/v1/containers/${target.id}/stop`, { token: twoDays, body: { timeout: 0 } });
    assert.equal(res.status, 401);
    assert.match(res.body.error.message, /JWT_MAX_TTL_SECONDS/);
    assert.equal(await stateOf(target), 'running');
    assert.equal((await lenient.call('GET', '/api/v1/containers', { token: oneDay })).status, 200);
    assert.equal((await lenient.call('GET', '/api/v1/containers', { token: twoDays })).status, 200, 'allowed when raised');
    assert.equal((await lenient.call('GET', '/api/v1/containers', { token: tenYears })).status, 401);
    const { api } = await ipc.openWindow(null);
    assert.match(await rejection(api.auth.setToken(twoDays)), /^\[UNAUTHENTICATED\]/);
  });

  it('refuses a subject with control characters', async () => {
    for (const sub of ['alice\nadmin', 'bell\u0007', 'esc\u001b[31m', 'del\u007f']) {
      const token = await sign({ sub });
      assert.equal((await lenient.call('GET', '/api/v1/containers', { token })).status, 401, JSON.stringify(sub));
      const { api } = await ipc.openWindow(null);
      assert.match(await rejection(api.auth.setToken(token)), /^\[UNAUTHENTICATED\]/, JSON.stringify(sub));
    }
    assert.equal((await lenient.call('GET', '/api/v1/containers', { token: await sign({ sub: 'Zoë Ünïcode' }) })).status, 200);
  });

  it('keeps the subject of an expired token for the audit trail and the rate limit, still refusing it', async () => {
    const expired = await sign({ sub: 'expired-sub', iat: now() - 3600, exp: now() - 120 });
    for (let i = 0; i < 3; i++) assert.equal((await list(server, expired, 'expired')).status, 401);
    const fresh = await sign({ sub: 'expired-sub' });
    assert.equal((await list(server, fresh, 'fresh')).status, 429, 'the expired attempts counted against the subject');
    const stop = await server.call('POST', `/api/v1/containers/${target.id}/stop`, { token: expired, body: { timeout: 0 } });
    assert.equal(stop.status, 401);
    assert.equal(await stateOf(target), 'running');
    const entries = (await server.manager.audit.list({ limit: 1000, sub: 'expired-sub' })).entries;
    assert.deepEqual(
      entries.map((e) => [e.operation, e.code, e.role]).reverse(),
      [
        ['containers.list', 'UNAUTHENTICATED', 'developer'],
        ['containers.list', 'UNAUTHENTICATED', 'developer'],
        ['containers.list', 'UNAUTHENTICATED', 'developer'],
        ['containers.list', 'RATE_LIMITED', 'developer'],
        ['containers.stop', 'UNAUTHENTICATED', 'developer'],
      ],
    );

    const { renderer } = ipc.bindWindow({ sub: 'expired-window', role: 'admin', expiresAt: now() - 120 });
    const answer = (await renderer.invoke(ipcChannel('containers.stop'), { id: target.id, timeout: 0 })) as any;
    assert.equal(answer.error.code, 'UNAUTHENTICATED');
    const [ipcEntry] = (await ipc.manager.audit.list({ limit: 5, sub: 'expired-window' })).entries;
    assert.deepEqual([ipcEntry?.operation, ipcEntry?.code, ipcEntry?.role], ['containers.stop', 'UNAUTHENTICATED', 'admin']);
    assert.equal(await stateOf(target), 'running');
  });

  it('stores a request id of its own in the audit trail, the client X-Request-Id apart', async () => {
    const token = await lenient.tokenFor('developer', 'request-ids');
    const res = await lenient.call('POST', `/api/v1/containers/${target.id}/restart`, {
      token,
      body: { timeout: 0 },
      headers: { 'x-request-id': 'abc-123' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-request-id'), 'abc-123', 'the client still sees its own id');
    const [entry] = (await lenient.manager.audit.list({ limit: 1, sub: 'request-ids' })).entries;
    assert.equal(entry?.operation, 'containers.restart');
    assert.match(entry?.requestId ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(entry?.clientRequestId, 'abc-123');
    const plain = await lenient.call('POST', `/api/v1/containers/${target.id}/restart`, { token, body: { timeout: 0 } });
    const [second] = (await lenient.manager.audit.list({ limit: 1, sub: 'request-ids' })).entries;
    assert.equal(second?.requestId, plain.headers.get('x-request-id'));
    assert.equal(second?.clientRequestId, undefined);
  });
});
