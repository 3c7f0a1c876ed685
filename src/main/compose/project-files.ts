import { constants, type Stats } from 'node:fs';
import { open, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';

/** Opens a regular file, never through a final symlink, and never blocks on a FIFO swapped in. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

export type OpenedFile = { ok: true; handle: FileHandle; path: string } | { ok: false; problem: string };

export function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/**
 * Where the open descriptor really points. Linux names it in /proc; elsewhere the file's real
 * path is read again and must be the very file that was opened (same device and inode).
 */
async function openedPath(handle: FileHandle, real: string): Promise<string | undefined> {
  const viaProc = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined);
  if (viaProc !== undefined) return viaProc;
  const [opened, named] = await Promise.all([handle.stat(), stat(real).catch(() => undefined)]);
  return named !== undefined && named.dev === opened.dev && named.ino === opened.ino ? real : undefined;
}

/** Root or the manager's own user; on Windows, where ownership and modes mean nothing here, no check. */
function badOwnerOrMode(info: Stats): string | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  if (info.uid !== 0 && info.uid !== uid) return `is owned by uid ${info.uid}, neither root nor the manager's user`;
  if ((info.mode & 0o022) !== 0) return 'is writable by group or others';
  return undefined;
}

/**
 * Opens one compose file of a project and checks the descriptor itself, so that what compose
 * later reads is exactly what was checked: the file lies inside the projects folder, is a regular
 * file, and neither it nor a folder between it and the projects folder can be changed by anyone
 * but root or the manager's user. `realRoot` is the projects folder's real path.
 */
export async function openInside(realRoot: string, file: string): Promise<OpenedFile> {
  const real = await realpath(join(realRoot, file)).catch(() => undefined);
  if (real === undefined) return { ok: false, problem: `${file} is missing` };
  if (!inside(realRoot, real)) return { ok: false, problem: `${file} resolves outside the projects folder` };
  let handle: FileHandle;
  try {
    handle = await open(real, OPEN_FLAGS);
  } catch {
    // ELOOP: the file became a symlink after its real path was read; ENOENT: it went away.
    return { ok: false, problem: `${file} changed while being opened` };
  }
  const path = await openedPath(handle, real);
  const problem = path === undefined ? `${file} changed while being opened` : await checkOpened(handle, realRoot, file, path);
  if (problem === undefined && path !== undefined) return { ok: true, handle, path };
  await handle.close();
  return { ok: false, problem: problem ?? `${file} changed while being opened` };
}

async function checkOpened(handle: FileHandle, realRoot: string, file: string, path: string): Promise<string | undefined> {
  if (!inside(realRoot, path)) return `${file} resolves outside the projects folder`;
  const info = await handle.stat();
  if (!info.isFile()) return `${file} is not a regular file`;
  const fileProblem = badOwnerOrMode(info);
  if (fileProblem !== undefined) return `${file} ${fileProblem}`;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const dirInfo = await stat(dir).catch(() => undefined);
    if (dirInfo === undefined) return `${file} changed while being opened`;
    const dirProblem = badOwnerOrMode(dirInfo);
    if (dirProblem !== undefined) return `the folder ${relative(realRoot, dir) || '.'} of ${file} ${dirProblem}`;
    if (dir === realRoot || !inside(realRoot, dir)) return undefined;
  }
}
