import { app, ipcMain } from 'electron';
import { loadConfig } from './config/env.js';
import type { HostsConfig } from './config/host-spec.js';
import { createManager, type Manager } from './create-manager.js';
import { registerIpc, type IpcRegistration } from './ipc/register.js';
import { createLogger, type Logger } from './system/logging.js';

export interface AttachOptions {
  /** Origins whose frames may call the manager: `file://` for a packaged app, a dev server's origin in development. */
  allowedOrigins: string[];
  /** Environment to configure from; defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /** The hosts to manage: a hosts file's path (watched) or hosts already parsed; default HOSTS_CONFIG or DOCKER_HOST. */
  hosts?: string | HostsConfig;
}

export interface AttachedManager extends Pick<IpcRegistration, 'bindIdentity'> {
  manager: Manager;
  /**
   * Removes the IPC handlers, ends every open stream and closes the manager (compose runs, the
   * Docker connections, the audit trail). Resolves once all of that is done; never rejects (a
   * failure is logged), so a host may await it in `will-quit` or ignore it. Calling it again
   * returns the same promise.
   */
  close(): Promise<void>;
}

/**
 * Electron entry: call from the host app's main process once, before creating windows.
 * Headless code must not import this file (it loads `electron`).
 */
export async function attachLucidDockerManager(options: AttachOptions): Promise<AttachedManager> {
  const config = loadConfig(options.env ?? process.env);
  const logger = createLogger(config.LOG_LEVEL, { file: true });
  const manager = await createManager(config, logger, {
    dataDir: app.getPath('userData'),
    ...(options.hosts !== undefined ? { hosts: options.hosts } : {}),
  });
  const registration = registerIpc(ipcMain, {
    runner: manager.runner,
    authenticate: manager.authenticate,
    allowedOrigins: options.allowedOrigins,
    streamQueue: { maxBytes: config.STREAM_MAX_QUEUED_BYTES },
  });
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= closeAll(registration, manager, logger));
  return { manager, bindIdentity: registration.bindIdentity, close };
}

/**
 * Streams are cancelled first and the manager closed meanwhile: a streamed compose run ends only
 * when the manager stops it, so waiting for the streams before closing the manager could last
 * until COMPOSE_TIMEOUT.
 */
async function closeAll(registration: IpcRegistration, manager: Manager, logger: Logger): Promise<void> {
  const streamsEnded = registration.close();
  const results = await Promise.allSettled([manager.close(), streamsEnded]);
  for (const result of results) {
    if (result.status === 'rejected') logger.error('closing the Docker manager failed', result.reason);
  }
}
