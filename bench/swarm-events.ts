import http from 'node:http';
import type { SwarmManager } from './swarm-manager.js';

/** A GUI's view of the cluster: the manager's `swarm` event stream (SSE), each frame timed as it arrives. */
export interface SwarmSubscriber {
  /** When a node event first showed `hostname` down, arrived after this call; rejects after `timeoutMs`. */
  nodeDown(hostname: string, timeoutMs: number): Promise<number>;
  close(): void;
}

interface Waiter {
  hostname: string;
  resolve(at: number): void;
}

/** Opens `GET /api/v1/swarm/events` and resolves once the manager has answered 200. */
export function subscribeSwarm(manager: SwarmManager): Promise<SwarmSubscriber> {
  const waiters = new Set<Waiter>();
  return new Promise((resolve, reject) => {
    const req = http.get(new URL(`${manager.url}/api/v1/swarm/events`), { headers: { ...manager.headers, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`GET /api/v1/swarm/events answered ${res.statusCode}`));
        return;
      }
      let buffer = '';
      // Closing the subscription ends the response early: that is no failure.
      res.on('error', () => undefined);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const now = performance.now();
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          if (!/^event: swarm$/m.test(frame)) continue;
          const data = JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? 'null');
          if (data?.type !== 'node' || data.node?.state !== 'down') continue;
          for (const waiter of waiters) {
            if (waiter.hostname === data.hostname) {
              waiters.delete(waiter);
              waiter.resolve(now);
            }
          }
        }
      });
      resolve({
        nodeDown: (hostname, timeoutMs) =>
          new Promise((done, fail) => {
            const timer = setTimeout(() => {
              waiters.delete(waiter);
              fail(new Error(`no node event showed ${hostname} down within ${timeoutMs} ms`));
            }, timeoutMs);
            const waiter: Waiter = {
              hostname,
              resolve: (at) => {
                clearTimeout(timer);
                done(at);
              },
            };
            waiters.add(waiter);
          }),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}
