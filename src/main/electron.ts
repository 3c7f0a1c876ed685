import { app, ipcMain } from 'electron';
import { loadConfig } from './config/env.js';
import { createManager, type Manager } from './create-manager.js';
import { registerIpc, type IpcRegistration } from './ipc/register.js';
import { createLogger } from './system/logging.js';

export interface AttachOptions {
  /** Origins whose frames may call the manager: `file://` for a packaged app, a dev server's origin in development. */
  allowedOrigins: string[];
  /** Environment to configure from; defaults to `process.env`. */
  env?: Record<string, string | undefined>;
}

export interface AttachedManager extends Pick<IpcRegistration, 'bindIdentity'> {
  manager: Manager;
  /** Removes the IPC handlers and stops the manager's background work. */
  dispose(): void;
}

/**
 * Electron entry: call from the host app's main process once, before creating windows.
 * Headless code must not import this file (it loads `electron`).
 */
export async function attachLucidDockerManager(options: AttachOptions): Promise<AttachedManager> {
  const config = loadConfig(options.env ?? process.env);
  const logger = createLogger(config.LOG_LEVEL, { file: true });
  const manager = await createManager(config, logger, { dataDir: app.getPath('userData') });
  const registration = registerIpc(ipcMain, {
    runner: manager.runner,
    authenticate: manager.authenticate,
    allowedOrigins: options.allowedOrigins,
    streamQueue: { maxBytes: config.STREAM_MAX_QUEUED_BYTES },
  });
  return {
    manager,
    bindIdentity: registration.bindIdentity,
    dispose: () => {
      registration.dispose();
      void manager.close();
    },
  };
}
