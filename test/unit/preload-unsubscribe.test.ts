import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLucidDockerApi } from '../../src/preload/api.js';
import { ipcChannel, STREAM_CANCEL_CHANNEL } from '../../src/shared/ipc.js';
import { FakeIpcMain, FakeIpcRenderer, FakeWebContents } from '../support/fake-electron.js';
import { sleep } from '../support/sleep.js';

/** Collects the process's unhandled rejections while `body` runs and a few turns after it. */
async function unhandledDuring(body: () => Promise<void>): Promise<unknown[]> {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    await body();
    await sleep(20);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  return unhandled;
}

/** A main process whose follow answers once `end()` is called; no cancel handler is installed. */
function closedManager() {
  const ipcMain = new FakeIpcMain();
  let end: (() => void) | undefined;
  ipcMain.handle(ipcChannel('containers.followLogs'), () => new Promise((resolve) => (end = () => resolve({ ok: true, data: null }))));
  const api = createLucidDockerApi(new FakeIpcRenderer(ipcMain, new FakeWebContents(), 'file:///app/index.html'));
  return { ipcMain, api, end: () => end?.() };
}

describe("the preload's unsubscribe", () => {
  it('returns normally and leaves no unhandled rejection when the cancel fails (the manager has closed)', async () => {
    const { ipcMain, api } = closedManager();
    assert.equal(ipcMain.handlers.has(STREAM_CANCEL_CHANNEL), false, 'the cancel will reject: no handler');
    const unhandled = await unhandledDuring(async () => {
      const unsubscribe = api.containers.followLogs({ id: 'c1', tail: 0 }, () => undefined);
      assert.equal(unsubscribe(), undefined);
    });
    assert.deepEqual(unhandled, []);
  });

  it('reports an onEnd callback that throws without an unhandled rejection', async () => {
    const { api, end } = closedManager();
    const reported: unknown[] = [];
    const consoleError = console.error;
    console.error = (...args: unknown[]) => void reported.push(args[1]);
    let unhandled: unknown[];
    try {
      unhandled = await unhandledDuring(async () => {
        api.containers.followLogs({ id: 'c1', tail: 0 }, () => undefined, () => {
          throw new Error('page bug');
        });
        await sleep(0);
        end();
      });
    } finally {
      console.error = consoleError;
    }
    assert.deepEqual(unhandled, []);
    assert.deepEqual(reported.map((e) => (e as Error).message), ['page bug'], 'the error is shown in the console');
  });
});
