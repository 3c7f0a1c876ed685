import {
  closeSync,
  constants,
  existsSync,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { dirname } from 'node:path';

const SYNC_INTERVAL_MS = 1000;
const OPEN_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW;

export interface AuditFileOptions {
  maxBytes: number;
  /** Rotated files kept besides the live one. */
  maxFiles: number;
  /** Failures of the background flush, which has no caller to throw to. */
  onError(err: unknown): void;
  /** A file skipped when reading (a rotated file someone else owns). */
  warn(message: string): void;
}

const mode = (stats: Stats) => (stats.mode & 0o7777).toString(8).padStart(4, '0');

/**
 * Whoever can write the directory can swap the trail's files (rename, unlink, plant a rotated
 * one): only this user — or root, who can anyway — may, and neither group nor others.
 */
export function checkDirectory(dir: string): void {
  const stats = statSync(dir);
  const uid = process.getuid?.();
  if (!stats.isDirectory()) throw new Error(`${dir} is not a directory`);
  if (uid !== undefined && stats.uid !== uid && stats.uid !== 0) {
    throw new Error(`${dir} belongs to uid ${stats.uid}, not to this process (uid ${uid})`);
  }
  if ((stats.mode & 0o022) !== 0) throw new Error(`${dir} is writable by group or others (mode ${mode(stats)})`);
}

/** A trail file must be a regular file of this user that nobody else may write into. */
function checkOwnFile(stats: Stats, path: string): void {
  const uid = process.getuid?.();
  if (!stats.isFile()) throw new Error(`${path} is not a regular file`);
  if (uid !== undefined && stats.uid !== uid) throw new Error(`${path} belongs to uid ${stats.uid}, not to this process (uid ${uid})`);
  if ((stats.mode & 0o022) !== 0) throw new Error(`${path} is writable by group or others (mode ${mode(stats)})`);
}

/** Opens for appending and checks the file actually opened, so a file planted before the check cannot slip in. */
function openOwnFile(path: string): number {
  const fd = openSync(path, OPEN_FLAGS, 0o600);
  try {
    checkOwnFile(fstatSync(fd), path);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

/**
 * An append-only JSON-lines file, rotated by size into `.1` … `.N` (the oldest dropped).
 * Each line is written synchronously, so a crash of the process loses nothing it recorded; the
 * data is forced to disk at most a second later, so a crash of the machine loses at most that —
 * or at once, for a line appended with `appendDurable`. The writes are rare (control operations
 * and refusals), which makes a synchronous write cheaper than the bookkeeping of an asynchronous
 * stream that `list` would have to wait for. Forcing to disk runs on libuv's thread pool, so a
 * slow disk delays those who wait for it, never the event loop.
 */
export class AuditFile {
  private fd: number;
  private size: number;
  private closed = false;
  private readonly syncTimer: NodeJS.Timeout;
  /** Lines appended so far, and how many of them are known to be on disk. */
  private written = 0;
  private synced = 0;
  /** Forcing to disk, one at a time: whoever waits behind one is often covered by it. */
  private syncQueue: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly options: AuditFileOptions,
  ) {
    this.fd = openOwnFile(path);
    this.size = fstatSync(this.fd).size;
    this.endLastLine();
    this.syncTimer = setInterval(() => {
      if (this.synced < this.written) this.flushToDisk().catch(options.onError);
    }, SYNC_INTERVAL_MS);
    this.syncTimer.unref();
  }

  /**
   * Throws when the directory cannot be made, others could write it, or the file cannot be opened
   * for appending or belongs to someone else.
   */
  static open(path: string, options: AuditFileOptions): AuditFile {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    checkDirectory(dirname(path));
    return new AuditFile(path, options);
  }

  /** A crash mid-write can leave half a line: end it, so the next entry starts on a line of its own. */
  private endLastLine(): void {
    if (this.size === 0) return;
    const last = Buffer.alloc(1);
    const reader = openSync(this.path, 'r');
    try {
      readSync(reader, last, 0, 1, this.size - 1);
    } finally {
      closeSync(reader);
    }
    if (last[0] === 0x0a) return;
    writeSync(this.fd, '\n');
    this.size += 1;
  }

  append(line: string): void {
    // A closed descriptor's number may already belong to another file: never write through it.
    if (this.closed) throw new Error(`${this.path} is closed`);
    if (this.fd < 0) this.reopen();
    const bytes = Buffer.byteLength(line);
    if (this.size > 0 && this.size + bytes > this.options.maxBytes) this.rotate();
    writeSync(this.fd, line);
    this.size += bytes;
    this.written++;
  }

  /** Appends, and resolves once the line is on disk; rejects when forcing it there failed. */
  appendDurable(line: string): Promise<void> {
    this.append(line);
    return this.flushToDisk();
  }

  /** Resolves once every line appended before the call is on disk. */
  private flushToDisk(): Promise<void> {
    const target = this.written;
    const run = this.syncQueue.then(() => (this.synced >= target ? undefined : this.syncInBackground()));
    this.syncQueue = run.catch(() => {});
    return run;
  }

  private syncInBackground(): Promise<void> {
    const fd = this.fd;
    const upTo = this.written;
    // Closed or rotated since: both forced the old descriptor's lines to disk before closing it.
    if (fd < 0 || this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      fdatasync(fd, (err) => {
        // The descriptor was closed meanwhile (rotation, close), and synced before that: its number
        // may even belong to another file by now, so its error says nothing about this one.
        if (err && fd === this.fd && !this.closed) return reject(err);
        this.synced = Math.max(this.synced, upTo);
        resolve();
      });
    });
  }

  /** Raw lines, newest first, across the live file and its rotated predecessors. */
  *linesNewestFirst(): Generator<string> {
    for (const path of this.files()) {
      const text = this.readOwn(path);
      if (text === undefined) continue;
      const lines = text.split('\n');
      for (let i = lines.length - 1; i >= 0; i--) {
        const line = lines[i];
        if (line) yield line;
      }
    }
  }

  /** A file of someone else's is not part of this trail, whatever its name says. */
  private readOwn(path: string): string | undefined {
    let fd: number;
    try {
      fd = openSync(path, READ_FLAGS);
    } catch {
      return undefined; // rotated away between listing and reading
    }
    try {
      const stats = fstatSync(fd);
      const uid = process.getuid?.();
      if (!stats.isFile() || (uid !== undefined && stats.uid !== uid)) {
        this.options.warn(`audit trail: skipping ${path}: not a file of this process's user (uid ${stats.uid})`);
        return undefined;
      }
      return readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  }

  close(): void {
    clearInterval(this.syncTimer);
    if (this.closed) return;
    this.closed = true;
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    try {
      if (this.synced < this.written) fdatasyncSync(fd);
      this.synced = this.written;
    } finally {
      closeSync(fd);
    }
  }

  private files(): string[] {
    const rotated = Array.from({ length: this.options.maxFiles }, (_, i) => `${this.path}.${i + 1}`);
    return [this.path, ...rotated.filter((path) => existsSync(path))];
  }

  /** Renaming `.N-1` onto `.N` drops the oldest; the live file is reopened even when a rename failed. */
  private rotate(): void {
    this.sync();
    closeSync(this.fd);
    try {
      for (let i = this.options.maxFiles - 1; i >= 1; i--) {
        if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      }
      renameSync(this.path, `${this.path}.1`);
    } finally {
      // Never keep the closed descriptor: its number may already belong to another file.
      this.fd = -1;
      this.reopen();
    }
  }

  private reopen(): void {
    this.fd = openOwnFile(this.path);
    this.size = fstatSync(this.fd).size;
  }

  private sync(): void {
    if (this.synced >= this.written || this.fd < 0) return;
    fdatasyncSync(this.fd);
    this.synced = this.written;
  }
}
