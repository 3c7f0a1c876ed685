import http from 'node:http';

export interface Timed {
  status: number;
  ms: number;
  bytes: number;
  body: string;
}

/**
 * One GET over a keep-alive agent, timed from request to the last byte of the body: what a
 * client pays to have the whole answer. `socketPath` asks the Docker daemon directly.
 */
export function timedGet(
  agent: http.Agent,
  target: { url?: string; socketPath?: string; path: string },
  headers: Record<string, string> = {},
  keepBody = false,
): Promise<Timed> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const options: http.RequestOptions = { agent, method: 'GET', headers, path: target.path };
    if (target.socketPath) options.socketPath = target.socketPath;
    else {
      const url = new URL(target.url ?? '');
      options.host = url.hostname;
      options.port = url.port;
    }
    const req = http.request(options, (res) => {
      let bytes = 0;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (keepBody) chunks.push(chunk);
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          ms: performance.now() - started,
          bytes,
          body: keepBody ? Buffer.concat(chunks).toString('utf8') : '',
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export function keepAliveAgent(maxSockets = 1): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets });
}
