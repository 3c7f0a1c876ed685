import { z } from 'zod';
import { defineInput } from '../contract/input.js';
import { hostParam } from './common.js';
import { swarmNodeSchema, swarmServiceSchema } from './swarm.js';

/** `create` / `remove`: the object appeared or went; `update`: anything shown of it changed, running replicas included. */
export const SWARM_CHANGE_ACTIONS = ['create', 'update', 'remove'] as const;

/** A service as the manager's live state has it right after the change (null once removed). */
export const swarmServiceEventSchema = z.object({
  type: z.literal('service'),
  host: z.string(),
  action: z.enum(SWARM_CHANGE_ACTIONS),
  id: z.string(),
  name: z.string(),
  stack: z.string().nullable(),
  group: z.string().nullable(),
  time: z.string(),
  service: swarmServiceSchema.nullable(),
});
export type SwarmServiceEvent = z.infer<typeof swarmServiceEventSchema>;

/** A node as the live state has it right after the change: availability, state (`down`, `ready`), role. */
export const swarmNodeEventSchema = z.object({
  type: z.literal('node'),
  host: z.string(),
  action: z.enum(SWARM_CHANGE_ACTIONS),
  id: z.string(),
  hostname: z.string(),
  time: z.string(),
  node: swarmNodeSchema.nullable(),
});
export type SwarmNodeEvent = z.infer<typeof swarmNodeEventSchema>;

/** The manager lost the engine's event stream and read the cluster again: reload the lists. */
export const swarmResyncEventSchema = z.object({
  type: z.literal('resync'),
  host: z.string(),
  time: z.string(),
  services: z.number().int(),
  nodes: z.number().int(),
});

export const swarmEventSchema = z.discriminatedUnion('type', [swarmServiceEventSchema, swarmNodeEventSchema, swarmResyncEventSchema]);
export type SwarmEvent = z.infer<typeof swarmEventSchema>;

export const swarmWatchInput = defineInput({ query: { host: hostParam() } });

export const swarmWatchOutput = z.object({
  events: z.number().int(),
  /** The caller left, the manager shuts down, or a hosts reload removed the host. */
  reason: z.enum(['cancelled', 'shutdown', 'host-removed']),
});
export type SwarmWatchOutput = z.infer<typeof swarmWatchOutput>;
