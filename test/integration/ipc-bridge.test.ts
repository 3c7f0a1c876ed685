import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ipcChannel } from '../../src/shared/ipc.js';
import { operationNames } from '../../src/shared/contract/index.js';
import { PRELOAD_BUNDLE } from '../support/fake-electron.js';
import { sleeper, stateOf, useEngine } from '../support/engine.js';
import { rejection, useIpcHarness } from '../support/ipc.js';

describe('IPC bridge', () => {
  useEngine();
  const harness = useIpcHarness();

  it('bundles the preload into one file that requires nothing but electron', () => {
    const source = readFileSync(PRELOAD_BUNDLE, 'utf8');
    const required = [...source.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(required)], ['electron']);
    assert.equal(/\brequire\(\s*[^"'`\s)]/.test(source), false, 'no dynamic require');
  });

  it('exposes named functions only, never ipcRenderer', async () => {
    const { api } = await harness.openWindow('user');
    const namespaces = new Set(operationNames.map((name) => name.split('.')[0]));
    assert.deepEqual(Object.keys(api).sort(), [...namespaces, 'auth'].sort());
    for (const group of Object.values(api) as Record<string, unknown>[]) {
      for (const fn of Object.values(group)) assert.equal(typeof fn, 'function');
    }
    assert.equal(JSON.stringify(Object.keys(api)).includes('invoke'), false);
  });

  it('installs exactly one handler per operation, and a second registration is refused', () => {
    for (const name of operationNames) assert.ok(harness.ipcMain.handlers.has(ipcChannel(name)), name);
    assert.throws(
      () => harness.ipcMain.handle(ipcChannel('containers.list'), () => undefined),
      /second handler/,
    );
  });

  it('returns envelopes, never throws across IPC', async () => {
    const { renderer } = await harness.openWindow('admin');
    const good = (await renderer.invoke(ipcChannel('containers.list'), {})) as any;
    assert.equal(good.ok, true);
    assert.ok(Array.isArray(good.data.containers));
    const bad = (await renderer.invoke(ipcChannel('containers.get'), { id: '../x' })) as any;
    assert.deepEqual(Object.keys(bad).sort(), ['error', 'ok']);
    assert.equal(bad.ok, false);
    assert.equal(bad.error.code, 'VALIDATION_FAILED');
    const garbage = (await renderer.invoke(ipcChannel('containers.stop'), 'not an object')) as any;
    assert.equal(garbage.error.code, 'VALIDATION_FAILED');
  });

  it('rethrows an envelope error with its code leading the message', async () => {
    const { api } = await harness.openWindow('user');
    const message = await rejection(api.containers.get({ id: 'no-such-container-xyz' }));
    assert.match(message, /^\[CONTAINER_NOT_FOUND\] /);
  });

  it('refuses a sender from a foreign origin or a null frame, and nothing changes', async () => {
    const c = await sleeper({ 'lucid.service.group': 'core' });
    for (const url of ['https://evil.example/index.html', 'http://localhost:3000/', 'not a url', null]) {
      const { api } = await harness.openWindow('admin', url);
      const message = await rejection(api.containers.stop({ id: c.id, timeout: 0 }));
      assert.match(message, /^\[FORBIDDEN\] IPC sender/, String(url));
    }
    assert.equal(await stateOf(c), 'running');
  });

  it('needs a verified identity: anonymous and bad tokens get UNAUTHENTICATED', async () => {
    const { api } = await harness.openWindow(null);
    assert.match(await rejection(api.containers.list()), /^\[UNAUTHENTICATED\]/);
    assert.match(await rejection(api.auth.setToken('garbage.token.here')), /^\[UNAUTHENTICATED\]/);
    assert.match(await rejection(api.containers.list()), /^\[UNAUTHENTICATED\]/);
    await api.auth.setToken(await harness.tokenFor('user'));
    const list = await api.containers.list();
    assert.ok(Array.isArray(list.containers));
  });

  it('drops the previous identity when a new setToken fails', async () => {
    const { api } = await harness.openWindow('admin');
    assert.ok(Array.isArray((await api.containers.list()).containers));
    assert.match(await rejection(api.auth.setToken('not-a-jwt')), /^\[UNAUTHENTICATED\]/);
    assert.match(await rejection(api.containers.list()), /^\[UNAUTHENTICATED\]/);
    assert.match(await rejection(api.auth.setToken(42)), /^\[VALIDATION_FAILED\]/);
    assert.match(await rejection(api.containers.list()), /^\[UNAUTHENTICATED\]/);
  });

  it('checks expiry on every call with the same 30 s clock tolerance as token verification', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases = [
      { expiresAt: now + 60, ok: true },
      { expiresAt: now - 10, ok: true },
      { expiresAt: now - 45, ok: false },
    ];
    for (const { expiresAt, ok } of cases) {
      const { renderer } = harness.bindWindow({ sub: 'gui', role: 'user', expiresAt });
      const answer = (await renderer.invoke(ipcChannel('containers.list'), {})) as any;
      assert.equal(answer.ok, ok, `expired ${now - expiresAt} s ago`);
      if (!ok) assert.equal(answer.error.code, 'UNAUTHENTICATED');
    }
  });

  it('drops the identity when its window is destroyed', async () => {
    const { renderer, webContents } = harness.bindWindow({ sub: 'gui', role: 'admin' });
    const ok = (await renderer.invoke(ipcChannel('containers.list'), {})) as any;
    assert.equal(ok.ok, true);
    webContents.destroy();
    const after = (await renderer.invoke(ipcChannel('containers.list'), {})) as any;
    assert.equal(after.error.code, 'UNAUTHENTICATED');
  });
});
