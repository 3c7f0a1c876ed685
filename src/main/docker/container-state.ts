import { CONTAINER_STATES, type ContainerState, type Health } from '../../shared/schemas/containers.js';

/**
 * How the engine's state and status strings read as the contract's state and health. The compose
 * driver needs them as much as the container model does, so they live with engine access.
 */
export function toState(raw: string): ContainerState {
  const lower = raw.toLowerCase();
  return (CONTAINER_STATES as readonly string[]).includes(lower) ? (lower as ContainerState) : 'dead';
}

/** The list endpoint only says health inside its human status text, e.g. "Up 3 minutes (healthy)". */
export function healthFromStatus(status: string): Health {
  if (status.includes('(healthy)')) return 'healthy';
  if (status.includes('(unhealthy)')) return 'unhealthy';
  if (status.includes('(health: starting)')) return 'starting';
  return 'none';
}
