import { z } from 'zod';
import { defineInput } from '../contract/input.js';
import { errorBodySchema } from '../errors.js';
import { containerRefSchema, groupNameSchema, hostParam, hostsParam } from './common.js';
import { containerSummarySchema, FOLLOW_END_REASONS, hostReportSchema, statsOutput } from './containers.js';
import { hostSwarmSchema } from './hosts.js';

export const watchStatsInput = defineInput({
  path: { id: containerRefSchema },
  /** Only routes the REST variant (`…/stats?stream=true`); IPC callers leave it out. */
  query: { stream: z.literal('true').optional(), host: hostParam() },
});

export const watchStatsOutput = z.object({
  id: z.string(),
  samples: z.number().int(),
  /**
   * `ended`: the container stopped; `cancelled`: the caller unsubscribed or disconnected;
   * `error`: the daemon's stream broke, see `error`; `shutdown`: the manager is shutting down.
   */
  reason: z.enum(FOLLOW_END_REASONS),
  error: errorBodySchema.optional(),
});
export type WatchStatsOutput = z.infer<typeof watchStatsOutput>;

/**
 * The container events the snapshot acts on. Exec, attach, resize and copy events are left out:
 * they change no state, and an exec's command line may carry secrets.
 */
export const CONTAINER_ACTIONS = [
  'create',
  'start',
  'restart',
  'stop',
  'kill',
  'die',
  'oom',
  'pause',
  'unpause',
  'rename',
  'update',
  'health_status',
  'destroy',
] as const;
export type ContainerAction = (typeof CONTAINER_ACTIONS)[number];

/**
 * One change to one container, sent once the snapshot has taken it in: `container` is the state
 * right after the change (null once removed), so a GUI can update its list from events alone.
 */
export const containerEventSchema = z.object({
  type: z.literal('container'),
  host: z.string(),
  action: z.enum(CONTAINER_ACTIONS),
  id: z.string(),
  name: z.string(),
  group: z.string().nullable(),
  /** When Docker reported the change (ISO 8601). */
  time: z.string(),
  container: containerSummarySchema.nullable(),
});
export type ContainerEvent = z.infer<typeof containerEventSchema>;

/** The manager lost Docker's event stream (daemon restart) and rebuilt its snapshot: reload lists. */
export const resyncEventSchema = z.object({
  type: z.literal('resync'),
  host: z.string(),
  time: z.string(),
  total: z.number().int(),
});
export type ResyncEvent = z.infer<typeof resyncEventSchema>;

/**
 * The Docker engine stopped answering (`down`) or answers again (`up`), as the manager's health
 * probe finds it. After `up`, a `resync` follows once the snapshot is rebuilt.
 */
export const daemonEventSchema = z.object({
  type: z.literal('daemon'),
  host: z.string(),
  state: z.enum(['up', 'down']),
  time: z.string(),
});
export type DaemonEvent = z.infer<typeof daemonEventSchema>;

/**
 * A host's state changed: `connecting` (its link is being set up), `up`, or `down` with the reason
 * (an unknown SSH host key names the fingerprint presented), or its engine's swarm role did (a
 * `swarm init`, join, promotion or leave, found by the host's periodic role check). Sent for every
 * host the caller may read.
 */
export const hostEventSchema = z.object({
  type: z.literal('host'),
  host: z.string(),
  state: z.enum(['up', 'connecting', 'down']),
  reason: z.string().optional(),
  /**
   * The engine's swarm role after the change, as `hosts.list` says it: null while the host is not
   * up or its role is not read yet (a host that comes up is announced at once, then again once its
   * role is known). Left out by managers that predate it.
   */
  swarm: hostSwarmSchema.nullable().optional(),
  time: z.string(),
});
export type HostEvent = z.infer<typeof hostEventSchema>;

export const liveEventSchema = z.discriminatedUnion('type', [containerEventSchema, resyncEventSchema, daemonEventSchema, hostEventSchema]);
export type LiveEvent = z.infer<typeof liveEventSchema>;

export const watchEventsInput = defineInput({ query: { group: groupNameSchema.optional(), host: hostsParam() } });

export const watchEventsOutput = z.object({
  events: z.number().int(),
  /**
   * Container events never end by themselves: the caller left, the manager shuts down, or a hosts
   * reload removed the one host the subscription named.
   */
  reason: z.enum(['cancelled', 'shutdown', 'host-removed']),
});
export type WatchEventsOutput = z.infer<typeof watchEventsOutput>;

export const batchStatsInput = defineInput({ query: { group: groupNameSchema.optional(), host: hostsParam() } });

export const watchBatchStatsInput = defineInput({
  query: {
    group: groupNameSchema.optional(),
    host: hostsParam(),
    /** Only routes the REST variant (`/stats?stream=true`); IPC callers leave it out. */
    stream: z.literal('true').optional(),
  },
});

export const watchBatchStatsOutput = z.object({
  /** Batches sent. */
  batches: z.number().int(),
  reason: z.enum(['cancelled', 'shutdown']),
});
export type WatchBatchStatsOutput = z.infer<typeof watchBatchStatsOutput>;

export const batchStatsOutput = z.object({
  stats: z.array(statsOutput),
  /** Running containers in scope; more than `stats.length` when a first sample had not arrived in time. */
  running: z.number().int(),
  /** The hosts this answer covers, with their state. */
  hosts: z.array(hostReportSchema),
});
export type BatchStats = z.infer<typeof batchStatsOutput>;
