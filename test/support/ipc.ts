import type { TestContext } from 'node:test';
import { mintToken } from '../../src/main/auth/tokens.js';
import { loadConfig } from '../../src/main/config/env.js';
import { createManager, type Manager, type ManagerOptions } from '../../src/main/create-manager.js';
import { registerIpc, type BindOptions, type IpcRegistration } from '../../src/main/ipc/register.js';
import { createLogger } from '../../src/main/system/logging.js';
import type { Role } from '../../src/shared/permissions.js';
import { FakeIpcMain, FakeIpcRenderer, FakeWebContents, loadPreload } from './fake-electron.js';
import { closeWithTest, envOf, suiteFixture, type EnvSource } from './fixture.js';
import { TEST_DEFAULTS, TEST_SECRET } from './server.js';

export const APP_URL = 'file:///opt/lucid/resources/app.asar/index.html';

export type HostIdentity = Parameters<IpcRegistration['bindIdentity']>[1];

export interface IpcHarness {
  manager: Manager;
  ipcMain: FakeIpcMain;
  registration: IpcRegistration;
  /** A new window running the real preload bundle; signed in with `role` unless null. */
  openWindow(role: Role | null, url?: string | null): Promise<IpcWindow>;
  /**
   * A new window the host binds to `identity` (as an Electron host does for its own GUI),
   * talking to the channels directly, without the preload; its frame is at `url`.
   */
  bindWindow(identity: HostIdentity, options?: BindOptions & { url?: string | null }): RawIpcWindow;
  tokenFor(role: Role, sub?: string): Promise<string>;
  /** Removes the IPC handlers and closes the manager (its Docker event stream included); once. */
  close(): Promise<void>;
}

export interface RawIpcWindow {
  renderer: FakeIpcRenderer;
  webContents: FakeWebContents;
}

export interface IpcWindow extends RawIpcWindow {
  api: any;
}

/**
 * A manager with the IPC handlers on a fake Electron, for the tests of the enclosing describe
 * block (or file): started before them, closed after them even when one failed.
 */
export function useIpcHarness(env: EnvSource = {}): IpcHarness {
  return suiteFixture('IPC harness', () => startIpcHarness(envOf(env)));
}

/**
 * A manager with the IPC handlers on a fake Electron. Given the test's context `t`, it is closed
 * when that test ends, pass or fail; without, the caller closes it.
 */
export async function startIpcHarness(env: Record<string, string> = {}, t?: TestContext, options: ManagerOptions = {}): Promise<IpcHarness> {
  const config = loadConfig({ JWT_SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'error', ...TEST_DEFAULTS(), ...env });
  const manager = await createManager(config, createLogger(config.LOG_LEVEL), options);
  const ipcMain = new FakeIpcMain();
  const registration = registerIpc(ipcMain, {
    runner: manager.runner,
    authenticate: manager.authenticate,
    allowedOrigins: ['file://'],
  });
  const tokenFor = (role: Role, sub = `ipc-${role}`) =>
    mintToken({ secret: TEST_SECRET, sub, role, ttlSeconds: 600, audience: config.JWT_AUDIENCE, issuer: config.JWT_ISSUER });
  const openWindow = async (role: Role | null, url: string | null = APP_URL): Promise<IpcWindow> => {
    const webContents = new FakeWebContents();
    const renderer = new FakeIpcRenderer(ipcMain, webContents, APP_URL);
    const api = loadPreload(renderer)['lucidDocker'];
    if (role) await api.auth.setToken(await tokenFor(role));
    renderer.frameUrl = url;
    return { api, renderer, webContents };
  };
  const bindWindow = (identity: HostIdentity, { url = APP_URL, ...bind }: BindOptions & { url?: string | null } = {}): RawIpcWindow => {
    const webContents = new FakeWebContents();
    registration.bindIdentity(webContents, identity, bind);
    return { renderer: new FakeIpcRenderer(ipcMain, webContents, url), webContents };
  };
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await registration.close();
      await manager.close();
    })();
    return closing;
  };
  return closeWithTest(t, { manager, ipcMain, registration, openWindow, bindWindow, tokenFor, close });
}

/** Runs `fn` and returns the rejection's message, or fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  throw new Error('expected the call to fail');
}
