import type { CensusItem } from '../metrics/census.js';
import type { Placement } from '../model/container-mapping.js';
import type { ContainerCache } from './container-cache.js';
import { summaryFromInspect } from './render.js';

/**
 * What the container gauges count: the snapshot while it is live (a scrape then costs the daemon
 * nothing), else `fallback`, which asks Docker.
 */
export function snapshotCensusSource(
  cache: ContainerCache,
  place: Placement,
  fallback: () => Promise<readonly CensusItem[]>,
): () => Promise<readonly CensusItem[]> {
  return async () => {
    if (!cache.live) return fallback();
    const now = Date.now();
    return [...cache.all()].map((raw) => {
      const { state, health, group } = summaryFromInspect(raw, place, now);
      return { state, health, group };
    });
  };
}
