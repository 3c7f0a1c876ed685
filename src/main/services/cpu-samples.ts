import type { CpuSample } from '../docker/stats-math.js';

const MAX_AGE_MS = 10_000;
const MAX_ENTRIES = 10_000;

/**
 * The latest CPU sample per container, so that a stats call shortly after another can compute
 * CPU % against it instead of sampling twice. Bounded in age and count.
 */
export class CpuSampleCache {
  private readonly samples = new Map<string, { sample: CpuSample; at: number }>();

  recent(id: string, now = Date.now()): CpuSample | undefined {
    const entry = this.samples.get(id);
    if (!entry) return undefined;
    if (now - entry.at > MAX_AGE_MS) {
      this.samples.delete(id);
      return undefined;
    }
    return entry.sample;
  }

  remember(id: string, sample: CpuSample, now = Date.now()): void {
    this.samples.delete(id);
    this.samples.set(id, { sample, at: now });
    if (this.samples.size > MAX_ENTRIES) {
      const oldest = this.samples.keys().next().value;
      if (oldest !== undefined) this.samples.delete(oldest);
    }
  }
}
