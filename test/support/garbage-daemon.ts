import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';

/**
 * - `not-http`: answers every request with bytes that are not HTTP;
 * - `nonsense`: valid HTTP 200, body "nonsense" (the ping included);
 * - `hang-up`: closes the connection as soon as a request arrives;
 * - `bad-api`: pings and versions like a real daemon, but lists containers in the wrong shape and
 *   cuts a log answer off halfway.
 */
export type Behaviour = 'not-http' | 'nonsense' | 'hang-up' | 'bad-api';

export const GARBAGE_CONTAINER = 'a'.repeat(64);

function http(socket: Socket, status: string, type: string, body: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

const INSPECT = JSON.stringify({
  Id: GARBAGE_CONTAINER,
  Name: '/garbage',
  Created: '2026-01-01T00:00:00Z',
  Path: 'sleep',
  Args: ['3600'],
  State: { Status: 'running', StartedAt: '2026-01-01T00:00:01Z', FinishedAt: '0001-01-01T00:00:00Z', ExitCode: 0 },
  Config: { Image: 'garbage', Labels: {}, Tty: false },
  Mounts: [],
});

function badApi(socket: Socket, requestLine: string): void {
  const path = requestLine.split(' ')[1] ?? '/';
  if (path.startsWith('/_ping')) return http(socket, '200 OK', 'text/plain', 'OK');
  if (path.startsWith('/version')) {
    return http(socket, '200 OK', 'application/json', JSON.stringify({ Version: '99.0.0', ApiVersion: '1.41', MinAPIVersion: '1.12' }));
  }
  if (path.startsWith('/containers/json')) return http(socket, '200 OK', 'application/json', '{"surprise":true}');
  if (/^\/containers\/[^/]+\/json/.test(path)) return http(socket, '200 OK', 'application/json', INSPECT);
  if (/^\/containers\/[^/]+\/logs/.test(path)) {
    // Promises 4 KiB, sends one frame header and a few bytes, then hangs up.
    socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\nContent-Length: 4096\r\n\r\n');
    socket.write(Buffer.from([1, 0, 0, 0, 0, 0, 0, 100, 0x68, 0x69]));
    setTimeout(() => socket.destroy(), 20);
    return;
  }
  http(socket, '500 Internal Server Error', 'text/plain', 'garbage');
}

/** A local unix-socket "daemon" that misbehaves on purpose; point DOCKER_HOST at it. */
export class GarbageDaemon {
  behaviour: Behaviour = 'not-http';
  requests = 0;
  readonly dockerHost: string;
  private readonly dir: string;

  private constructor(private readonly server: Server, dir: string) {
    this.dir = dir;
    this.dockerHost = `unix://${join(dir, 'docker.sock')}`;
  }

  static async start(): Promise<GarbageDaemon> {
    const dir = mkdtempSync('/tmp/lucid-garbage-');
    const server = createServer();
    const daemon = new GarbageDaemon(server, dir);
    server.on('connection', (socket) => daemon.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(join(dir, 'docker.sock'), resolve);
    });
    return daemon;
  }

  private serve(socket: Socket): void {
    socket.on('error', () => undefined);
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      if (head.includes('\r\n\r\n')) return;
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      this.requests++;
      const requestLine = head.split('\r\n')[0] ?? '';
      switch (this.behaviour) {
        case 'not-http':
          socket.end('\u0000\u0001 this is not HTTP at all \u00ff\r\n\r\n');
          return;
        case 'nonsense':
          return http(socket, '200 OK', 'text/plain', 'nonsense');
        case 'hang-up':
          socket.destroy();
          return;
        case 'bad-api':
          return badApi(socket, requestLine);
      }
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
