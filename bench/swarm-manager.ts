import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mintToken } from '../src/main/auth/tokens.js';
import { keepAliveAgent, timedGet, type Timed } from './http.js';

const START_TIMEOUT_MS = 30_000;

/** One Server-Sent Event of an answer, with the time (performance.now) it arrived. */
export interface Frame {
  at: number;
  event: string;
  data: any;
}
const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/;

/**
 * The headless manager as its own process (`dist/main/server.js`), an admin token, and one
 * keep-alive connection for timed reads. `spawn` returns before the server is ready, so whoever
 * holds it can always stop it, even when it never starts.
 */
export class SwarmManager {
  readonly agent = keepAliveAgent(1);
  url = '';
  headers: Record<string, string> = {};
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly secret: string,
  ) {
    // Drained whatever it says, so a chatty log never blocks the server on a full pipe; only the
    // start line is looked for.
    child.stdout?.on('data', (chunk: Buffer) => {
      if (!this.url) this.output += chunk.toString();
    });
  }

  static spawn(env: Record<string, string>): SwarmManager {
    const secret = randomBytes(32).toString('hex');
    const child = spawn(process.execPath, [...(process.env['PROF_DIR'] ? ['--cpu-prof', '--cpu-prof-dir', process.env['PROF_DIR']] : []), 'dist/main/server.js'], {
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        PORT: '0',
        HOST: '127.0.0.1',
        LUCID_ENV: 'production',
        LOG_LEVEL: 'info',
        JWT_SECRET_KEY: secret,
        // Rate limiting stays on, with limits far above what the bench sends.
        RATE_LIMIT_PER_MINUTE: '100000000',
        RATE_LIMIT_CONTROL_PER_MINUTE: '1000000',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return new SwarmManager(child, secret);
  }

  async ready(): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!this.url) {
      if (this.exited) throw new Error(`the manager exited while starting:\n${this.output.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error('the manager did not start');
      this.url = LISTENING.exec(this.output)?.[1] ?? '';
      await new Promise((r) => setTimeout(r, 50));
    }
    this.output = '';
    const token = await mintToken({ secret: this.secret, sub: 'bench', role: 'admin', ttlSeconds: 3600, audience: 'gui-docker-manager' });
    this.headers = { authorization: `Bearer ${token}` };
  }

  get(path: string, keepBody = false): Promise<Timed> {
    return timedGet(this.agent, { url: this.url, path }, this.headers, keepBody);
  }

  /** A JSON body from the manager; anything but 200 is the bench's failure. */
  async json(path: string): Promise<any> {
    const res = await this.get(path, true);
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${res.body.slice(0, 300)}`);
    return JSON.parse(res.body);
  }

  /**
   * A control call with its output streamed (SSE): each frame with the time it arrived, until the
   * final `result` or `error` frame.
   */
  async postStreamed(path: string, body: unknown): Promise<Frame[]> {
    const res = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: { ...this.headers, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify(body),
    });
    if (res.status !== 200 || !res.body) throw new Error(`POST ${path} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    const frames: Frame[] = [];
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = res.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const at = performance.now();
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const text = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = /^event: (.*)$/m.exec(text)?.[1];
        const data = /^data: (.*)$/m.exec(text)?.[1];
        if (event && data) frames.push({ at, event, data: JSON.parse(data) });
      }
      if (frames.some((f) => f.event === 'result' || f.event === 'error')) break;
    }
    await reader.cancel().catch(() => undefined);
    return frames;
  }

  private get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    if (this.exited) return;
    const exit = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    // A manager stuck in its shutdown must not keep the swarm alive.
    const stuck = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exit;
    clearTimeout(stuck);
  }
}
