import type { ComposeStatus, ProjectState } from '../../shared/schemas/compose.js';
import { parseAnswer, rawContainerListSchema, type RawContainerListItem } from '../docker/answers.js';
import { healthFromStatus, toState } from '../docker/container-state.js';
import type { DockerGateway } from '../docker/gateway.js';
import { COMPOSE_LABEL } from './labels.js';
import { isOurs, type ProjectOrigin } from './ownership.js';

export type ServiceContainers = ComposeStatus['services'];

/**
 * The containers of one project (or of every compose project when `project` is undefined), read
 * from the engine by label — neither v1 nor v2's `ps` output is needed. One-off `run` containers
 * are not part of the project's state.
 */
export async function composeContainers(gateway: DockerGateway, project?: string): Promise<RawContainerListItem[]> {
  const label = project === undefined ? COMPOSE_LABEL.project : `${COMPOSE_LABEL.project}=${project}`;
  const raw = await gateway.call(
    'compose.containers',
    (abortSignal) => gateway.docker.listContainers({ all: true, filters: { label: [label] }, abortSignal }),
    { idempotent: true },
  );
  return parseAnswer(rawContainerListSchema, raw).filter((c) => c.Labels?.[COMPOSE_LABEL.oneoff] !== 'True');
}

export function projectOf(item: RawContainerListItem): string | undefined {
  return item.Labels?.[COMPOSE_LABEL.project];
}

export function serviceOf(item: RawContainerListItem): string {
  return item.Labels?.[COMPOSE_LABEL.service] ?? '';
}

export function servicesOf(items: RawContainerListItem[], origin: ProjectOrigin): ServiceContainers {
  const byService = new Map<string, ServiceContainers[number]['containers']>();
  for (const item of items) {
    const service = serviceOf(item);
    const list = byService.get(service) ?? [];
    list.push({
      id: item.Id,
      name: item.Names?.[0] ?? '',
      state: toState(item.State),
      health: healthFromStatus(item.Status),
      foreign: !isOurs(origin, item.Labels),
    });
    byService.set(service, list);
  }
  return [...byService.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, containers]) => ({ service, containers: containers.sort((a, b) => a.name.localeCompare(b.name)) }));
}

/** absent: no container of its own; running: all running; stopped: none running; partial: some. */
export function stateOf(items: RawContainerListItem[], origin: ProjectOrigin): ProjectState {
  const own = items.filter((c) => isOurs(origin, c.Labels));
  if (own.length === 0) return 'absent';
  const running = own.filter((c) => toState(c.State) === 'running').length;
  if (running === own.length) return 'running';
  return running === 0 ? 'stopped' : 'partial';
}
