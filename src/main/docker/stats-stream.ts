import { z } from 'zod';
import type { ContainerStats } from '../../shared/schemas/containers.js';
import type { DockerGateway } from './gateway.js';
import { rawStatsSchema, statsFigures, type CpuSample } from './stats-math.js';

/** A frame of Docker's `stats?stream=true`: each one carries the previous sample as `precpu_stats`. */
export const statsFrameSchema = rawStatsSchema.extend({ preread: z.string().optional() });
export type StatsFrame = z.infer<typeof statsFrameSchema>;

/** Docker's collector interval; the span between frames when `preread` is missing. */
const COLLECT_INTERVAL_MS = 1000;

/** Docker sends a frame of zero time (`0001-01-01…`) for a container that is not running. */
export function isEmptyFrame(frame: StatsFrame): boolean {
  return frame.read.startsWith('0001-');
}

/** The frame's previous sample, when the daemon had one (the first frame of a stream has none). */
export function previousSample(frame: StatsFrame): CpuSample | undefined {
  const pre = frame.precpu_stats;
  if (!pre?.cpu_usage || !pre.system_cpu_usage) return undefined;
  const readAt = frame.preread && !frame.preread.startsWith('0001-') ? Date.parse(frame.preread) : NaN;
  return {
    containerUsage: pre.cpu_usage.total_usage,
    systemUsage: pre.system_cpu_usage,
    onlineCpus: pre.online_cpus ?? pre.cpu_usage.percpu_usage?.length ?? 0,
    readAt: Number.isNaN(readAt) ? Date.parse(frame.read) - COLLECT_INTERVAL_MS : readAt,
  };
}

/**
 * One sample with the docker CLI's CPU formula over the daemon's own two successive readings —
 * what `docker stats` shows. The first frame of a stream falls back to the average since start.
 */
export function statsOfFrame(frame: StatsFrame, container: { id: string; name: string; host: string; startedAt: number }): ContainerStats {
  return {
    id: container.id,
    name: container.name,
    host: container.host,
    ...statsFigures(frame, previousSample(frame), container.startedAt),
    timestamp: frame.read,
  };
}

/** Opens `stats?stream=true` for one container; the stream lives until `signal` aborts. */
export function openStatsStream(gateway: DockerGateway, id: string, signal: AbortSignal): Promise<NodeJS.ReadableStream> {
  return gateway.openStream(
    'containers.stats.stream',
    (abortSignal) => {
      // A variable, not a literal: the typings do not list abortSignal, which dockerode passes on.
      const options = { stream: true as const, abortSignal };
      return gateway.docker.getContainer(id).stats(options);
    },
    { signal, notFound: 'CONTAINER_NOT_FOUND', what: 'container' },
  );
}
