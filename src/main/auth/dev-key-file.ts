import { closeSync, constants, fstatSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/env.js';
import { prepareOwnDirectory } from '../system/private-dir.js';

const APP_DIR = 'lucid-docker-manager';
const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Private directories where a development run may keep its generated key, best first: the
 * per-session runtime directory (a tmpfs, gone at logout), the state directory, then a private
 * one in the temporary directory.
 */
function keyDirectories(config: Pick<Config, 'XDG_RUNTIME_DIR' | 'XDG_STATE_HOME'>): string[] {
  const uid = process.getuid?.() ?? 'user';
  return [
    ...(config.XDG_RUNTIME_DIR ? [join(config.XDG_RUNTIME_DIR, APP_DIR)] : []),
    join(config.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), APP_DIR),
    join(tmpdir(), `${APP_DIR}-${uid}`),
  ];
}

/**
 * Writes a development run's generated key to a new 0600 file in a private directory, so that
 * `npm run token -- --key-file` can mint with it while the key itself never reaches a log.
 * Returns the path, or undefined when no private place could be written.
 */
export function writeDevKeyFile(config: Pick<Config, 'XDG_RUNTIME_DIR' | 'XDG_STATE_HOME'>, secret: string): string | undefined {
  for (const dir of keyDirectories(config)) {
    const path = join(dir, `dev-signing-key-${process.pid}`);
    try {
      prepareOwnDirectory(dir);
      // A file left by an earlier process with this pid is replaced, never appended to or followed.
      rmSync(path, { force: true });
      const fd = openSync(path, WRITE_FLAGS, 0o600);
      try {
        writeSync(fd, `${secret}\n`);
      } finally {
        closeSync(fd);
      }
      return path;
    } catch {
      // Try the next place.
    }
  }
  return undefined;
}

/**
 * Reads a key file for minting: it must be a regular file of this user that nobody else can
 * read, as a signing key is as good as an admin token.
 */
export function readKeyFile(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const stats = fstatSync(fd);
    const uid = process.getuid?.();
    if (!stats.isFile()) throw new Error(`${path} is not a regular file`);
    if (uid !== undefined && stats.uid !== uid) throw new Error(`${path} belongs to another user`);
    if ((stats.mode & 0o077) !== 0) throw new Error(`${path} is readable or writable by others (chmod 600 it)`);
    return readFileSync(fd, 'utf8').replace(/\r?\n$/, '');
  } finally {
    closeSync(fd);
  }
}
