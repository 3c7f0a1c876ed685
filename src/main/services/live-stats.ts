import { LucidError } from '../../shared/errors.js';
import type { BatchStats, WatchStatsOutput } from '../../shared/schemas/live.js';
import type { DockerGateway } from '../docker/gateway.js';
import { destroyStream, readJsonLines } from '../docker/json-lines.js';
import { isEmptyFrame, openStatsStream, statsFrameSchema, statsOfFrame } from '../docker/stats-stream.js';
import type { OperationContext } from '../model/context.js';
import type { StatsCollector } from '../state/stats-collector.js';
import type { ContainerService } from './containers.js';
import { streamEnd } from './stream-end.js';

/** Live resource usage: one container as a stream, or every running container at once. */
export class LiveStatsService {
  constructor(
    private readonly gateway: DockerGateway,
    private readonly containers: ContainerService,
    private readonly collector: StatsCollector,
  ) {}

  /**
   * One sample per daemon collection cycle (about a second) until the container stops, the caller
   * leaves, the daemon's stream breaks or the manager shuts down; the Docker stream behind it is
   * closed in every case.
   */
  async watch(ref: string, ctx: OperationContext): Promise<WatchStatsOutput> {
    const target = await this.containers.resolve(ref);
    const name = target.Name;
    if (target.State.Status !== 'running') {
      throw new LucidError('CONTAINER_NOT_RUNNING', `container ${name} is ${target.State.Status}`);
    }
    const stream = await openStatsStream(this.gateway, target.Id, ctx.signal);
    ctx.ready();
    const container = { id: target.Id, name, host: this.containers.host, startedAt: Date.parse(target.State.StartedAt ?? '') };
    let samples = 0;
    let ended = false;
    const broken = await readJsonLines(stream, ctx.signal, (value) => {
      const frame = statsFrameSchema.safeParse(value);
      if (!frame.success || ended) return;
      if (isEmptyFrame(frame.data)) {
        ended = true;
        destroyStream(stream);
        return;
      }
      ctx.emit(statsOfFrame(frame.data, container));
      samples++;
    });
    return { id: target.Id, samples, ...streamEnd(ctx.signal, broken, ended) };
  }

  batch(group: string | undefined): Promise<Omit<BatchStats, 'hosts'>> {
    return this.collector.batch(group);
  }
}
