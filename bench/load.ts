import { keepAliveAgent, timedGet } from './http.js';
import { percentile, rssBytes } from './measure.js';

export interface LoadResult {
  requests: number;
  errors: number;
  perSecond: number;
  p50: number;
  p99: number;
  maxRssBytes: number;
}

/**
 * `connections` keep-alive clients, each sending its next request as soon as the previous answer
 * is complete, for `seconds`. Latencies are kept in a bounded reservoir so memory stays flat.
 */
export async function load(
  url: string,
  path: string,
  headers: Record<string, string>,
  connections: number,
  seconds: number,
  watchPid: number,
): Promise<LoadResult> {
  const agent = keepAliveAgent(connections);
  const deadline = performance.now() + seconds * 1000;
  const reservoir: number[] = [];
  const LIMIT = 200_000;
  let requests = 0;
  let errors = 0;
  let maxRss = rssBytes(watchPid);
  const sampler = setInterval(() => {
    maxRss = Math.max(maxRss, rssBytes(watchPid));
  }, 250);
  const worker = async () => {
    while (performance.now() < deadline) {
      try {
        const res = await timedGet(agent, { url, path }, headers);
        if (res.status !== 200) errors++;
        requests++;
        if (reservoir.length < LIMIT) reservoir.push(res.ms);
        else {
          const slot = Math.floor(Math.random() * requests);
          if (slot < LIMIT) reservoir[slot] = res.ms;
        }
      } catch {
        errors++;
        requests++;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - started) / 1000;
  clearInterval(sampler);
  agent.destroy();
  return {
    requests,
    errors,
    perSecond: requests / elapsed,
    p50: percentile(reservoir, 50),
    p99: percentile(reservoir, 99),
    maxRssBytes: maxRss,
  };
}
