import type { ContainerState, ContainerSummary, HostReport } from '../../shared/schemas/containers.js';
import type { Placement } from '../model/container-mapping.js';
import type { ContainerCache } from './container-cache.js';
import { markReusable } from './json-cache.js';
import { summaryFromInspect } from './render.js';

export interface ListAnswer {
  readonly containers: ContainerSummary[];
  readonly total: number;
  /** The host answered from its live snapshot: it is up. */
  readonly hosts: HostReport[];
}

/** What `docker ps` without `-a` shows: the daemon counts paused and restarting ones as running. */
const ACTIVE: ReadonlySet<ContainerState> = new Set(['running', 'paused', 'restarting']);

/**
 * List answers built from the snapshot. An answer is reused until the snapshot changes or the
 * second turns (status text such as "Up 5 seconds" follows the clock at one-second resolution),
 * so under load the list is built and serialised about once a second, whatever the request rate.
 * At most one answer per filter combination in use is held, and only for the current second.
 */
export class ListAnswers {
  private stamp = '';
  private sorted: ContainerSummary[] = [];
  private readonly answers = new Map<string, ListAnswer>();

  constructor(
    private readonly cache: ContainerCache,
    private readonly place: Placement,
  ) {}

  get(filter: { all: boolean; state?: ContainerState | undefined; group?: string | undefined }, now = Date.now()): ListAnswer {
    const { all, state, group } = filter;
    const stamp = `${this.cache.version}:${Math.floor(now / 1000)}`;
    if (stamp !== this.stamp) {
      this.stamp = stamp;
      this.answers.clear();
      // Newest first, as Docker lists them.
      this.sorted = [...this.cache.all()]
        .map((raw) => ({ at: Date.parse(raw.Created), summary: summaryFromInspect(raw, this.place, now) }))
        .sort((a, b) => b.at - a.at || a.summary.id.localeCompare(b.summary.id))
        .map((entry) => entry.summary);
    }
    const key = `${all}:${state ?? ''}:${group ?? ''}`;
    let answer = this.answers.get(key);
    if (!answer) {
      // A state filter implies every container, as in Docker's own list.
      const containers = this.sorted.filter(
        (c) => (state ? c.state === state : all || ACTIVE.has(c.state)) && (group === undefined || c.group === group),
      );
      answer = markReusable({ containers, total: containers.length, hosts: [{ name: this.place.host, state: 'up' as const }] });
      this.answers.set(key, answer);
    }
    return answer;
  }
}
