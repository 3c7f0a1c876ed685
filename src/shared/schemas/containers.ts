import { z } from 'zod';
import { boolParam, containerRefSchema, groupNameSchema, hostParam, hostsParam, intParam, timePointSchema, timePointSeconds } from './common.js';
import { defineInput } from '../contract/input.js';
import { errorBodySchema } from '../errors.js';

export const CONTAINER_STATES = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'] as const;
export const containerStateSchema = z.enum(CONTAINER_STATES);
export type ContainerState = z.infer<typeof containerStateSchema>;

export const healthSchema = z.enum(['healthy', 'unhealthy', 'starting', 'none']);
export type Health = z.infer<typeof healthSchema>;

export const portSchema = z.object({
  privatePort: z.number().int(),
  publicPort: z.number().int().optional(),
  type: z.string(),
  ip: z.string().optional(),
});

export const containerSummarySchema = z.object({
  id: z.string().regex(/^[0-9a-f]{64}$/),
  name: z.string(),
  image: z.string(),
  state: containerStateSchema,
  status: z.string(),
  health: healthSchema,
  createdAt: z.string(),
  labels: z.record(z.string(), z.string()),
  ports: z.array(portSchema),
  group: z.string().nullable(),
  /** The host (engine) the container runs on. */
  host: z.string(),
  /**
   * When it last started (ISO 8601), so that a GUI can count uptime itself; null when it never
   * did, or when the answer came from Docker's list, which does not say (the status text does).
   */
  startedAt: z.string().nullable(),
});
export type ContainerSummary = z.infer<typeof containerSummarySchema>;

export const mountSchema = z.object({
  type: z.string(),
  source: z.string(),
  destination: z.string(),
  readOnly: z.boolean(),
});

/** Deliberately without `Config.Env`: environment variables hold secrets. */
export const containerDetailsSchema = containerSummarySchema.extend({
  finishedAt: z.string().nullable(),
  exitCode: z.number().int().nullable(),
  restartCount: z.number().int(),
  command: z.array(z.string()),
  mounts: z.array(mountSchema),
});
export type ContainerDetails = z.infer<typeof containerDetailsSchema>;

export const listContainersInput = defineInput({
  query: {
    all: boolParam().default(true),
    state: containerStateSchema.optional(),
    group: groupNameSchema.optional().describe('Only containers in this service group'),
    host: hostsParam(),
  },
});

/** A host as a list answer reports it: a host that is down is named, never silently missing. */
export const hostReportSchema = z.object({
  name: z.string(),
  state: z.enum(['up', 'connecting', 'down']),
  reason: z.string().optional(),
});
export type HostReport = z.infer<typeof hostReportSchema>;

export const listContainersOutput = z.object({
  containers: z.array(containerSummarySchema),
  total: z.number().int(),
  /** The hosts this answer covers, with their state: containers of a host that is not up are absent. */
  hosts: z.array(hostReportSchema),
});

export const containerRefInput = defineInput({ path: { id: containerRefSchema }, query: { host: hostParam() } });

/** Seconds between the stop signal and SIGKILL when the caller does not say. */
export const DEFAULT_STOP_TIMEOUT_SECONDS = 10;
export const stopTimeoutSchema = intParam(0, 300).default(DEFAULT_STOP_TIMEOUT_SECONDS);

export const stopContainerInput = defineInput({
  path: { id: containerRefSchema },
  query: { host: hostParam() },
  body: { timeout: stopTimeoutSchema },
});

export const controlResultSchema = z.object({
  id: z.string(),
  name: z.string(),
  state: containerStateSchema,
  changed: z.boolean(),
});
export type ControlResult = z.infer<typeof controlResultSchema>;

export const LOG_STREAMS = ['stdout', 'stderr', 'all'] as const;

/**
 * One rule for the read and the follow, which share a route and so one documented parameter:
 * 0 reads no past lines (a follow then sends only lines written from now on).
 */
const tailSchema = intParam(0, 10000)
  .default(100)
  .describe('How many of the last lines to send first; 0: none (with follow=true, only lines written from now on)');

export const logsInput = defineInput(
  {
    path: { id: containerRefSchema },
    query: {
      tail: tailSchema,
      since: timePointSchema.optional(),
      until: timePointSchema.optional().describe('Lines written at or before this time; not with follow=true'),
      timestamps: boolParam().default(false),
      stream: z.enum(LOG_STREAMS).default('all'),
      host: hostParam(),
    },
  },
  (input) =>
    input.since === undefined || input.until === undefined || timePointSeconds(input.since) <= timePointSeconds(input.until)
      ? undefined
      : { path: 'since', message: 'since must not be after until' },
);
export type LogsInput = z.infer<typeof logsInput>;

export const followLogsInput = defineInput({
  path: { id: containerRefSchema },
  query: {
    tail: tailSchema,
    since: timePointSchema.optional(),
    timestamps: boolParam().default(false),
    stream: z.enum(LOG_STREAMS).default('all'),
    /** Only routes the REST variant (`…/logs?follow=true`); IPC callers leave it out. */
    follow: z.literal('true').optional(),
    host: hostParam(),
  },
});
export type FollowLogsInput = z.infer<typeof followLogsInput>;

export const FOLLOW_END_REASONS = ['ended', 'cancelled', 'error', 'shutdown'] as const;

export const followLogsOutput = z.object({
  id: z.string(),
  lines: z.number().int(),
  /**
   * `ended`: the container stopped; `cancelled`: the caller unsubscribed or disconnected;
   * `error`: the daemon's stream broke (the daemon died or reset the connection), see `error`;
   * `shutdown`: the manager is shutting down.
   */
  reason: z.enum(FOLLOW_END_REASONS),
  error: errorBodySchema.optional(),
});
export type FollowLogsOutput = z.infer<typeof followLogsOutput>;

export const logLineSchema = z.object({
  stream: z.enum(['stdout', 'stderr']),
  text: z.string(),
  timestamp: z.string().optional(),
  /**
   * True when the line goes on in the next piece: a line longer than 16 KiB (Docker's own cut)
   * arrives in pieces, and so does output that has not ended its line yet (a message written
   * without a newline). Absent on a piece that ends its line.
   */
  partial: z.boolean().optional(),
});
export type LogLine = z.infer<typeof logLineSchema>;

/** Daemon error messages an answer carries at most (each cut at 1 KiB); later ones are left out. */
export const MAX_LOG_ERRORS = 10;

export const logsOutput = z.object({
  id: z.string(),
  lines: z.array(logLineSchema),
  /** True when older lines were left out: `tail` lines were reached, or the byte limit (LOG_READ_MAX_BYTES). */
  truncated: z.boolean(),
  /**
   * Present only when the daemon reported that it could not read part of the log (Docker's
   * `Error grabbing logs: …`, e.g. a swarm task's node is down): its messages, at most 10. The
   * lines are then incomplete; none of these messages is among them.
   */
  errors: z
    .array(z.string())
    .max(MAX_LOG_ERRORS)
    .optional()
    .describe("Only when Docker could not read part of the log: its messages ('Error grabbing logs: …'), never among the lines"),
});
export type LogsOutput = z.infer<typeof logsOutput>;

export const statsOutput = z.object({
  id: z.string(),
  name: z.string(),
  host: z.string(),
  cpuPercent: z.number(),
  /** The span CPU % averages over: since the manager's previous sample, or since the start. */
  cpuWindowSeconds: z.number(),
  memoryUsageBytes: z.number(),
  memoryLimitBytes: z.number(),
  memoryPercent: z.number(),
  networkRxBytes: z.number(),
  networkTxBytes: z.number(),
  blockReadBytes: z.number(),
  blockWriteBytes: z.number(),
  pids: z.number(),
  timestamp: z.string(),
});
export type ContainerStats = z.infer<typeof statsOutput>;
