import { z } from 'zod';
import { defineInput } from '../contract/input.js';
import { boolParam, hostParam, intParam, timePointSchema } from './common.js';
import { projectNameSchema } from './compose.js';
import { LOG_STREAMS, logLineSchema, logsOutput } from './containers.js';

/** A swarm object's id, unique id prefix or name; checked before Docker is asked. */
export const swarmRefSchema = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/, 'must be an id, a unique id prefix or a name');

/**
 * A stack's name as Docker allows it (capitals, dots and underscores too), unlike a compose
 * project's name: a stack deployed by the CLI is listed under its own name.
 */
export const stackNameSchema = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/, 'must be a stack name: a letter or digit, then letters, digits, _ . or -');

export const NODE_AVAILABILITIES = ['active', 'pause', 'drain'] as const;
export const nodeAvailabilitySchema = z.enum(NODE_AVAILABILITIES);
export type NodeAvailability = z.infer<typeof nodeAvailabilitySchema>;

export const swarmNodeSchema = z.object({
  id: z.string(),
  hostname: z.string(),
  role: z.enum(['manager', 'worker']),
  availability: nodeAvailabilitySchema,
  /** Docker's words: `ready`, `down`, `disconnected` or `unknown`. */
  state: z.string(),
  /** The address the node is reached at, as the swarm reports it. */
  address: z.string().nullable(),
  engineVersion: z.string().nullable(),
  labels: z.record(z.string(), z.string()),
  /** The manager that leads the swarm's Raft. */
  leader: z.boolean(),
});
export type SwarmNode = z.infer<typeof swarmNodeSchema>;

export const replicasSchema = z.object({
  running: z.number().int(),
  desired: z.number().int(),
});

export const swarmServiceSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** The stack it belongs to (`com.docker.stack.namespace`), whoever deployed it. */
  stack: z.string().nullable(),
  image: z.string(),
  mode: z.enum(['replicated', 'global', 'other']),
  replicas: replicasSchema,
  /** The last rolling update (or rollback): `updating`, `completed`, `paused`, `rollback_*`. */
  update: z.object({ state: z.string(), message: z.string() }).nullable(),
  ports: z.array(
    z.object({ published: z.number().int().nullable(), target: z.number().int(), protocol: z.string(), mode: z.string() }),
  ),
  /** The service group that controls it (the group whose compose project is its stack), or null: admins only. */
  group: z.string().nullable(),
  updatedAt: z.string().nullable(),
});
export type SwarmService = z.infer<typeof swarmServiceSchema>;

export const swarmTaskSchema = z.object({
  id: z.string(),
  /** The replica's number; null for a global service's task. */
  slot: z.number().int().nullable(),
  nodeId: z.string().nullable(),
  /** The node's hostname when the node is still known. */
  node: z.string().nullable(),
  state: z.string(),
  desiredState: z.string(),
  message: z.string(),
  error: z.string().nullable(),
  containerId: z.string().nullable(),
  updatedAt: z.string().nullable(),
});
export type SwarmTask = z.infer<typeof swarmTaskSchema>;

export const swarmStackSchema = z.object({
  name: z.string(),
  services: z.number().int(),
  running: z.number().int(),
  desired: z.number().int(),
  /** The registered compose project of that name, when there is one. */
  project: z.string().optional(),
  group: z.string().nullable(),
});
export type SwarmStack = z.infer<typeof swarmStackSchema>;

export const swarmNodesInput = defineInput({ query: { host: hostParam() } });
export const swarmNodesOutput = z.object({ nodes: z.array(swarmNodeSchema) });

export const swarmServicesInput = defineInput({
  query: {
    host: hostParam(),
    stack: stackNameSchema.optional().describe('Only the services of this stack'),
  },
});
export const swarmServicesOutput = z.object({ services: z.array(swarmServiceSchema) });

export const swarmServiceRefInput = defineInput({ path: { service: swarmRefSchema }, query: { host: hostParam() } });
export const swarmTasksOutput = z.object({ service: z.string(), tasks: z.array(swarmTaskSchema) });

export const swarmScaleInput = defineInput({
  path: { service: swarmRefSchema },
  query: { host: hostParam() },
  // A JSON number, never text: "5" in a body is a client's mistake, not a count.
  body: {
    replicas: z
      .number({ error: 'must be an integer' })
      .int('must be an integer')
      .min(0)
      .max(1000)
      .describe('The number of replicas the service should run (0–1000)'),
  },
});
export type SwarmScaleInput = z.infer<typeof swarmScaleInput>;

export const swarmServiceControlOutput = z.object({
  id: z.string(),
  name: z.string(),
  /** The service's version after the change (Docker's `Version.Index`). */
  version: z.number().int(),
  replicas: replicasSchema.optional(),
});
export type SwarmServiceControl = z.infer<typeof swarmServiceControlOutput>;

export const swarmAvailabilityInput = defineInput({
  path: { node: swarmRefSchema },
  query: { host: hostParam() },
  body: { availability: nodeAvailabilitySchema },
});
export type SwarmAvailabilityInput = z.infer<typeof swarmAvailabilityInput>;

export const swarmAvailabilityOutput = z.object({
  id: z.string(),
  hostname: z.string(),
  availability: nodeAvailabilitySchema,
  changed: z.boolean(),
});

const serviceTailSchema = intParam(0, 10000)
  .default(100)
  .describe('How many of the last lines of each task to send first; 0: none');

export const swarmLogsInput = defineInput({
  path: { service: swarmRefSchema },
  query: {
    host: hostParam(),
    tail: serviceTailSchema,
    since: timePointSchema.optional(),
    timestamps: boolParam().default(false),
    stream: z.enum(LOG_STREAMS).default('all'),
  },
});
export type SwarmLogsInput = z.infer<typeof swarmLogsInput>;
export const swarmLogsOutput = logsOutput;

export const swarmFollowLogsInput = defineInput({
  path: { service: swarmRefSchema },
  query: {
    host: hostParam(),
    tail: serviceTailSchema,
    since: timePointSchema.optional(),
    timestamps: boolParam().default(false),
    stream: z.enum(LOG_STREAMS).default('all'),
    /** Only routes the REST variant (`…/logs?follow=true`); IPC callers leave it out. */
    follow: z.literal('true').optional(),
  },
});
export type SwarmFollowLogsInput = z.infer<typeof swarmFollowLogsInput>;

/**
 * What the daemon said it could not read, in the middle of a followed log (Docker's
 * `Error grabbing logs: …`): a notice, never a line of the log; the follow goes on.
 */
export const logDaemonErrorSchema = z
  .object({ daemonError: z.string() })
  .describe("Docker could not read part of the log ('Error grabbing logs: …'); a notice, not a line");
/** An event of a followed service log: a line (it has `stream`), or a daemon error notice. */
export const swarmLogEventSchema = z.union([logLineSchema, logDaemonErrorSchema]);
export type SwarmLogEvent = z.infer<typeof swarmLogEventSchema>;

export const swarmFollowLogsOutput = z.object({
  id: z.string(),
  lines: z.number().int(),
  /** `ended`: the daemon closed the stream (the service was removed); `cancelled`: the caller left; `error`: it broke. */
  reason: z.enum(['ended', 'cancelled', 'error', 'shutdown']),
});

export const stacksInput = defineInput({ query: { host: hostParam() } });
export const stacksOutput = z.object({ stacks: z.array(swarmStackSchema) });

export const stackDeployInput = defineInput({ query: { host: hostParam() }, body: { project: projectNameSchema } });
export type StackDeployInput = z.infer<typeof stackDeployInput>;
export const stackRemoveInput = defineInput({ query: { host: hostParam() }, body: { project: projectNameSchema } });
export type StackRemoveInput = z.infer<typeof stackRemoveInput>;
export const stackRefInput = defineInput({ path: { stack: stackNameSchema }, query: { host: hostParam() } });
export type StackRefInput = z.infer<typeof stackRefInput>;
