import { z } from 'zod';
import type { ContainerState, ContainerSummary } from '../../shared/schemas/containers.js';
import { parseAnswer, rawContainerListItemSchema } from '../docker/answers.js';
import { healthFromStatus, toState } from '../docker/container-state.js';
import type { DockerGateway } from '../docker/gateway.js';
import type { Placement } from '../model/container-mapping.js';

export type CensusItem = Pick<ContainerSummary, 'state' | 'health' | 'group'>;

export interface ContainerCounts {
  byState: Partial<Record<ContainerState, number>>;
  /** Running containers per configured group that are healthy or have no healthcheck. */
  healthyByGroup: Record<string, number>;
}

/** A group outside the configured ones is ignored: label values stay a fixed, small set. */
export function countContainers(list: readonly CensusItem[], knownGroups: ReadonlySet<string>): ContainerCounts {
  const counts: ContainerCounts = { byState: {}, healthyByGroup: {} };
  for (const c of list) {
    counts.byState[c.state] = (counts.byState[c.state] ?? 0) + 1;
    const healthy = c.state === 'running' && (c.health === 'healthy' || c.health === 'none');
    if (healthy && c.group !== null && knownGroups.has(c.group)) {
      counts.healthyByGroup[c.group] = (counts.healthyByGroup[c.group] ?? 0) + 1;
    }
  }
  return counts;
}

export interface CensusTiming {
  /** Counts younger than this are served without asking Docker. */
  maxAgeMs: number;
  /** How long a scrape waits for fresh counts before it answers with the previous ones. */
  waitMs: number;
  /** The same for the very first scrape, which has nothing older to fall back on. */
  firstWaitMs: number;
}

const DEFAULT_TIMING: CensusTiming = { maxAgeMs: 1000, waitMs: 25, firstWaitMs: 2000 };

/**
 * Container counts for the metrics. A scrape asks Docker at most once (concurrent scrapes share
 * one list call) and waits at most 25 ms for it: listing 500 containers takes the daemon alone
 * 40–140 ms here, so when the answer is slower the scrape serves the previous counts and the
 * fresh ones are kept for the next scrape. A small installation gets fresh counts every time.
 */
export class ContainerCensus {
  private latest: { counts: ContainerCounts; at: number } | undefined;
  private inFlight: Promise<ContainerCounts> | undefined;
  private readonly knownGroups: ReadonlySet<string>;

  constructor(
    private readonly list: () => Promise<readonly CensusItem[]>,
    knownGroups: readonly string[],
    private readonly timing: CensusTiming = DEFAULT_TIMING,
  ) {
    this.knownGroups = new Set(knownGroups);
  }

  /** The best counts available within the wait budget; undefined when Docker never answered. */
  async counts(): Promise<ContainerCounts | undefined> {
    const previous = this.latest;
    if (previous && Date.now() - previous.at < this.timing.maxAgeMs) return previous.counts;
    const fresh = this.refresh().catch(() => this.latest?.counts);
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<ContainerCounts | undefined>((resolve) => {
      timer = setTimeout(() => resolve(this.latest?.counts), previous ? this.timing.waitMs : this.timing.firstWaitMs);
    });
    try {
      return await Promise.race([fresh, budget]);
    } finally {
      clearTimeout(timer);
    }
  }

  private refresh(): Promise<ContainerCounts> {
    this.inFlight ??= this.list()
      .then((list) => {
        const counts = countContainers(list, this.knownGroups);
        this.latest = { counts, at: Date.now() };
        return counts;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}

/** Only what the counts need: validating whole summaries of 500 containers costs tens of ms. */
const censusAnswerSchema = z.array(
  z.object({
    Names: rawContainerListItemSchema.shape.Names,
    State: z.string(),
    Status: z.string().default(''),
    Labels: z.record(z.string(), z.string()).nullish(),
  }),
);

/** One list call through the gateway, reduced to state, health and service group. */
export function censusSource(gateway: DockerGateway, place: Placement): () => Promise<CensusItem[]> {
  return async () => {
    const raw = await gateway.call(
      'containers.list',
      (abortSignal) => gateway.docker.listContainers({ all: true, abortSignal }),
      { idempotent: true },
    );
    return parseAnswer(censusAnswerSchema, raw).map((c) => ({
      state: toState(c.State),
      health: healthFromStatus(c.Status),
      group: place.groupOf({ name: c.Names?.[0] ?? '', labels: c.Labels ?? {}, host: place.host }),
    }));
  };
}
