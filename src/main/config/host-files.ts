import { accessSync, constants, statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** Who the manager runs as: where `~` points, and the login an ssh:// URL without `user@` uses. */
export interface LocalUser {
  homeDir: string;
  userName: string;
}

export function currentUser(): LocalUser {
  return { homeDir: homedir(), userName: userInfo().username };
}

/**
 * A path as an operator writes it in a configuration: `~` and `~/…` are the home folder (as in a
 * shell, `~user` is not), absolute stays, anything else is relative to `baseDir` (the folder of
 * the file that names it).
 */
export function expandPath(path: string, homeDir: string, baseDir: string): string {
  if (path === '~') return homeDir;
  if (path.startsWith('~/')) return join(homeDir, path.slice(2));
  return isAbsolute(path) ? resolve(path) : resolve(baseDir, path);
}

/**
 * What stops the manager from using a file a host names, or undefined. A `secret` (private key,
 * passphrase) must not be open to group or others, the rule ssh applies to identity files: a key
 * others can read is no longer a secret, and ssh would refuse the same file. Windows has no such
 * mode bits.
 */
export function fileProblem(path: string, secret: boolean): string | undefined {
  let mode: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return `${path} is not a file`;
    mode = stat.mode;
    accessSync(path, constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    return code === 'ENOENT' ? `${path} does not exist` : `${path} cannot be read (${code})`;
  }
  if (secret && process.platform !== 'win32' && (mode & 0o077) !== 0) {
    return `${path} is open to group or others (mode ${(mode & 0o777).toString(8)}): chmod 600 it, as ssh requires of a private key`;
  }
  return undefined;
}
