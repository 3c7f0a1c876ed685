import {
  closeSync,
  constants,
  existsSync,
  fdatasyncSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

const SYNC_INTERVAL_MS = 1000;
const OPEN_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;

export interface AuditFileOptions {
  maxBytes: number;
  /** Rotated files kept besides the live one. */
  maxFiles: number;
  /** Failures of the background flush, which has no caller to throw to. */
  onError(err: unknown): void;
}

/**
 * An append-only JSON-lines file, rotated by size into `.1` … `.N` (the oldest dropped).
 * Each line is written synchronously, so a crash of the process loses nothing it recorded; the
 * data is forced to disk at most a second later, so a crash of the machine loses at most that.
 * The writes are rare (control operations and refusals), which makes a synchronous write cheaper
 * than the bookkeeping of an asynchronous stream that `list` would have to wait for.
 */
export class AuditFile {
  private fd: number;
  private size: number;
  private dirty = false;
  private readonly syncTimer: NodeJS.Timeout;

  private constructor(
    readonly path: string,
    private readonly options: AuditFileOptions,
  ) {
    this.fd = openSync(path, OPEN_FLAGS, 0o600);
    this.size = fstatSync(this.fd).size;
    this.endLastLine();
    this.syncTimer = setInterval(() => {
      try {
        this.sync();
      } catch (err) {
        options.onError(err);
      }
    }, SYNC_INTERVAL_MS);
    this.syncTimer.unref();
  }

  /** Throws when the directory cannot be made or the file cannot be opened for appending. */
  static open(path: string, options: AuditFileOptions): AuditFile {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
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
    const bytes = Buffer.byteLength(line);
    if (this.size > 0 && this.size + bytes > this.options.maxBytes) this.rotate();
    writeSync(this.fd, line);
    this.size += bytes;
    this.dirty = true;
  }

  /** Raw lines, newest first, across the live file and its rotated predecessors. */
  *linesNewestFirst(): Generator<string> {
    for (const path of this.files()) {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        continue; // rotated away between listing and reading
      }
      const lines = text.split('\n');
      for (let i = lines.length - 1; i >= 0; i--) {
        const line = lines[i];
        if (line) yield line;
      }
    }
  }

  close(): void {
    clearInterval(this.syncTimer);
    this.sync();
    closeSync(this.fd);
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
      this.fd = openSync(this.path, OPEN_FLAGS, 0o600);
      this.size = fstatSync(this.fd).size;
    }
  }

  private sync(): void {
    if (!this.dirty) return;
    this.dirty = false;
    fdatasyncSync(this.fd);
  }
}
