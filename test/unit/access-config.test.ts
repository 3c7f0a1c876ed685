import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/main/config/env.js';
import { isExpired } from '../../src/main/model/context.js';
import { GROUP_NAMES, roleCovers, roleHas, ROLES } from '../../src/shared/permissions.js';
import { auditListInput } from '../../src/shared/schemas/audit.js';

describe('access settings', () => {
  it('takes rate limits as non-negative integers, 0 included, and names a bad one', () => {
    const config = loadConfig({});
    assert.equal(config.RATE_LIMIT_PER_MINUTE, 100);
    assert.equal(config.RATE_LIMIT_CONTROL_PER_MINUTE, 20);
    assert.equal(loadConfig({ RATE_LIMIT_PER_MINUTE: '0' }).RATE_LIMIT_PER_MINUTE, 0);
    assert.equal(loadConfig({ RATE_LIMIT_CONTROL_PER_MINUTE: '5000' }).RATE_LIMIT_CONTROL_PER_MINUTE, 5000);
    for (const bad of ['-1', '1.5', 'ten', '1e3', ' 7']) {
      assert.throws(() => loadConfig({ RATE_LIMIT_PER_MINUTE: bad }), /RATE_LIMIT_PER_MINUTE/, bad);
      assert.throws(() => loadConfig({ RATE_LIMIT_CONTROL_PER_MINUTE: bad }), /RATE_LIMIT_CONTROL_PER_MINUTE/, bad);
    }
  });

  it('takes CORS origins as an exact allow-list, none by default', () => {
    assert.deepEqual(loadConfig({}).CORS_ORIGINS, []);
    assert.deepEqual(loadConfig({ CORS_ORIGINS: 'https://gui.example, http://localhost:5173' }).CORS_ORIGINS, [
      'https://gui.example',
      'http://localhost:5173',
    ]);
    for (const bad of ['*', 'gui.example', 'https://gui.example/', 'https://gui.example/app', 'file://', 'ftp://x']) {
      assert.throws(() => loadConfig({ CORS_ORIGINS: bad }), /CORS_ORIGINS/, bad);
    }
  });

  it('takes a JWKS URL over https only, plain http only on loopback', () => {
    for (const good of ['https://idp.example/.well-known/jwks.json', 'http://127.0.0.1:8080/jwks', 'http://localhost/jwks', 'http://[::1]:9000/jwks']) {
      assert.equal(loadConfig({ JWT_JWKS_URL: good }).JWT_JWKS_URL, good);
    }
    for (const bad of ['http://idp.example/jwks', 'http://10.0.0.7/jwks', 'http://127.0.0.1.evil.example/jwks', 'ftp://idp.example/jwks']) {
      assert.throws(() => loadConfig({ JWT_JWKS_URL: bad }), /JWT_JWKS_URL/, bad);
    }
    assert.throws(() => loadConfig({ JWT_JWKS_URL: 'http://idp.example/jwks' }), /https/);
  });

  it('bounds token lifetimes: one day by default, 60 s to 30 days', () => {
    assert.equal(loadConfig({}).JWT_MAX_TTL_SECONDS, 86400);
    assert.equal(loadConfig({ JWT_MAX_TTL_SECONDS: '3600' }).JWT_MAX_TTL_SECONDS, 3600);
    for (const bad of ['0', '59', '2592001', '1h', '-5']) {
      assert.throws(() => loadConfig({ JWT_MAX_TTL_SECONDS: bad }), /JWT_MAX_TTL_SECONDS/, bad);
    }
  });

  it('bounds the audit file settings', () => {
    assert.equal(loadConfig({}).AUDIT_LOG_MAX_BYTES, 10 * 1024 * 1024);
    assert.equal(loadConfig({}).AUDIT_LOG_MAX_FILES, 5);
    assert.throws(() => loadConfig({ AUDIT_LOG_MAX_BYTES: '100' }), /AUDIT_LOG_MAX_BYTES/);
    assert.throws(() => loadConfig({ AUDIT_LOG_MAX_FILES: '0' }), /AUDIT_LOG_MAX_FILES/);
    assert.throws(() => loadConfig({ XDG_STATE_HOME: 'relative/dir' }), /XDG_STATE_HOME/);
  });

  it('bounds the audit query', () => {
    assert.equal(auditListInput.parse({}).limit, 100);
    assert.equal(auditListInput.parse({ limit: '1000' }).limit, 1000);
    for (const limit of [0, 1001, '1.5', 'all']) assert.equal(auditListInput.safeParse({ limit }).success, false);
  });

  it('expires an identity with the same 30 s tolerance as token verification', () => {
    const now = Date.UTC(2030, 0, 1);
    const at = (secondsAgo: number) => ({ sub: 's', role: 'user' as const, expiresAt: now / 1000 - secondsAgo });
    assert.equal(isExpired(at(-60), now), false);
    assert.equal(isExpired(at(29), now), false);
    assert.equal(isExpired(at(30), now), true);
    assert.equal(isExpired({ sub: 's', role: 'admin' }, now), false, 'a bound identity without expiry');
  });
});

describe('roles and group scope', () => {
  it('lets developers control foundation, core and application only; admins everything (other configured groups too); users nothing', () => {
    const expected: Record<string, (string | null)[]> = {
      user: [],
      developer: ['foundation', 'core', 'application'],
      admin: [...GROUP_NAMES, null, 'unknown-group'],
    };
    for (const role of ROLES) {
      const covered = [...GROUP_NAMES, null, 'unknown-group'].filter((group) => roleCovers(role, group));
      assert.deepEqual(covered, expected[role], role);
    }
  });

  it('gives the audit trail to admins only, control to developers and admins', () => {
    assert.deepEqual(ROLES.filter((role) => roleHas(role, 'audit:read')), ['admin']);
    assert.deepEqual(ROLES.filter((role) => roleHas(role, 'containers:control')), ['developer', 'admin']);
    assert.deepEqual(ROLES.filter((role) => roleHas(role, 'containers:read')), ['user', 'developer', 'admin']);
  });
});
