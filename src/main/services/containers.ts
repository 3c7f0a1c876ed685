import type Dockerode from 'dockerode';
import { LucidError } from '../../shared/errors.js';
import { timePointSeconds } from '../../shared/schemas/common.js';
import type {
  ContainerDetails,
  ContainerState,
  ContainerStats,
  ContainerSummary,
  ControlResult,
  FollowLogsInput,
  FollowLogsOutput,
  LogsInput,
  LogsOutput,
} from '../../shared/schemas/containers.js';
import { parseAnswer, rawContainerInspectSchema, rawContainerListSchema, type RawContainerInspect } from '../docker/answers.js';
import { statusCodeOf } from '../docker/errors.js';
import type { DockerGateway } from '../docker/gateway.js';
import { errorsField, readLogBounded, type LogQuery } from '../docker/log-read.js';
import { ReadBudget } from '../docker/read-budget.js';
import { cpuSampleOf, rawStatsSchema, statsFigures, type RawStats } from '../docker/stats-math.js';
import { detailsFromInspect, summaryFromListItem, type Placement } from '../model/container-mapping.js';
import type { OperationContext } from '../model/context.js';
import type { ContainerCache } from '../state/container-cache.js';
import { ListAnswers, type ListAnswer } from '../state/list-answers.js';
import { CpuSampleCache } from './cpu-samples.js';
import { LogFanout } from './log-fanout.js';

const NOT_FOUND = { notFound: 'CONTAINER_NOT_FOUND', what: 'container' } as const;

const NOWHERE: Placement = { host: 'local', groupOf: () => null };

/** After the grace period the daemon still has to kill and reap the process. */
const KILL_MARGIN_MS = 5000;

export interface ListOptions {
  all: boolean;
  state?: ContainerState | undefined;
  group?: string | undefined;
}

export interface ContainerServiceOptions {
  /** The manager's own container: never stopped or restarted through the API. */
  selfContainerId?: string | undefined;
  /** The host, and group membership (label, config, compose project); without it the host is `local` and no container is in a group. */
  place?: Placement;
  /** The event-driven snapshot; reads are served from it while it is live. */
  cache?: ContainerCache | undefined;
  /** Text one log read answers at most (LOG_READ_MAX_BYTES). */
  logReadMaxBytes?: number | undefined;
  /** Backlog one follower reads at most: what its stream can hold (STREAM_MAX_QUEUED_BYTES). */
  followBacklogMaxBytes?: number | undefined;
  /** What all log reads in flight (answers and follow backlogs) hold together at most (LOG_READS_MAX_BYTES). */
  logReadsMaxBytes?: number | undefined;
  /** A budget shared with other hosts' services: the bound is the process's memory, not one engine's. */
  readBudget?: ReadBudget | undefined;
}

const DEFAULT_LOG_READ_MAX_BYTES = 4 * 1024 * 1024;
const DEFAULT_FOLLOW_BACKLOG_MAX_BYTES = 1024 * 1024;
const DEFAULT_LOG_READS_MAX_BYTES = 64 * 1024 * 1024;
/** Log reads that wait for room in the read budget at most; more are refused (LOG_READS_BUSY). */
const MAX_WAITING_LOG_READS = 256;
/** Log reads running at once at most: two per core of the machines the manager targets. */
const MAX_LOG_READS_IN_FLIGHT = 4;

/** The log read budget of one process; a read waits for room at most as long as it may take itself. */
export function logReadBudget(maxBytes: number | undefined, timeoutMs: number): ReadBudget {
  return new ReadBudget(maxBytes ?? DEFAULT_LOG_READS_MAX_BYTES, MAX_WAITING_LOG_READS, timeoutMs, MAX_LOG_READS_IN_FLIGHT);
}

export type ControlAction = 'start' | 'stop' | 'restart';

const PAST: Record<ControlAction, string> = { start: 'started', stop: 'stopped', restart: 'restarted' };

export interface Transition {
  changed: boolean;
  after: ContainerDetails;
}

function toUnixSeconds(value: string | number | undefined): number | undefined {
  return value === undefined ? undefined : timePointSeconds(value);
}

/** What a log read asks Docker: streams, tail, timestamps, time window. */
function dockerLogOptions(input: LogsInput): LogQuery {
  const since = toUnixSeconds(input.since);
  const until = toUnixSeconds(input.until);
  return {
    stdout: input.stream !== 'stderr',
    stderr: input.stream !== 'stdout',
    tail: input.tail,
    timestamps: input.timestamps,
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
  };
}

export class ContainerService {
  private readonly cpuSamples = new CpuSampleCache();
  private readonly inflightSamples = new Map<string, Promise<RawStats>>();
  private readonly answers: ListAnswers | undefined;
  private readonly fanout: LogFanout;
  private readonly readBudget: ReadBudget;

  constructor(
    private readonly gateway: DockerGateway,
    private readonly options: ContainerServiceOptions = {},
  ) {
    this.answers = options.cache ? new ListAnswers(options.cache, this.place) : undefined;
    this.readBudget = options.readBudget ?? logReadBudget(options.logReadsMaxBytes, gateway.timeoutMs);
    this.fanout = new LogFanout(gateway, {
      backlogMaxBytes: options.followBacklogMaxBytes ?? DEFAULT_FOLLOW_BACKLOG_MAX_BYTES,
      readBudget: this.readBudget,
    });
  }

  private get docker(): Dockerode {
    return this.gateway.docker;
  }

  /** The host this service's engine is. */
  get host(): string {
    return this.place.host;
  }

  private get place(): Placement {
    return this.options.place ?? NOWHERE;
  }

  /** The list answer; the same object for the same snapshot, filter and second, so it is serialised once. */
  async listAnswer(options: ListOptions): Promise<ListAnswer> {
    const cache = this.options.cache;
    if (cache?.live && this.answers) {
      await cache.settle();
      if (cache.live) return this.answers.get(options);
    }
    const containers = await this.list(options);
    return { containers, total: containers.length, hosts: [{ name: this.host, state: 'up' }] };
  }

  /**
   * Straight from Docker, for those who act on the answer (group start/stop plans): a control
   * decision must not rest on a snapshot that may lag a change made behind the manager's back.
   */
  async list(options: ListOptions): Promise<ContainerSummary[]> {
    const filters = options.state ? { status: [options.state] } : undefined;
    const raw = await this.gateway.call(
      'containers.list',
      (abortSignal) => this.docker.listContainers({ all: options.all, ...(filters ? { filters } : {}), abortSignal }),
      { idempotent: true },
    );
    const summaries = parseAnswer(rawContainerListSchema, raw).map((item) => summaryFromListItem(item, this.place));
    return options.group === undefined ? summaries : summaries.filter((c) => c.group === options.group);
  }

  async get(ref: string): Promise<ContainerDetails> {
    return detailsFromInspect(await this.resolve(ref), this.place);
  }

  /** Inspect data of a container: from the live snapshot for a full id or name, else from Docker. */
  async resolve(ref: string): Promise<RawContainerInspect> {
    const cache = this.options.cache;
    if (cache?.live) {
      await cache.settle();
      const known = cache.live ? cache.lookup(ref) : undefined;
      if (known) return known;
    }
    const raw = await this.gateway.call(
      'containers.inspect',
      (abortSignal) => this.docker.getContainer(ref).inspect({ abortSignal }),
      { idempotent: true, ...NOT_FOUND },
    );
    return parseAnswer(rawContainerInspectSchema, raw);
  }

  start(ref: string, ctx: OperationContext): Promise<ControlResult> {
    return this.control(ref, ctx, 'start', 0);
  }

  stop(ref: string, timeout: number, ctx: OperationContext): Promise<ControlResult> {
    return this.control(ref, ctx, 'stop', timeout);
  }

  restart(ref: string, timeout: number, ctx: OperationContext): Promise<ControlResult> {
    return this.control(ref, ctx, 'restart', timeout);
  }

  /** Resolves the target first, so that the scope check sees its group and the answer names it by full id. */
  private async control(ref: string, ctx: OperationContext, action: ControlAction, timeout: number): Promise<ControlResult> {
    const target = await this.get(ref);
    ctx.target = target.name;
    ctx.requireScope(target.group, `container ${target.name}`);
    const { changed, after } = await this.transition(target.id, action, timeout);
    return { id: after.id, name: after.name, state: after.state, changed };
  }

  /**
   * Acts on a container whose caller is already authorized (a group operation checks the group's
   * scope once for all members). Docker's 304 ("nothing to do") becomes `changed: false`; the
   * manager's own container is refused whoever asks.
   */
  async transition(id: string, action: ControlAction, timeout: number): Promise<Transition> {
    if (action !== 'start' && this.isSelf(id)) {
      throw new LucidError('SELF_PROTECTED', `the manager's own container cannot be ${PAST[action]} through its API`);
    }
    const container = this.docker.getContainer(id);
    const act = (abortSignal: AbortSignal): Promise<unknown> => {
      switch (action) {
        case 'start':
          return container.start({ abortSignal });
        case 'stop':
          return container.stop({ t: timeout, abortSignal });
        case 'restart':
          return container.restart({ t: timeout, abortSignal });
      }
    };
    const changed = await this.gateway.call(
      `containers.${action}`,
      (abortSignal) =>
        act(abortSignal).then(
          () => true,
          (err: unknown) => {
            if (statusCodeOf(err) === 304) return false;
            throw err;
          },
        ),
      { idempotent: false, extraMs: timeout * 1000 + KILL_MARGIN_MS, ...NOT_FOUND },
    );
    // Re-read before answering, so that the change shows in every read that follows.
    await this.options.cache?.refresh(id);
    return { changed, after: await this.get(id) };
  }

  /** The manager's own container: never stopped or restarted through the API (a group plan asks too). */
  isSelf(id: string): boolean {
    const self = this.options.selfContainerId;
    return self !== undefined && self.length >= 12 && id.startsWith(self);
  }

  /** At most `logReadMaxBytes` of the newest lines; `truncated` says when older ones were left out. */
  async logs(input: LogsInput, signal: AbortSignal): Promise<LogsOutput> {
    const inspect = await this.resolve(input.id);
    const { lines, cut, daemonErrors } = await readLogBounded(
      this.gateway,
      inspect.Id,
      inspect.Config.Tty,
      dockerLogOptions(input),
      this.options.logReadMaxBytes ?? DEFAULT_LOG_READ_MAX_BYTES,
      signal,
      this.readBudget,
    );
    return { id: inspect.Id, lines, truncated: cut || lines.length >= input.tail, ...errorsField(daemonErrors) };
  }

  /**
   * Streams new log lines as events until the container stops (`ended`), the caller goes away
   * (`cancelled`), the daemon's stream breaks (`error`, with the code) or the manager shuts down
   * (`shutdown`). Followers of one container share one daemon stream (see LogFanout), closed when
   * the last of them leaves.
   */
  async followLogs(input: FollowLogsInput, ctx: OperationContext): Promise<FollowLogsOutput> {
    const inspect = await this.resolve(input.id);
    const end = await this.fanout.follow(inspect.Id, inspect.Config.Tty, input, ctx);
    return { id: inspect.Id, ...end };
  }

  /**
   * A one-shot sample answers within one collection cycle (about a second here) but carries no
   * previous CPU reading. CPU % is therefore taken against this manager's last sample of the
   * container when that is under 10 s old, and otherwise is the average since the container
   * started; `cpuWindowSeconds` says which span the figure covers.
   */
  async stats(ref: string): Promise<ContainerStats> {
    const target = await this.get(ref);
    if ((target.state !== 'running' && target.state !== 'paused') || target.startedAt === null) {
      throw new LucidError('CONTAINER_NOT_RUNNING', `container ${target.name} is ${target.state}`);
    }
    const startedAt = Date.parse(target.startedAt);
    const current = await this.sharedSample(target.id);
    const sample = cpuSampleOf(current);
    // A sample from before a restart, or not older than this one (two calls sharing a sample), has no delta to offer.
    const cached = this.cpuSamples.recent(target.id);
    const previous = cached && cached.readAt < sample.readAt && cached.readAt >= startedAt ? cached : undefined;
    if (!cached || cached.readAt < sample.readAt) this.cpuSamples.remember(target.id, sample);
    return {
      id: target.id,
      name: target.name,
      host: target.host,
      ...statsFigures(current, previous, startedAt),
      timestamp: current.read,
    };
  }

  /** Concurrent callers for one container share one sample instead of each waiting a cycle. */
  private sharedSample(id: string): Promise<RawStats> {
    let pending = this.inflightSamples.get(id);
    if (!pending) {
      pending = this.sample(id).finally(() => this.inflightSamples.delete(id));
      this.inflightSamples.set(id, pending);
    }
    return pending;
  }

  private async sample(id: string) {
    const raw = await this.gateway.call('containers.stats', (abortSignal) => {
      // A variable, not a literal: the typings do not list abortSignal, which dockerode passes on.
      const options = { stream: false as const, 'one-shot': true, abortSignal };
      return this.docker.getContainer(id).stats(options);
    }, { idempotent: true, ...NOT_FOUND });
    return parseAnswer(rawStatsSchema, raw);
  }
}
