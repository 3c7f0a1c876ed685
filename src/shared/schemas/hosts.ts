import { z } from 'zod';
import { defineInput } from '../contract/input.js';
import { CONTAINER_STATES } from './containers.js';

export const HOST_STATES = ['up', 'connecting', 'down'] as const;
export const hostStateSchema = z.enum(HOST_STATES);
export type HostState = z.infer<typeof hostStateSchema>;

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
  /** Whether the engine is a swarm manager (null while unknown). */
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
