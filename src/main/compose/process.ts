import { spawn } from 'node:child_process';
import { LineSplitter } from './line-splitter.js';
import { descendantsOf, signalProcess, type ProcessRef } from './process-tree.js';

export type OutputStream = 'stdout' | 'stderr';

export interface ProcessOptions {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string | undefined;
  timeoutMs: number;
  onLine?: (stream: OutputStream, line: string) => void;
  /** Open descriptors handed to the child as its fd 3, 4, …; the caller keeps and closes its own copies. */
  fds?: number[];
}

export interface ProcessResult {
  exitCode: number | null;
  timedOut: boolean;
  /** Ended by `stop()` (the manager shutting down), not by the deadline. */
  stopped: boolean;
  /** Set when the program could not be started at all (missing, not executable). */
  spawnError?: NodeJS.ErrnoException;
}

export interface RunningProcess {
  readonly done: Promise<ProcessResult>;
  /** Ends the run as the deadline would (SIGTERM, then SIGKILL); `done` resolves within 2 × KILL_GRACE_MS. */
  stop(): void;
  /** SIGTERM and SIGKILL at once, synchronously: for `process.on('exit')`, where no timer fires any more. */
  killNow(): void;
}

/** Time between asking the process tree to end (SIGTERM) and forcing it (SIGKILL), and after that. */
export const KILL_GRACE_MS = 2000;
/** A runaway line (a progress bar without newlines) is cut rather than held in memory whole. */
export const MAX_LINE = 8192;

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
 * Past the deadline (or on `stop()`) the whole tree is killed: the group, and the descendants
 * that left it with `setsid`, found through /proc before the first signal. The answer comes at
 * the latest 2 × KILL_GRACE_MS after the deadline, whatever the children do with the pipes.
 */
export function startProcess(options: ProcessOptions): RunningProcess {
  let timedOut = false;
  let stopped = false;
  let settled = false;
  const timers: NodeJS.Timeout[] = [];
  let resolveDone: (result: ProcessResult) => void = () => {};
  const done = new Promise<ProcessResult>((resolve) => (resolveDone = resolve));
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    shell: false,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', ...(options.fds ?? [])],
    windowsHide: true,
  });
  /** Known members of the tree outside the group, gathered at each signal. */
  const escaped = new Map<number, ProcessRef>();
  const signalTree = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    for (const ref of descendantsOf(child.pid)) escaped.set(ref.pid, ref);
    signalGroup(child.pid, signal);
    for (const ref of escaped.values()) signalProcess(ref, signal);
  };
  const finish = (result: Omit<ProcessResult, 'timedOut' | 'stopped'>) => {
    if (settled) return;
    settled = true;
    timers.forEach(clearTimeout);
    // Sweeps up anything of the tree that outlived the program after it was told to end.
    if (timedOut || stopped) signalTree('SIGKILL');
    resolveDone({ ...result, timedOut, stopped });
  };
  let ending = false;
  const end = () => {
    if (ending || settled || child.pid === undefined) return;
    ending = true;
    signalTree('SIGTERM');
    timers.push(
      setTimeout(() => {
        signalTree('SIGKILL');
        // A descendant beyond reach could hold the pipes open forever: stop waiting for it.
        timers.push(setTimeout(() => finish({ exitCode: child.exitCode }), KILL_GRACE_MS));
      }, KILL_GRACE_MS),
    );
  };
  timers.push(
    setTimeout(() => {
      timedOut = !stopped;
      end();
    }, options.timeoutMs),
  );

  for (const stream of ['stdout', 'stderr'] as const) {
    const splitter = new LineSplitter(MAX_LINE, (line) => options.onLine?.(stream, line));
    child[stream]?.on('data', (chunk: Buffer) => splitter.write(chunk));
    child[stream]?.on('end', () => splitter.end());
  }
  child.once('error', (err: NodeJS.ErrnoException) => finish({ exitCode: null, spawnError: err }));
  child.once('close', (code) => finish({ exitCode: code }));

  return {
    done,
    stop: () => {
      if (settled || ending) return;
      stopped = true;
      end();
    },
    killNow: () => {
      if (settled) return;
      stopped = true;
      signalTree('SIGTERM');
      signalTree('SIGKILL');
    },
  };
}

export function runProcess(options: ProcessOptions): Promise<ProcessResult> {
  return startProcess(options).done;
}
