import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../config/env.js';
import { prepareOwnDirectory } from '../system/private-dir.js';

export interface AuditLocation {
  path: string;
  /** A shared directory such as /tmp: used only when the directory is ours alone. */
  shared: boolean;
}

const APP_DIR = 'lucid-docker-manager';

/**
 * Where the audit trail may live, best first. `AUDIT_LOG_PATH` alone when set; otherwise the
 * host app's data directory (Electron's userData) or, headless, `$XDG_STATE_HOME` (default
 * ~/.local/state), then the temporary directory — the container build has a read-only root
 * with a tmpfs on /tmp, where the trail lasts as long as the container.
 */
export function auditLocations(config: Config, dataDir?: string): AuditLocation[] {
  if (config.AUDIT_LOG_PATH) return [{ path: resolve(config.AUDIT_LOG_PATH), shared: false }];
  const stateHome = config.XDG_STATE_HOME ?? join(homedir(), '.local', 'state');
  const primary = dataDir ? join(dataDir, 'audit.log') : join(stateHome, APP_DIR, 'audit.log');
  const uid = process.getuid?.() ?? 'user';
  return [
    { path: primary, shared: false },
    { path: join(tmpdir(), `${APP_DIR}-${uid}`, 'audit.log'), shared: true },
  ];
}

/** The directory of a shared location must be private to this user (see prepareOwnDirectory). */
export function prepareSharedLocation(path: string): void {
  prepareOwnDirectory(dirname(path));
}
