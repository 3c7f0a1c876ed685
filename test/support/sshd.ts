import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './temp.js';
import { sleep } from './sleep.js';

const SSHD = '/usr/sbin/sshd';
const START_TIMEOUT_MS = 15_000;

/** A port nothing listens on now (the kernel's pick), for a server started right after. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr || result.error?.message}`);
  return result.stdout;
}

/** A fresh ed25519 key pair at `file` (and `file.pub`), with a passphrase or none. */
export function makeKey(file: string, passphrase = ''): void {
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'lucid-test', '-f', file]);
}

/** `SHA256:…` of a public key file, as `ssh-keygen -lf` prints it. */
export function fingerprintOfFile(pubFile: string): string {
  const fingerprint = run('ssh-keygen', ['-lf', pubFile]).split(' ')[1];
  if (fingerprint === undefined) throw new Error(`no fingerprint for ${pubFile}`);
  return fingerprint;
}

/** The descendants of `pid`, found through /proc before anything is killed. */
function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // Gone meanwhile.
    }
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const child of children.get(parent) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

export interface SshdOptions {
  /** `AllowStreamLocalForwarding no`: clients must fall back to `docker system dial-stdio`. */
  forbidSocketForwarding?: boolean;
  /** DOCKER_HOST in sessions, for dial-stdio. */
  dockerHost?: string;
}

/**
 * A real OpenSSH server on 127.0.0.1 and a free port, run as this (root) user with keys made at
 * test time: a host key, a client key without passphrase and one with, both authorised. Its log
 * (LogLevel VERBOSE) counts the TCP connections and the authentications it accepted. It can be
 * killed, sessions included, and started again on the same port.
 */
export class TestSshd {
  readonly dir: string;
  readonly port: number;
  readonly hostKey: string;
  readonly clientKey: string;
  readonly passphraseKey: string;
  readonly passphraseFile: string;
  readonly knownHosts: string;
  readonly log: string;
  private readonly options: SshdOptions;
  private child: ChildProcess | undefined;
  private readonly onExit = () => this.killNow();

  private constructor(port: number, options: SshdOptions) {
    this.dir = tempDir('lucid-sshd-');
    this.port = port;
    this.options = options;
    this.hostKey = join(this.dir, 'host_key');
    this.clientKey = join(this.dir, 'client_key');
    this.passphraseKey = join(this.dir, 'client_key_pass');
    this.passphraseFile = join(this.dir, 'passphrase');
    this.knownHosts = join(this.dir, 'known_hosts');
    this.log = join(this.dir, 'sshd.log');
    makeKey(this.hostKey);
    makeKey(this.clientKey);
    writeFileSync(this.passphraseFile, 'correct horse battery staple\n', { mode: 0o600 });
    makeKey(this.passphraseKey, 'correct horse battery staple');
    writeFileSync(
      join(this.dir, 'authorized_keys'),
      readFileSync(`${this.clientKey}.pub`, 'utf8') + readFileSync(`${this.passphraseKey}.pub`, 'utf8'),
      { mode: 0o600 },
    );
    writeFileSync(this.knownHosts, `${this.knownHostsLine()}\n`);
    process.once('exit', this.onExit);
  }

  static async start(options: SshdOptions = {}): Promise<TestSshd> {
    if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: run "bash scripts/test-engine.sh" as root (it installs openssh-server)`);
    const sshd = new TestSshd(await freePort(), options);
    try {
      await sshd.startDaemon();
    } catch (err) {
      await sshd.stop();
      throw err;
    }
    return sshd;
  }

  /** `[127.0.0.1]:PORT ssh-ed25519 AAAA…`: this server's line in a known_hosts file. */
  knownHostsLine(): string {
    const [type, key] = readFileSync(`${this.hostKey}.pub`, 'utf8').trim().split(' ');
    return `[127.0.0.1]:${this.port} ${type} ${key}`;
  }

  hostFingerprint(): string {
    return fingerprintOfFile(`${this.hostKey}.pub`);
  }

  private logText(): string {
    try {
      return readFileSync(this.log, 'utf8');
    } catch {
      return '';
    }
  }

  /** TCP connections sshd accepted since it was first started. */
  connections(): number {
    return this.logText().match(/^Connection from 127\.0\.0\.1 port \d+ on /gm)?.length ?? 0;
  }

  /** Successful authentications (each the start of a session that could reach the engine). */
  authentications(): number {
    return this.logText().match(/^Accepted (publickey|password|keyboard-interactive)/gm)?.length ?? 0;
  }

  /** Starts sshd (again, on the same port) and resolves once it listens. */
  async startDaemon(): Promise<void> {
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const listening = new RegExp(`Server listening on 127\\.0\\.0\\.1 port ${this.port}\\.`, 'g');
    const before = this.logText().match(listening)?.length ?? 0;
    const log = openSync(this.log, 'a');
    const args = [
      '-D',
      '-e',
      '-f',
      '/dev/null',
      '-o', 'ListenAddress=127.0.0.1',
      '-o', `Port=${this.port}`,
      '-o', `HostKey=${this.hostKey}`,
      '-o', `AuthorizedKeysFile=${join(this.dir, 'authorized_keys')}`,
      '-o', 'StrictModes=no',
      '-o', 'UsePAM=no',
      '-o', 'PermitRootLogin=prohibit-password',
      '-o', 'PasswordAuthentication=no',
      '-o', 'KbdInteractiveAuthentication=no',
      '-o', 'LogLevel=VERBOSE',
      '-o', `PidFile=${join(this.dir, 'sshd.pid')}`,
      '-o', `AllowStreamLocalForwarding=${this.options.forbidSocketForwarding ? 'no' : 'yes'}`,
      ...(this.options.dockerHost ? ['-o', `SetEnv=DOCKER_HOST=${this.options.dockerHost}`] : []),
    ];
    const child = spawn(SSHD, args, { stdio: ['ignore', log, log] });
    closeSync(log);
    this.child = child;
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      if ((this.logText().match(listening)?.length ?? 0) > before) return;
      await sleep(50);
    }
    throw new Error(`sshd did not start:\n${this.logText().split('\n').slice(-15).join('\n')}`);
  }

  /** As if the machine's sshd crashed: the listener and every session die at once. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.killNow();
    await exited;
  }

  /** As if the machine vanished from the network: every sshd process stops, sockets stay open. */
  freeze(): void {
    this.signalAll('SIGSTOP');
  }

  thaw(): void {
    this.signalAll('SIGCONT');
  }

  private signalAll(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined || this.child?.exitCode !== null || this.child?.signalCode !== null) return;
    for (const target of [pid, ...descendantsOf(pid)]) {
      try {
        process.kill(target, signal);
      } catch {
        // Already gone.
      }
    }
  }

  private killNow(): void {
    // A stopped process does not die of SIGKILL before it is continued on every kernel.
    this.signalAll('SIGKILL');
    this.signalAll('SIGCONT');
  }

  async stop(): Promise<void> {
    await this.kill();
    process.removeListener('exit', this.onExit);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** An ssh-agent of the test's own holding `keyFile`; `stop` ends it. */
export async function startAgent(dir: string, keyFile: string): Promise<{ socket: string; stop: () => void }> {
  const socket = join(dir, `agent-${process.pid}-${Date.now()}.sock`);
  const child = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', stop);
  const deadline = Date.now() + 5000;
  while (!existsSync(socket)) {
    if (Date.now() > deadline) {
      stop();
      throw new Error('ssh-agent did not start');
    }
    await sleep(20);
  }
  const added = spawnSync('ssh-add', [keyFile], { env: { ...process.env, SSH_AUTH_SOCK: socket }, encoding: 'utf8' });
  if (added.status !== 0) {
    stop();
    throw new Error(`ssh-add failed: ${added.stderr}`);
  }
  return { socket, stop };
}
