import type { ContainerSummary } from '../../shared/schemas/containers.js';
import type { RawContainerInspect } from '../docker/answers.js';
import { detailsFromInspect, type Placement } from '../model/container-mapping.js';

/**
 * The list entry of a container, from its inspect data. Status text ("Up 3 minutes") depends on
 * the clock, so it is rendered when answering rather than stored.
 */
export function summaryFromInspect(raw: RawContainerInspect, place: Placement, now = Date.now()): ContainerSummary {
  const { id, name, image, state, status, health, createdAt, labels, ports, group, host, startedAt } = detailsFromInspect(raw, place, now);
  return { id, name, image, state, status, health, createdAt, labels, ports, group, host, startedAt };
}
