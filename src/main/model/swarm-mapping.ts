import type { NodeAvailability, SwarmNode, SwarmService, SwarmTask } from '../../shared/schemas/swarm.js';
import { STACK_LABEL, type RawNode, type RawService, type RawTask } from '../docker/swarm-answers.js';

const AVAILABILITIES: readonly string[] = ['active', 'pause', 'drain'];

export function nodeFromRaw(raw: RawNode): SwarmNode {
  const availability = raw.Spec.Availability ?? 'active';
  return {
    id: raw.ID,
    hostname: raw.Description?.Hostname ?? '',
    role: raw.Spec.Role === 'manager' ? 'manager' : 'worker',
    // Docker knows no other values; an unknown one is shown as the safe reading.
    availability: (AVAILABILITIES.includes(availability) ? availability : 'active') as NodeAvailability,
    state: raw.Status?.State ?? 'unknown',
    address: raw.Status?.Addr ?? raw.ManagerStatus?.Addr ?? null,
    engineVersion: raw.Description?.Engine?.EngineVersion ?? null,
    labels: raw.Spec.Labels ?? {},
    leader: raw.ManagerStatus?.Leader === true,
  };
}

export function stackOf(raw: RawService): string | null {
  return raw.Spec.Labels?.[STACK_LABEL] ?? null;
}

/** Docker's stack deploy records the image as written (`image:tag`) beside the digest it pinned. */
function imageOf(raw: RawService): string {
  const label = raw.Spec.Labels?.['com.docker.stack.image'];
  return label ?? raw.Spec.TaskTemplate?.ContainerSpec?.Image?.replace(/@sha256:[0-9a-f]+$/, '') ?? '';
}

export function modeOf(raw: RawService): SwarmService['mode'] {
  if (raw.Spec.Mode?.Replicated) return 'replicated';
  if (raw.Spec.Mode?.Global) return 'global';
  return 'other';
}

export function serviceFromRaw(raw: RawService, group: string | null): SwarmService {
  return {
    id: raw.ID,
    name: raw.Spec.Name,
    stack: stackOf(raw),
    image: imageOf(raw),
    mode: modeOf(raw),
    replicas: {
      running: raw.ServiceStatus?.RunningTasks ?? 0,
      desired: raw.ServiceStatus?.DesiredTasks ?? raw.Spec.Mode?.Replicated?.Replicas ?? 0,
    },
    update: raw.UpdateStatus ? { state: raw.UpdateStatus.State ?? '', message: raw.UpdateStatus.Message ?? '' } : null,
    ports: (raw.Endpoint?.Ports ?? []).map((port) => ({
      published: port.PublishedPort ?? null,
      target: port.TargetPort ?? 0,
      protocol: port.Protocol ?? 'tcp',
      mode: port.PublishMode ?? 'ingress',
    })),
    group,
    updatedAt: raw.UpdatedAt ?? null,
  };
}

export function taskFromRaw(raw: RawTask, hostnames: ReadonlyMap<string, string>): SwarmTask {
  return {
    id: raw.ID,
    slot: raw.Slot ?? null,
    nodeId: raw.NodeID ?? null,
    node: raw.NodeID === undefined ? null : (hostnames.get(raw.NodeID) ?? null),
    state: raw.Status?.State ?? 'unknown',
    desiredState: raw.DesiredState ?? 'unknown',
    message: raw.Status?.Message ?? '',
    error: raw.Status?.Err ?? null,
    containerId: raw.Status?.ContainerStatus?.ContainerID ?? null,
    updatedAt: raw.UpdatedAt ?? null,
  };
}
