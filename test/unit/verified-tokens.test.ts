import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTokenVerifier, mintToken } from '../../src/main/auth/tokens.js';
import { VerifiedTokens } from '../../src/main/auth/verified-tokens.js';
import { ExpiredIdentityError, type Identity } from '../../src/main/model/context.js';

const KEY = 'verified-tokens-test-secret-long-enough-for-hs256';
const AUDIENCE = 'gui-docker-manager';
const alice: Identity = { sub: 'alice', role: 'admin', expiresAt: 2_000_000_000 };

describe('verified tokens', () => {
  it('answers a token until its end, then no more', () => {
    let now = 1_000_000;
    const tokens = new VerifiedTokens(() => now);
    tokens.set('t', alice, now + 5_000);
    assert.deepEqual(tokens.get('t'), alice);
    now += 4_999;
    assert.deepEqual(tokens.get('t'), alice);
    now += 1;
    assert.equal(tokens.get('t'), undefined);
    assert.equal(tokens.get('t'), undefined, 'forgotten, not only refused');
  });

  it('trusts a long-lived token for a minute at most before its signature is checked again', () => {
    let now = 1_000_000;
    const tokens = new VerifiedTokens(() => now);
    tokens.set('t', alice, now + 3_600_000);
    now += 59_999;
    assert.deepEqual(tokens.get('t'), alice);
    now += 1;
    assert.equal(tokens.get('t'), undefined);
  });

  it('keeps the most recently used tokens within its bound', () => {
    const tokens = new VerifiedTokens(() => 0, 2);
    tokens.set('a', alice, 10_000);
    tokens.set('b', alice, 10_000);
    assert.ok(tokens.get('a'), 'a used last');
    tokens.set('c', alice, 10_000);
    assert.equal(tokens.get('b'), undefined, 'the least recently used one went');
    assert.ok(tokens.get('a'));
    assert.ok(tokens.get('c'));
  });

  it('lets the verifier refuse a remembered token once it expired, keeping its subject', async () => {
    const verifier = await createTokenVerifier({ secret: KEY, audience: AUDIENCE, maxTtlSeconds: 3600 });
    // Expired 29 s ago: the 30 s clock tolerance still admits it, for at most one more second.
    const token = await mintToken({ secret: KEY, sub: 'bob', role: 'user', ttlSeconds: -29, audience: AUDIENCE });
    assert.equal((await verifier.verify(token)).sub, 'bob');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await assert.rejects(verifier.verify(token), (err: unknown) => err instanceof ExpiredIdentityError && err.identity.sub === 'bob');
  });

  it('never remembers a token that failed: a forged one stays refused', async () => {
    const verifier = await createTokenVerifier({ secret: KEY, audience: AUDIENCE, maxTtlSeconds: 3600 });
    const forged = await mintToken({ secret: `${KEY}-other`, sub: 'mallory', role: 'admin', ttlSeconds: 60, audience: AUDIENCE });
    for (let i = 0; i < 2; i++) await assert.rejects(verifier.verify(forged), { code: 'UNAUTHENTICATED' });
  });
});
