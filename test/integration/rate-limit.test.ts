import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { requireEngine, sleeper, stateOf, useEngine } from '../support/engine.js';
import { rejection, useIpcHarness } from '../support/ipc.js';
import { useTestServer } from '../support/server.js';

const LIMITS = { RATE_LIMIT_PER_MINUTE: '3', RATE_LIMIT_CONTROL_PER_MINUTE: '2' };

describe('rate limits over REST', () => {
  useEngine();
  const server = useTestServer(LIMITS);

  it('answers 429 with Retry-After and the IETF headers after the read limit; another identity is unaffected', async () => {
    const alice = await server.tokenFor('user', 'rl-alice');
    for (let i = 0; i < 3; i++) {
      assert.equal((await server.call('GET', '/api/v1/containers', { token: alice })).status, 200, `call ${i + 1}`);
    }
    const limited = await server.call('GET', '/api/v1/containers', { token: alice });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.code, 'RATE_LIMITED');
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.equal(limited.headers.get('ratelimit-policy'), '"read";q=3;w=60');
    assert.equal(limited.headers.get('ratelimit'), `"read";r=0;t=${retryAfter}`);
    assert.deepEqual(limited.body.error.details, { policy: 'read', limit: 3, windowSeconds: 60, retryAfterSeconds: retryAfter });

    const bob = await server.tokenFor('user', 'rl-bob');
    assert.equal((await server.call('GET', '/api/v1/containers', { token: bob })).status, 200);
    const aliceAsAdmin = await server.tokenFor('admin', 'rl-alice');
    assert.equal((await server.call('GET', '/api/v1/containers', { token: aliceAsAdmin })).status, 429, 'keyed by sub, not by token');
  });

  it('counts control operations apart, and a refused one changes nothing', async () => {
    const c = await sleeper({ 'lucid.service.group': 'core' });
    const token = await server.tokenFor('developer', 'rl-dev');
    const stop = () => server.call('POST', `/api/v1/containers/${c.id}/stop`, { token, body: { timeout: 0 } });
    const start = () => server.call('POST', `/api/v1/containers/${c.id}/start`, { token });
    assert.equal((await stop()).status, 200);
    assert.equal((await start()).status, 200);
    assert.equal(await stateOf(c), 'running');
    const refused = await stop();
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('ratelimit-policy'), '"control";q=2;w=60');
    assert.equal(await stateOf(c), 'running', 'the refused stop did not happen');
    assert.equal((await server.call('GET', `/api/v1/containers/${c.id}`, { token })).status, 200, 'reads have their own budget');
  });

  it('limits anonymous and badly authenticated attempts by client address', async () => {
    for (let i = 0; i < 3; i++) {
      assert.equal((await server.call('GET', '/api/v1/containers', { role: null })).status, 401);
    }
    assert.equal((await server.call('GET', '/api/v1/containers', { role: null })).status, 429);
    const forged = await server.call('GET', '/api/v1/containers', { token: 'not.a.token' });
    assert.equal(forged.status, 429, 'a bad token does not buy a fresh budget');
    const valid = await server.tokenFor('user', 'rl-carol');
    assert.equal((await server.call('GET', '/api/v1/containers', { token: valid })).status, 200);
  });

});

describe('rate limits over IPC', () => {
  before(requireEngine);
  const harness = useIpcHarness(LIMITS);

  it('uses the same limiter: per subject, and per window when anonymous', async () => {
    const { api } = await harness.openWindow(null);
    await api.auth.setToken(await harness.tokenFor('user', 'ipc-rl-alice'));
    for (let i = 0; i < 3; i++) await api.containers.list();
    const message = await rejection(api.containers.list());
    assert.match(message, /^\[RATE_LIMITED\]/);

    const other = await harness.openWindow(null);
    await other.api.auth.setToken(await harness.tokenFor('user', 'ipc-rl-bob'));
    assert.ok(Array.isArray((await other.api.containers.list()).containers));

    const sameSub = await harness.openWindow(null);
    await sameSub.api.auth.setToken(await harness.tokenFor('user', 'ipc-rl-alice'));
    assert.match(await rejection(sameSub.api.containers.list()), /^\[RATE_LIMITED\]/, 'another window, same subject');

    const anonymous = await harness.openWindow(null);
    for (let i = 0; i < 3; i++) assert.match(await rejection(anonymous.api.containers.list()), /^\[UNAUTHENTICATED\]/);
    assert.match(await rejection(anonymous.api.containers.list()), /^\[RATE_LIMITED\]/);
  });
});

describe('rate limit settings', () => {
  useEngine();
  const server = useTestServer({ RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_CONTROL_PER_MINUTE: '1' });

  it('0 disables a limit while the other one holds', async () => {
    const token = await server.tokenFor('admin', 'rl-settings');
    for (let i = 0; i < 8; i++) {
      assert.equal((await server.call('GET', '/api/v1/containers', { token })).status, 200, `read ${i + 1}`);
    }
    const c = await sleeper({ 'lucid.service.group': 'core' });
    assert.equal((await server.call('POST', `/api/v1/containers/${c.id}/stop`, { token, body: { timeout: 0 } })).status, 200);
    assert.equal((await server.call('POST', `/api/v1/containers/${c.id}/start`, { token })).status, 429);
    assert.equal(await stateOf(c), 'exited');
  });
});
