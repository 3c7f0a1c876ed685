import { z } from 'zod';

const cpuStatsSchema = z.object({
  cpu_usage: z.object({
    total_usage: z.number().default(0),
    percpu_usage: z.array(z.number()).nullish(),
  }),
  system_cpu_usage: z.number().nullish(),
  online_cpus: z.number().nullish(),
});

/** The part of a Docker stats answer the manager depends on; everything else is ignored. */
export const rawStatsSchema = z.object({
  read: z.string(),
  name: z.string().optional(),
  id: z.string().optional(),
  cpu_stats: cpuStatsSchema,
  precpu_stats: cpuStatsSchema.partial().nullish(),
  memory_stats: z
    .object({
      usage: z.number().nullish(),
      limit: z.number().nullish(),
      stats: z.record(z.string(), z.number()).nullish(),
    })
    .nullish(),
  networks: z.record(z.string(), z.object({ rx_bytes: z.number(), tx_bytes: z.number() })).nullish(),
  blkio_stats: z
    .object({ io_service_bytes_recursive: z.array(z.object({ op: z.string(), value: z.number() })).nullish() })
    .nullish(),
  pids_stats: z.object({ current: z.number().nullish() }).nullish(),
});
export type RawStats = z.infer<typeof rawStatsSchema>;

/** What CPU % needs from one sample: the container's and the host's cumulative CPU time. */
export interface CpuSample {
  containerUsage: number;
  systemUsage: number;
  onlineCpus: number;
  /** When the daemon read the sample, ms since the epoch. */
  readAt: number;
}

export function cpuSampleOf(stats: Pick<RawStats, 'cpu_stats' | 'read'>): CpuSample {
  const cpu = stats.cpu_stats;
  return {
    readAt: Date.parse(stats.read),
    containerUsage: cpu.cpu_usage.total_usage,
    systemUsage: cpu.system_cpu_usage ?? 0,
    onlineCpus: cpu.online_cpus ?? cpu.cpu_usage.percpu_usage?.length ?? 0,
  };
}

/** docker/cli stats_helpers.go: Δcontainer / Δsystem × online CPUs × 100, only when both deltas are > 0. */
export function cpuPercent(previous: CpuSample | undefined, current: CpuSample): number {
  if (!previous) return 0;
  const containerDelta = current.containerUsage - previous.containerUsage;
  const systemDelta = current.systemUsage - previous.systemUsage;
  if (containerDelta <= 0 || systemDelta <= 0) return 0;
  return (containerDelta / systemDelta) * current.onlineCpus * 100;
}

/**
 * Without an earlier sample there is no delta to divide; the best figure at hand is the average
 * since the container started: CPU nanoseconds used over wall-clock nanoseconds elapsed.
 */
export function lifetimeCpuPercent(current: CpuSample, startedAt: number): number {
  const elapsedNs = (current.readAt - startedAt) * 1e6;
  return elapsedNs > 0 ? (current.containerUsage / elapsedNs) * 100 : 0;
}

/** Usage minus the page cache the kernel can drop: `total_inactive_file` on cgroup v1, `inactive_file` on v2. */
export function memoryUsed(stats: RawStats): number {
  const usage = stats.memory_stats?.usage ?? 0;
  const extra = stats.memory_stats?.stats ?? {};
  const inactive = extra['total_inactive_file'] ?? extra['inactive_file'];
  return inactive !== undefined && inactive < usage ? usage - inactive : usage;
}

function blockIo(stats: RawStats): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const entry of stats.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = entry.op.toLowerCase();
    if (op === 'read') read += entry.value;
    else if (op === 'write') write += entry.value;
  }
  return { read, write };
}

export interface StatsFigures {
  cpuPercent: number;
  /** The span the CPU figure averages over. */
  cpuWindowSeconds: number;
  memoryUsageBytes: number;
  memoryLimitBytes: number;
  memoryPercent: number;
  networkRxBytes: number;
  networkTxBytes: number;
  blockReadBytes: number;
  blockWriteBytes: number;
  pids: number;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/** `previousCpu` when this manager sampled the container recently, else the lifetime average. */
export function statsFigures(stats: RawStats, previousCpu: CpuSample | undefined, startedAt: number): StatsFigures {
  const current = cpuSampleOf(stats);
  const cpu = previousCpu
    ? { percent: cpuPercent(previousCpu, current), since: previousCpu.readAt }
    : { percent: lifetimeCpuPercent(current, startedAt), since: startedAt };
  const used = memoryUsed(stats);
  const limit = stats.memory_stats?.limit ?? 0;
  const networks = Object.values(stats.networks ?? {});
  const io = blockIo(stats);
  return {
    cpuPercent: round2(cpu.percent),
    cpuWindowSeconds: round2(Math.max(0, current.readAt - cpu.since) / 1000),
    memoryUsageBytes: used,
    memoryLimitBytes: limit,
    memoryPercent: limit > 0 ? round2((used / limit) * 100) : 0,
    networkRxBytes: networks.reduce((sum, n) => sum + n.rx_bytes, 0),
    networkTxBytes: networks.reduce((sum, n) => sum + n.tx_bytes, 0),
    blockReadBytes: io.read,
    blockWriteBytes: io.write,
    pids: stats.pids_stats?.current ?? 0,
  };
}
