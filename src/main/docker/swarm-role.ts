import { z } from 'zod';
import { SWARM_NODE_STATES, type HostSwarm } from '../../shared/schemas/hosts.js';
import { parseAnswer } from './answers.js';

/** The part of `/info` that tells an engine's place in a swarm. */
const infoSwarmSchema = z.object({
  Swarm: z
    .object({
      LocalNodeState: z.enum(SWARM_NODE_STATES),
      ControlAvailable: z.boolean().optional(),
      NodeID: z.string().optional(),
    })
    .nullish(),
});

/**
 * An engine's swarm role from its `/info`. Docker says `ControlAvailable` only of an active
 * manager; a locked engine is a manager too (autolock locks managers only), though it answers no
 * cluster operation until unlocked. An engine that reports no swarm at all (some engines that
 * speak Docker's API) is in none. An answer that makes no sense is DOCKER_ERROR.
 */
export function swarmOfInfo(info: unknown): HostSwarm {
  const swarm = parseAnswer(infoSwarmSchema, info).Swarm;
  if (!swarm || swarm.LocalNodeState === 'inactive') return { role: 'none', state: 'inactive' };
  const manager = swarm.ControlAvailable === true || swarm.LocalNodeState === 'locked';
  return { role: manager ? 'manager' : 'worker', state: swarm.LocalNodeState, ...(swarm.NodeID ? { nodeId: swarm.NodeID } : {}) };
}
