import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { TEST_IMAGE } from './engine.js';

const DOCKERD = '/usr/sbin/dockerd';
const DOCKER_CLI = '/usr/bin/docker';

/**
 * A Docker daemon of the test's own, on its own socket, data root, exec root and pid file, so it
 * can be killed and restarted without disturbing the shared engine. Only processes this helper
 * started are ever signalled, by their own pid.
 */
export class PrivateDockerd {
  readonly dir: string;
  readonly socketPath: string;
  readonly docker: Docker;
  private child: ChildProcess | undefined;

  constructor() {
    // Short: a unix socket path (containerd's, under the exec root) must stay under 108 bytes.
    this.dir = mkdtempSync('/tmp/lpd7-');
    this.socketPath = join(this.dir, 'docker.sock');
    writeFileSync(join(this.dir, 'daemon.json'), '{}');
    this.docker = new Docker({ socketPath: this.socketPath });
  }

  get dockerHost(): string {
    return `unix://${this.socketPath}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The containerd this daemon started for itself. */
  get containerdPid(): number | undefined {
    const pid = readPid(join(this.dir, 'exec', 'containerd', 'containerd.pid'));
    return pid !== undefined && commandLineOf(pid).includes(this.dir) ? pid : undefined;
  }

  async start(): Promise<void> {
    const log = openSync(join(this.dir, 'dockerd.log'), 'a');
    const child = spawn(
      DOCKERD,
      [
        `--host=unix://${this.socketPath}`,
        `--data-root=${join(this.dir, 'data')}`,
        `--exec-root=${join(this.dir, 'exec')}`,
        `--pidfile=${join(this.dir, 'docker.pid')}`,
        `--config-file=${join(this.dir, 'daemon.json')}`,
        '--bridge=none',
        '--iptables=false',
        '--ip-masq=false',
        '--ip-forward=false',
        '--log-level=warn',
      ],
      { stdio: ['ignore', log, log] },
    );
    closeSync(log);
    this.child = child;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`private dockerd exited (${child.exitCode}): ${this.logTail()}`);
      try {
        await this.docker.ping();
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`private dockerd did not answer: ${this.logTail()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /**
   * SIGTERM and wait, as an upgrade restarts the daemon: the API (and every event stream) closes
   * first, then the daemon stops its containers and its own containerd. (SIGKILL is no option
   * here: PID 1 of these machines reaps no orphans, so the killed daemon's containerd would stay
   * a zombie that the restarted daemon waits on for ever.)
   */
  async stop(): Promise<void> {
    await this.signal('SIGTERM', 30_000);
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) await this.signal('SIGKILL');
  }

  /** Copies the test image from the shared engine (read-only there) into this daemon. */
  async loadTestImage(): Promise<void> {
    const save = spawn(DOCKER_CLI, ['save', TEST_IMAGE], { stdio: ['ignore', 'pipe', 'inherit'] });
    const load = spawn(DOCKER_CLI, ['-H', this.dockerHost, 'load', '-q'], { stdio: ['pipe', 'ignore', 'inherit'] });
    save.stdout.pipe(load.stdin);
    const [saved, loaded] = await Promise.all([exitOf(save), exitOf(load)]);
    if (saved !== 0 || loaded !== 0) throw new Error(`could not copy ${TEST_IMAGE} (save ${saved}, load ${loaded})`);
  }

  /** Runs the docker CLI against this daemon. */
  async cli(args: string[]): Promise<string> {
    const child = spawn(DOCKER_CLI, ['-H', this.dockerHost, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await exitOf(child);
    if (code !== 0) throw new Error(`docker ${args.join(' ')} failed (${code}): ${err.trim()}`);
    return out.trim();
  }

  /** Stops the daemon (and the containerd it started), then removes its directories. */
  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    // Normally gone with its daemon; signalled only if that pid still runs a containerd of this exec root.
    const containerdPid = this.containerdPid;
    if (containerdPid !== undefined) {
      try {
        process.kill(containerdPid, 'SIGKILL');
      } catch {
        // Exited meanwhile.
      }
    }
    // A daemon that did not shut down cleanly leaves its mounts (data root, overlays, netns) behind.
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1] ?? '')
      .filter((point) => point.startsWith(`${this.dir}/`))
      .sort()
      .reverse();
    for (const point of mounts) await exitOf(spawn('umount', ['-l', point], { stdio: 'ignore' }));
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
  }

  logTail(): string {
    try {
      return readFileSync(join(this.dir, 'dockerd.log'), 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '(no log)';
    }
  }

  private async signal(signal: NodeJS.Signals, waitMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = exitOf(child);
    child.kill(signal);
    await Promise.race([exited, new Promise((r) => setTimeout(r, waitMs))]);
  }
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}
