import { z } from 'zod';
import { defineInput } from '../contract/input.js';
import { CONTAINER_STATES } from './containers.js';

export const HOST_STATES = ['up', 'connecting', 'down'] as const;
export const hostStateSchema = z.enum(HOST_STATES);
export type HostState = z.infer<typeof hostStateSchema>;

/** Docker's `Swarm.LocalNodeState` in `/info`. */
export const SWARM_NODE_STATES = ['inactive', 'pending', 'active', 'error', 'locked'] as const;
export const SWARM_ROLES = ['manager', 'worker', 'none'] as const;

/** Where a host's engine stands in a swarm, as its `/info` says. */
export const hostSwarmSchema = z.object({
  /**
   * `manager`: the engine answers cluster operations (or, `locked`, will once unlocked: only
   * managers lock); `worker`: it is in a swarm and cannot (a node still joining or whose swarm
   * failed is one until it is an active manager); `none`: it is in no swarm.
   */
  role: z.enum(SWARM_ROLES),
  /** `active` when the engine works in its swarm; `pending` (joining), `error` and `locked` (waiting for `docker swarm unlock`) when not yet or no longer. */
  state: z.enum(SWARM_NODE_STATES),
  /** The engine's node id in its swarm (absent in no swarm, and while locked). */
  nodeId: z.string().optional(),
});
export type HostSwarm = z.infer<typeof hostSwarmSchema>;

export const hostInfoSchema = z.object({
  name: z.string(),
  /** Where the engine is, without user info or secrets (`ssh://pi.local:22`). */
  url: z.string(),
  /** Operations that name no host act on this one. */
  default: z.boolean(),
  state: hostStateSchema,
  /** Why the host is down or still connecting (an SSH host key's fingerprint, a TLS failure…). */
  reason: z.string().optional(),
  engineVersion: z.string().nullable(),
  apiVersion: z.string().nullable(),
  /** Containers by state, from the host's live snapshot; empty while the host is not up. */
  containers: z.partialRecord(z.enum(CONTAINER_STATES), z.number().int()),
  /** The engine's swarm role and state, read again every 30 s while the host is up (null while it is not, or `/info` made no sense). */
  swarm: hostSwarmSchema.nullable(),
  /** Whether the engine is an active swarm manager: `swarm` says more (null while unknown). */
  swarmManager: z.boolean().nullable(),
  /** Round trip of the last health probe, in milliseconds (null while none answered). */
  rttMs: z.number().nullable(),
  /** What the caller may do on this host (its role against the host's access, and its token's hosts claim). */
  access: z.object({ read: z.boolean(), control: z.boolean() }),
});
export type HostInfo = z.infer<typeof hostInfoSchema>;

export const listHostsInput = defineInput({});
export const listHostsOutput = z.object({ hosts: z.array(hostInfoSchema) });
export type ListHostsOutput = z.infer<typeof listHostsOutput>;
