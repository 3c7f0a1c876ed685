import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLucidDockerApi } from '../../src/preload/api.js';
import { ipcChannel } from '../../src/shared/ipc.js';
import { FakeIpcMain, FakeIpcRenderer, FakeWebContents } from '../support/fake-electron.js';

/** Follows a log on a main process whose follow answers `answer`, and returns what onEnd got. */
function endOf(answer: unknown): Promise<Error | null> {
  const ipcMain = new FakeIpcMain();
  ipcMain.handle(ipcChannel('containers.followLogs'), () => Promise.resolve({ ok: true, data: answer }));
  const api = createLucidDockerApi(new FakeIpcRenderer(ipcMain, new FakeWebContents(), 'file:///app/index.html'));
  return new Promise((resolve) => api.containers.followLogs({ id: 'c1', tail: 0 }, () => undefined, resolve));
}

describe("the preload's end of a subscription", () => {
  it('hands onEnd the error of a stream the engine broke, with its code', async () => {
    const error = await endOf({ id: 'c1', lines: 3, reason: 'error', error: { code: 'DOCKER_UNAVAILABLE', message: 'SSH connection to pi lost' } });
    assert.equal(error?.message, '[DOCKER_UNAVAILABLE] SSH connection to pi lost');
    assert.equal((error as Error & { code?: string }).code, 'DOCKER_UNAVAILABLE');
  });

  it('hands onEnd null when the stream ran its course or was cancelled', async () => {
    assert.equal(await endOf({ id: 'c1', lines: 3, reason: 'ended' }), null);
    assert.equal(await endOf({ id: 'c1', lines: 0, reason: 'cancelled' }), null);
  });
});
