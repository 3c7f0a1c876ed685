import { mintToken } from '../../src/main/auth/tokens.js';
import { loadConfig } from '../../src/main/config/env.js';
import { createManager, type Manager } from '../../src/main/create-manager.js';
import { registerIpc, type IpcRegistration } from '../../src/main/ipc/register.js';
import { createLogger } from '../../src/main/system/logging.js';
import type { Role } from '../../src/shared/permissions.js';
import { FakeIpcMain, FakeIpcRenderer, FakeWebContents, loadPreload } from './fake-electron.js';
import { TEST_DEFAULTS, TEST_SECRET } from './server.js';

export const APP_URL = 'file:///opt/lucid/resources/app.asar/index.html';

export interface IpcHarness {
  manager: Manager;
  ipcMain: FakeIpcMain;
  registration: IpcRegistration;
  /** A new window running the real preload bundle; signed in with `role` unless null. */
  openWindow(role: Role | null, url?: string | null): Promise<IpcWindow>;
  tokenFor(role: Role, sub?: string): Promise<string>;
  /** Removes the IPC handlers and closes the manager (its Docker event stream included). */
  close(): Promise<void>;
}

export interface IpcWindow {
  api: any;
  renderer: FakeIpcRenderer;
  webContents: FakeWebContents;
}

export async function startIpcHarness(env: Record<string, string> = {}): Promise<IpcHarness> {
  const config = loadConfig({ JWT_SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'error', ...TEST_DEFAULTS(), ...env });
  const manager = await createManager(config, createLogger(config.LOG_LEVEL));
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
  const close = async () => {
    registration.dispose();
    await manager.close();
  };
  return { manager, ipcMain, registration, openWindow, tokenFor, close };
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
