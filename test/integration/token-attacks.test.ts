import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { sleeper, stateOf, useEngine } from '../support/engine.js';
import { rejection, useIpcHarness } from '../support/ipc.js';
import { TEST_SECRET, useTestServer, type TestServer } from '../support/server.js';

const AUDIENCE = 'gui-docker-manager';
const ISSUER = 'lucid-test-issuer';
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: JWTPayload = {}): JWTPayload => ({
  sub: 'mallory',
  role: 'admin',
  aud: AUDIENCE,
  iss: ISSUER,
  iat: now(),
  exp: now() + 600,
  ...extra,
});
const hs256 = (payload: JWTPayload, secret: string = TEST_SECRET) =>
  new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
const without = (key: string): JWTPayload => {
  const payload = claims();
  delete payload[key];
  return payload;
};

/** Re-encodes the payload (role raised to admin), keeping the original signature. */
function tamper(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  body.role = 'admin';
  return [header, Buffer.from(JSON.stringify(body)).toString('base64url'), signature].join('.');
}

/** Every token an attacker might try against the HS256 server (issuer required). */
async function attacksOnSecret(): Promise<[string, string][]> {
  return [
    ['alg none', new UnsecuredJWT(claims()).encode()],
    ['HS256 signed with another key', await hs256(claims(), 'another-secret-that-is-long-enough-too!!')],
    ['expired beyond the 30 s tolerance', await hs256(claims({ iat: now() - 3600, exp: now() - 120 }))],
    ['nbf in the future', await hs256(claims({ nbf: now() + 600 }))],
    ['no exp', await hs256(without('exp'))],
    ['no sub', await hs256(without('sub'))],
    ['no role', await hs256(without('role'))],
    ['unknown role', await hs256(claims({ role: 'root' }))],
    ['wrong aud', await hs256(claims({ aud: 'another-service' }))],
    ['wrong iss', await hs256(claims({ iss: 'evil-issuer' }))],
    ['no iss while JWT_ISSUER is set', await hs256(without('iss'))],
    ['tampered payload', tamper(await hs256(claims({ role: 'user' })))],
    ['garbage', 'garbage'],
    ['three garbage segments', 'abc.def.ghi'],
  ];
}

describe('token attacks', () => {
  let target: Docker.Container;
  let rsaPrivate: CryptoKey;
  let rsaPem: string;

  useEngine();
  before(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    rsaPrivate = pair.privateKey;
    rsaPem = await exportSPKI(pair.publicKey);
  });
  const server = useTestServer({ JWT_ISSUER: ISSUER });
  const rsServer = useTestServer(() => ({ JWT_PUBLIC_KEY: rsaPem, JWT_ISSUER: ISSUER }));
  const ipc = useIpcHarness({ JWT_ISSUER: ISSUER });
  before(async () => {
    target = await sleeper({ 'lucid.service.group': 'core' });
  });

  const stopWith = (on: TestServer, token: string) =>
    on.call('POST', `/api/v1/containers/${target.id}/stop`, { token, body: { timeout: 0 } });

  it('accepts a well-formed token on each server (the attacks below can fail)', async () => {
    const good = await server.call('GET', '/api/v1/containers', { token: await hs256(claims()) });
    assert.equal(good.status, 200);
    const rs = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256' }).sign(rsaPrivate);
    assert.equal((await rsServer.call('GET', '/api/v1/containers', { token: rs })).status, 200);
  });

  it('answers every forged, expired or malformed token with 401 and changes nothing', async () => {
    for (const [name, token] of await attacksOnSecret()) {
      const res = await stopWith(server, token);
      assert.equal(res.status, 401, name);
      assert.equal(res.body.error.code, 'UNAUTHENTICATED', name);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer', name);
      assert.equal(JSON.stringify(res.body).includes(token), false, `${name}: the token is not echoed`);
    }
    assert.equal(await stateOf(target), 'running');
  });

  it('refuses an RS256 public key used as an HMAC secret, and HS256 altogether on an RS256 server', async () => {
    const confused = await hs256(claims(), rsaPem);
    const withSecret = await hs256(claims());
    for (const token of [confused, withSecret]) {
      const res = await stopWith(rsServer, token);
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'UNAUTHENTICATED');
    }
    assert.equal(await stateOf(target), 'running');
  });

  it('never takes a token from the query string, even a valid one', async () => {
    const token = await hs256(claims());
    for (const key of ['access_token', 'token', 'jwt']) {
      const res = await server.call('POST', `/api/v1/containers/${target.id}/stop?${key}=${token}`, { role: null });
      assert.equal(res.status, 401, key);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    }
    const both = await server.call('GET', `/api/v1/containers?access_token=${token}`, { token });
    assert.equal(both.status, 401, 'a query token spoils even a good header');
    assert.equal(await stateOf(target), 'running');
  });

  it('refuses malformed Authorization headers', async () => {
    for (const header of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b', `Token ${await hs256(claims())}`]) {
      const res = await server.call('GET', '/api/v1/containers', { role: null, headers: { authorization: header } });
      assert.equal(res.status, 401, header);
    }
  });

  it('refuses the same tokens over IPC, leaving the window without an identity', async () => {
    for (const [name, token] of await attacksOnSecret()) {
      const { api } = await ipc.openWindow('admin');
      assert.match(await rejection(api.auth.setToken(token)), /^\[UNAUTHENTICATED\]/, name);
      assert.match(await rejection(api.containers.stop({ id: target.id, timeout: 0 })), /^\[UNAUTHENTICATED\]/, name);
    }
    assert.equal(await stateOf(target), 'running');
  });
});
