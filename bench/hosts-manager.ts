import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { mintToken } from '../src/main/auth/tokens.js';
import { freePort } from '../test/support/sshd.js';
import { keepAliveAgent, timedGet } from './http.js';

const SECRET = 'bench-secret-that-is-long-enough-for-hs256!';
const START_TIMEOUT_MS = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The headless server as its own process (`node dist/main/server.js`), as in production, with a
 * hosts file: JWT auth on every request, LOG_LEVEL=info, rate limiting on with limits far above
 * what the bench sends, the audit trail in the bench's directory.
 */
export class HostsManager {
  readonly agent = keepAliveAgent(1);
  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    readonly headers: Record<string, string>,
  ) {}

  /** Returns right after the spawn, so the caller holds the process even if it never gets ready. */
  static async spawn(hostsConfig: string, dir: string): Promise<HostsManager> {
    const port = await freePort();
    const token = await mintToken({ secret: SECRET, sub: 'bench', role: 'admin', ttlSeconds: 3600, audience: 'gui-docker-manager' });
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: dir,
      HOSTS_CONFIG: hostsConfig,
      PORT: String(port),
      HOST: '127.0.0.1',
      LUCID_ENV: 'production',
      LOG_LEVEL: 'info',
      JWT_SECRET_KEY: SECRET,
      RATE_LIMIT_PER_MINUTE: '100000000',
      RATE_LIMIT_CONTROL_PER_MINUTE: '1000000',
      AUDIT_LOG_PATH: join(dir, 'audit.log'),
    };
    const child = spawn(process.execPath, ['dist/main/server.js'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    return new HostsManager(child, `http://127.0.0.1:${port}`, { authorization: `Bearer ${token}` });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  private get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  get(path: string, keepBody = false) {
    return timedGet(this.agent, { url: this.url, path }, this.headers, keepBody);
  }

  async json(path: string): Promise<any> {
    const res = await this.get(path, true);
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${res.body.slice(0, 300)}`);
    return JSON.parse(res.body);
  }

  /** Resolves once every host is up and `host=*` lists `count` containers. */
  async ready(count: number): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (this.exited) throw new Error('the manager exited while starting');
      try {
        const { hosts } = await this.json('/api/v1/hosts');
        const listed = (await this.json('/api/v1/containers?host=*')).containers.length;
        last = `${hosts.map((h: any) => `${h.name} ${h.state}${h.reason ? ` (${h.reason})` : ''}`).join(', ')}; ${listed} containers`;
        if (hosts.every((h: any) => h.state === 'up') && listed === count) return;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      await sleep(200);
    }
    throw new Error(`the manager was not ready within ${START_TIMEOUT_MS} ms: ${last}`);
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    if (this.exited) return;
    const exit = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    // A manager stuck in its shutdown must not keep the engines alive.
    const stuck = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exit;
    clearTimeout(stuck);
  }
}
