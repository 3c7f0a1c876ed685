import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export type OutputStream = 'stdout' | 'stderr';

export interface ProcessOptions {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string | undefined;
  timeoutMs: number;
  onLine?: (stream: OutputStream, line: string) => void;
}

export interface ProcessResult {
  exitCode: number | null;
  timedOut: boolean;
  /** Set when the program could not be started at all (missing, not executable). */
  spawnError?: NodeJS.ErrnoException;
}

/** Time between asking the process group to end (SIGTERM) and forcing it (SIGKILL). */
const KILL_GRACE_MS = 2000;
/** A runaway line (a progress bar without newlines) is cut rather than held in memory whole. */
const MAX_LINE = 8192;

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  if (process.platform === 'win32') {
    // No process groups on Windows: taskkill walks the tree instead.
    spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true }).on('error', () => {});
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * Runs a program without a shell, in its own process group, and reports its output line by line.
 * Past the deadline the whole group is killed — compose's own children included — and the result
 * says so; it resolves only once the group has been told to die and the program has ended.
 */
export function runProcess(options: ProcessOptions): Promise<ProcessResult> {
  return new Promise((resolve) => {
    let timedOut = false;
    let settled = false;
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      shell: false,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const finish = (result: ProcessResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(forceKill);
      // Sweeps up anything of the group that outlived the program after a timeout.
      if (timedOut && child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      resolve(result);
    };
    let forceKill: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => {
      if (child.pid === undefined) return;
      timedOut = true;
      const pid = child.pid;
      signalGroup(pid, 'SIGTERM');
      forceKill = setTimeout(() => {
        signalGroup(pid, 'SIGKILL');
        // A descendant that left the group could hold the pipes open forever: stop waiting for it.
        forceKill = setTimeout(() => finish({ exitCode: child.exitCode, timedOut }), KILL_GRACE_MS);
      }, KILL_GRACE_MS);
    }, options.timeoutMs);

    for (const stream of ['stdout', 'stderr'] as const) {
      const lines = createInterface({ input: child[stream], crlfDelay: Infinity });
      lines.on('line', (line) => options.onLine?.(stream, line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line));
    }
    child.once('error', (err: NodeJS.ErrnoException) => finish({ exitCode: null, timedOut, spawnError: err }));
    child.once('close', (code) => finish({ exitCode: code, timedOut }));
  });
}
