import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { unauthenticatedPath } from '../../src/main/audit/trail.js';
import { mintToken } from '../../src/main/auth/tokens.js';
import { ipcChannel } from '../../src/shared/ipc.js';
import { sleeper, stateOf, useEngine } from '../support/engine.js';
import { FakeIpcRenderer, FakeWebContents } from '../support/fake-electron.js';
import { rejection, useIpcHarness } from '../support/ipc.js';
import { TEST_SECRET } from '../support/server.js';
import { tempAuditPath } from '../support/temp.js';

const LIMITS = { RATE_LIMIT_PER_MINUTE: '3', RATE_LIMIT_CONTROL_PER_MINUTE: '2' };

describe('IPC refusals outside the operations: sign-in and sender', () => {
  const auditPath = tempAuditPath();
  useEngine();
  const harness = useIpcHarness({ ...LIMITS, AUDIT_LOG_PATH: auditPath });

  const audit = async (filter: (entry: any) => boolean) =>
    (await harness.manager.audit.list({ limit: 1000 })).entries.filter(filter).reverse();

  it('audits and limits failed sign-ins per window, on the read budget; good ones cost nothing', async () => {
    const { api, webContents } = await harness.openWindow(null);
    assert.match(await rejection(api.auth.setToken('garbage.token.here')), /^\[UNAUTHENTICATED\]/);
    assert.match(await rejection(api.auth.setToken(42)), /^\[VALIDATION_FAILED\]/);
    assert.match(await rejection(api.auth.setToken('third.bad.token')), /^\[UNAUTHENTICATED\]/);
    assert.match(await rejection(api.auth.setToken('fourth.bad.token')), /^\[RATE_LIMITED\]/);
    assert.match(await rejection(api.containers.list()), /^\[RATE_LIMITED\]/, 'the window has used its budget');
    const window = `window-${webContents.id}`;
    assert.deepEqual(
      (await audit((e) => e.client === window)).map((e) => [e.operation, e.result, e.code, e.sub]),
      [
        ['auth.setToken', 'denied', 'UNAUTHENTICATED', null],
        ['auth.setToken', 'denied', 'UNAUTHENTICATED', null],
        ['auth.setToken', 'denied', 'RATE_LIMITED', null],
      ],
      'refusals are recorded; the malformed argument and the second RATE_LIMITED (counted) are not',
    );
    const good = await api.auth.setToken(await harness.tokenFor('user', 'ipc-after-failures'));
    assert.equal(good.sub, 'ipc-after-failures', 'a good token is counted against its subject, not the window');

    const expiredToken = await mintToken({
      secret: TEST_SECRET,
      sub: 'ipc-expired',
      role: 'admin',
      ttlSeconds: -120,
      audience: harness.manager.config.JWT_AUDIENCE,
    });
    const retrying = await harness.openWindow(null);
    const expiredCodes = [];
    for (let i = 0; i < 5; i++) expiredCodes.push(/^\[(\w+)\]/.exec(await rejection(retrying.api.auth.setToken(expiredToken)))?.[1]);
    assert.deepEqual(expiredCodes, [...Array(3).fill('UNAUTHENTICATED'), 'RATE_LIMITED', 'RATE_LIMITED'], 'an expired token is counted');
    assert.deepEqual(
      (await audit((e) => e.sub === 'ipc-expired')).map((e) => [e.operation, e.code, e.role]),
      [...Array(3).fill(['auth.setToken', 'UNAUTHENTICATED', 'admin']), ['auth.setToken', 'RATE_LIMITED', 'admin']],
      'under the expired token’s subject',
    );

  });

  it('audits a good sign-in under its subject, never with the token', async () => {
    const other = await harness.openWindow(null);
    const token = await harness.tokenFor('developer', 'ipc-signin');
    const signedIn = await other.api.auth.setToken(token);
    assert.equal(signedIn.sub, 'ipc-signin');
    const window = `window-${other.webContents.id}`;
    assert.deepEqual(
      (await audit((e) => e.client === window)).map((e) => [e.operation, e.result, e.code, e.sub, e.role, e.transport, e.target]),
      [['auth.setToken', 'ok', null, 'ipc-signin', 'developer', 'ipc', null]],
    );
    await other.api.containers.list();
    assert.equal((await audit((e) => e.client === window)).length, 1, 'the reads that follow are not entries');
    const files = [auditPath, unauthenticatedPath(auditPath)].filter((file) => existsSync(file));
    const text = files.map((file) => readFileSync(file, 'utf8')).join('');
    assert.ok(text.includes('"ipc-signin"'), 'the entry is on disk');
    assert.equal(text.includes(token), false, 'the token is not');
    assert.equal(text.includes(token.split('.')[2] as string), false, 'nor its signature');
  });

  it('audits and limits calls from a refused sender, naming the window and the origin', async () => {
    const c = await sleeper({ 'lucid.service.group': 'core' });
    const { api, webContents } = await harness.openWindow('admin', 'https://evil.example/page.html');
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push(/^\[(\w+)\]/.exec(await rejection(api.containers.stop({ id: c.id, timeout: 0 })))?.[1]);
    assert.deepEqual(codes, ['FORBIDDEN', 'FORBIDDEN', 'RATE_LIMITED', 'RATE_LIMITED']);
    assert.equal(await stateOf(c), 'running');
    const window = `window-${webContents.id}`;
    assert.deepEqual(
      (await audit((e) => e.client === window && e.operation !== 'auth.setToken')).map((e) => [
        e.operation,
        e.code,
        e.sub,
        e.origin,
        e.transport,
      ]),
      [
        ['containers.stop', 'FORBIDDEN', null, 'https://evil.example', 'ipc'],
        ['containers.stop', 'FORBIDDEN', null, 'https://evil.example', 'ipc'],
        ['containers.stop', 'RATE_LIMITED', null, 'https://evil.example', 'ipc'],
      ],
      'the second RATE_LIMITED is counted, not written',
    );

    const detached = new FakeWebContents();
    const renderer = new FakeIpcRenderer(harness.ipcMain, detached, null);
    const answer = (await renderer.invoke(ipcChannel('auth.setToken'), 'x.y.z')) as any;
    assert.equal(answer.error.code, 'FORBIDDEN');
    const [nullFrame] = await audit((e) => e.client === `window-${detached.id}`);
    assert.deepEqual([nullFrame?.operation, nullFrame?.origin], ['auth.setToken', null]);
  });

  it('lets the host exempt a window it binds from the rate limit, and only that window', async () => {
    const bind = (sub: string, exemptFromRateLimit?: boolean) => harness.bindWindow({ sub, role: 'user' }, { exemptFromRateLimit }).renderer;
    const list = async (renderer: FakeIpcRenderer) => {
      const answer = (await renderer.invoke(ipcChannel('containers.list'), {})) as any;
      return answer.ok ? 'ok' : answer.error.code;
    };
    const exempt = bind('host-gui', true);
    const plain = bind('host-gui-plain');
    const exemptResults = [];
    const plainResults = [];
    for (let i = 0; i < 5; i++) {
      exemptResults.push(await list(exempt));
      plainResults.push(await list(plain));
    }
    assert.deepEqual(exemptResults, Array(5).fill('ok'));
    assert.deepEqual(plainResults, ['ok', 'ok', 'ok', 'RATE_LIMITED', 'RATE_LIMITED']);
    const { api } = await harness.openWindow(null);
    await api.auth.setToken(await harness.tokenFor('user', 'host-gui'));
    for (let i = 0; i < 3; i++) await api.containers.list();
    assert.match(await rejection(api.containers.list()), /^\[RATE_LIMITED\]/, 'a token with the same subject is limited');
  });
});
