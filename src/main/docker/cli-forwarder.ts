import { mkdtemp, chmod, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';

/**
 * A private unix socket that carries each connection made to it over the manager's own link to
 * a remote engine (a new SSH channel, a new TLS connection), so a CLI child such as compose
 * reaches that engine with `DOCKER_HOST=unix://…` and no key or certificate is copied anywhere.
 * The socket lives in a directory only this user can enter (mkdtemp makes it 0700) and is 0600.
 */
export class CliForwarder {
  private readonly dial: () => Promise<Duplex>;
  private started: Promise<string> | undefined;
  private server: Server | undefined;
  private dir: string | undefined;
  private readonly open = new Set<Duplex>();
  private closed = false;

  constructor(dial: () => Promise<Duplex>) {
    this.dial = dial;
  }

  /** The DOCKER_HOST value; the socket is made on the first call. */
  url(): Promise<string> {
    if (this.closed) return Promise.reject(new Error('the engine connection is closed'));
    this.started ??= this.start();
    return this.started;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.started?.catch(() => undefined);
    for (const stream of this.open) stream.destroy();
    this.open.clear();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  private async start(): Promise<string> {
    this.dir = await mkdtemp(join(tmpdir(), 'lucid-engine-'));
    const path = join(this.dir, 'docker.sock');
    const server = createServer({ allowHalfOpen: true }, (local) => this.forward(local));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    await chmod(path, 0o600);
    // The manager's own work keeps the process alive, never this socket.
    server.unref();
    return `unix://${path}`;
  }

  private forward(local: Socket): void {
    this.track(local);
    local.pause();
    this.dial().then(
      (remote) => {
        if (local.destroyed || this.closed) {
          remote.destroy();
          return;
        }
        this.track(remote);
        // An error on either side cuts both: a CLI must see a broken connection as broken. A
        // remote that closed has had all it sent written on: ending (not destroying) flushes it.
        remote.once('error', () => local.destroy());
        local.once('error', () => remote.destroy());
        remote.once('close', () => {
          if (!local.writableEnded) local.end();
        });
        local.once('close', () => remote.destroy());
        local.pipe(remote);
        remote.pipe(local);
        local.resume();
      },
      () => local.destroy(),
    );
  }

  private track(stream: Duplex): void {
    this.open.add(stream);
    stream.once('close', () => this.open.delete(stream));
  }
}
