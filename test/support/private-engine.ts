import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import Docker from 'dockerode';
import { docker as sharedDocker, TEST_IMAGE } from './engine.js';
import { suiteFixture } from './fixture.js';
import { sleep } from './sleep.js';

const DOCKERD = existsSync('/usr/sbin/dockerd') ? '/usr/sbin/dockerd' : 'dockerd';
const START_TIMEOUT_MS = 60_000;

/** The process exists and is not a zombie (a killed daemon's child may linger unreaped). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function pidIn(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export interface PrivateEngineOptions {
  /**
   * Runs dockerd through this program (its arguments, then dockerd's path and flags follow):
   * a swarm node enters its own network namespace this way.
   */
  launcher?: { command: string; args: string[] };
  /** Flags after the defaults (an address to listen on, a shutdown timeout). */
  extraArgs?: string[];
  /** Prefix of the temporary folder, which names the engine in process lists. */
  dirPrefix?: string;
  /** Load the shared engine's test image once the daemon answers. */
  testImage?: boolean;
}

/**
 * A dockerd of the test's own: its own socket, data root, exec root and pid file, no networking,
 * so it can be killed and restarted without disturbing the shared engine other tests use. It is
 * only ever signalled through the pid of the process this class spawned.
 */
export class PrivateEngine {
  readonly dir: string;
  readonly socket: string;
  readonly dockerHost: string;
  readonly docker: Docker;
  private child: ChildProcess | undefined;
  private readonly onExit = () => this.child?.kill('SIGKILL');

  private constructor(private readonly options: PrivateEngineOptions) {
    this.dir = mkdtempSync(options.dirPrefix ?? '/tmp/lucid-pd-');
    this.socket = join(this.dir, 'docker.sock');
    this.dockerHost = `unix://${this.socket}`;
    this.docker = new Docker({ socketPath: this.socket });
    process.once('exit', this.onExit);
  }

  /** Options, or just `extraArgs` for dockerd as they are (e.g. a TLS listener beside the private socket). */
  static async start(options: PrivateEngineOptions | string[] = {}): Promise<PrivateEngine> {
    const engine = new PrivateEngine(Array.isArray(options) ? { extraArgs: options } : options);
    try {
      await engine.startDaemon();
      if (engine.options.testImage) await engine.loadTestImage();
    } catch (err) {
      await engine.destroy();
      throw err;
    }
    return engine;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Answers `/_ping` with OK within a second. */
  ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = request({ socketPath: this.socket, path: '/_ping', timeout: 1000 }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve(res.statusCode === 200 && body === 'OK'));
        res.on('error', () => resolve(false));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
      req.end();
    });
  }

  /** Starts the daemon and resolves once it answers. */
  async startDaemon(): Promise<void> {
    const log = openSync(join(this.dir, 'dockerd.log'), 'a');
    const dockerdArgs = [
      `--host=${this.dockerHost}`,
      `--data-root=${join(this.dir, 'data')}`,
      `--exec-root=${join(this.dir, 'exec')}`,
      `--pidfile=${join(this.dir, 'dockerd.pid')}`,
      '--bridge=none',
      '--iptables=false',
      '--ip-masq=false',
      '--ip-forward=false',
      ...(this.options.extraArgs ?? []),
    ];
    const launcher = this.options.launcher;
    const child = launcher
      ? spawn(launcher.command, [...launcher.args, DOCKERD, ...dockerdArgs], { stdio: ['ignore', log, log] })
      : spawn(DOCKERD, dockerdArgs, { stdio: ['ignore', log, log] });
    closeSync(log);
    this.child = child;
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      if (await this.ping()) return;
      await sleep(100);
    }
    const tail = readFileSync(join(this.dir, 'dockerd.log'), 'utf8').split('\n').slice(-15).join('\n');
    throw new Error(`private dockerd did not start:\n${tail}`);
  }

  /** A crash: SIGKILL, then the stale pid files a crash leaves are cleared for the next start. */
  async kill(): Promise<void> {
    await this.signalAndWait('SIGKILL', 10_000);
    rmSync(join(this.dir, 'dockerd.pid'), { force: true });
    // The daemon's own containerd dies with it, a moment later; a fresh start needs it gone and
    // its pid file removed (a pid left as an unreaped zombie would look alive to dockerd).
    const containerdPidFile = join(this.dir, 'exec', 'containerd', 'containerd.pid');
    const containerd = pidIn(containerdPidFile);
    if (containerd !== undefined && this.owns(containerd)) {
      try {
        process.kill(containerd, 'SIGKILL');
      } catch {
        // Gone already.
      }
      const deadline = Date.now() + 10_000;
      while (alive(containerd) && Date.now() < deadline) await sleep(50);
    }
    rmSync(containerdPidFile, { force: true });
  }

  /** A live process started for this engine: its command line names the engine's directory. */
  private owns(pid: number): boolean {
    try {
      return alive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(this.dir);
    } catch {
      return false;
    }
  }

  /** The daemon stops answering without going away: connections are accepted and then hang. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Loads the shared engine's test image (no registry can be reached). */
  async loadTestImage(): Promise<void> {
    const tar = await sharedDocker.getImage(TEST_IMAGE).get();
    const progress = await this.docker.loadImage(tar);
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(progress, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Stops the daemon and removes everything it left, mounts included. */
  async destroy(): Promise<void> {
    this.resume();
    if (!(await this.signalAndWait('SIGTERM', 20_000))) await this.signalAndWait('SIGKILL', 10_000);
    process.removeListener('exit', this.onExit);
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[4])
      .filter((mountPoint): mountPoint is string => mountPoint !== undefined && mountPoint.startsWith(`${this.dir}/`))
      .sort((a, b) => b.length - a.length);
    for (const mountPoint of mounts) spawnSync('umount', ['-l', mountPoint]);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The same as `destroy`, under the name a fixture closes by. */
  close(): Promise<void> {
    return this.destroy();
  }

  private async signalAndWait(signal: NodeJS.Signals, timeoutMs: number): Promise<boolean> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
      child.kill(signal);
    });
  }
}

/**
 * A private engine for the tests of the enclosing describe block (or file): started before them
 * and destroyed after them, also on failure. Its `after` runs where it is declared: before the
 * hooks declared later, so a server or client declared later closes after the engine is gone.
 */
export function usePrivateEngine(options: PrivateEngineOptions = {}): PrivateEngine {
  return suiteFixture('private engine', () => PrivateEngine.start(options));
}
