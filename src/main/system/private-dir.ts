import { lstatSync, mkdirSync } from 'node:fs';

/**
 * Makes a directory for this user's eyes only, then checks that it really is: in a
 * world-writable parent such as /tmp, another user could have planted it (or a symlink) first.
 */
export function prepareOwnDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stats = lstatSync(dir);
  const uid = process.getuid?.();
  if (!stats.isDirectory() || (uid !== undefined && stats.uid !== uid) || (stats.mode & 0o077) !== 0) {
    throw new Error(`${dir} is not a private directory of this user`);
  }
}
