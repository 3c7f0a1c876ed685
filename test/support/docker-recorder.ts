import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DockerRecorder {
  /** `DOCKER_HOST` value that reaches the engine through the recorder. */
  dockerHost: string;
  /** `METHOD /path` of each call, the API version prefix dropped and ids as `{id}`. */
  calls: Set<string>;
  close(): Promise<void>;
}

/** `/v1.41/containers/abc/json` → `/containers/{id}/json` */
export function endpointOf(path: string): string {
  const pathname = path.split('?')[0] ?? '';
  return pathname
    .replace(/^\/v\d+\.\d+(?=\/)/, '')
    .replace(/^\/containers\/(?!json$|create$)[^/]+/, '/containers/{id}')
    .replace(/^\/(services|nodes)\/(?!create$)[^/]+/, '/$1/{id}')
    .replace(/^\/images\/(?!json$|create$).+(?=\/json$)/, '/images/{name}');
}

/**
 * A pass-through in front of the engine's socket that notes which Engine API endpoints the
 * manager calls, so the list operators put in a socket proxy's allow-list can be checked.
 */
export async function startDockerRecorder(engineSocket = '/var/run/docker.sock'): Promise<DockerRecorder> {
  const dir = await mkdtemp(join(tmpdir(), 'lucid-docker-recorder-'));
  const socketPath = join(dir, 'docker.sock');
  const calls = new Set<string>();
  const server: Server = createServer((req, res) => {
    calls.add(`${req.method} ${endpointOf(req.url ?? '')}`);
    const upstream = request(
      { socketPath: engineSocket, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        // A followed stream may stay quiet: pass its headers on at once, as the engine does.
        res.flushHeaders();
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    dockerHost: `unix://${socketPath}`,
    calls,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
