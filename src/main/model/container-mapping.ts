import type { ContainerDetails, ContainerSummary, Health } from '../../shared/schemas/containers.js';
import type { RawContainerInspect, RawContainerListItem } from '../docker/answers.js';
import { healthFromStatus, toState } from '../docker/container-state.js';
import type { ContainerRef } from './group-membership.js';
import { humanDuration } from '../../shared/human-duration.js';

/** Which group a container is in (see GroupResolver); mapping needs only the answer. */
export type GroupOf = (container: ContainerRef) => string | null;

/** Where a container is: its host, and the group rule that needs it. */
export interface Placement {
  host: string;
  groupOf: GroupOf;
}

/** Docker writes this for "never happened". */
const ZERO_TIME = '0001-01-01T00:00:00Z';

function toHealth(raw: string | undefined): Health {
  return raw === 'healthy' || raw === 'unhealthy' || raw === 'starting' ? raw : 'none';
}

function timeOrNull(value: string | null | undefined): string | null {
  return value && !value.startsWith(ZERO_TIME.slice(0, 4)) ? value : null;
}

export function summaryFromListItem(raw: RawContainerListItem, place: Placement): ContainerSummary {
  const labels = raw.Labels ?? {};
  const name = raw.Names?.[0] ?? '';
  return {
    id: raw.Id,
    name,
    image: raw.Image,
    state: toState(raw.State),
    status: raw.Status,
    health: healthFromStatus(raw.Status),
    createdAt: new Date(raw.Created * 1000).toISOString(),
    labels,
    ports: (raw.Ports ?? []).map((p) => ({
      privatePort: p.PrivatePort,
      ...(p.PublicPort !== undefined ? { publicPort: p.PublicPort } : {}),
      type: p.Type,
      ...(p.IP !== undefined ? { ip: p.IP } : {}),
    })),
    group: place.groupOf({ name, labels, host: place.host }),
    host: place.host,
    startedAt: null,
  };
}

function ago(from: string | null, now: number): string {
  return from ? humanDuration(Math.max(0, now - Date.parse(from))) : '';
}

/** The same human text `docker ps` shows, built from inspect data (which has none). */
export function humanStatus(raw: RawContainerInspect, now = Date.now()): string {
  const state = toState(raw.State.Status);
  const started = timeOrNull(raw.State.StartedAt);
  const finished = timeOrNull(raw.State.FinishedAt);
  const health = toHealth(raw.State.Health?.Status);
  const healthText = health === 'none' ? '' : health === 'starting' ? ' (health: starting)' : ` (${health})`;
  switch (state) {
    case 'running':
      return `Up ${ago(started, now)}${healthText}`;
    case 'paused':
      return `Up ${ago(started, now)} (Paused)`;
    case 'restarting':
      return `Restarting (${raw.State.ExitCode ?? 0}) ${ago(finished, now)} ago`;
    case 'exited':
      return `Exited (${raw.State.ExitCode ?? 0}) ${ago(finished, now)} ago`;
    case 'created':
      return 'Created';
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
  }
}

export function detailsFromInspect(raw: RawContainerInspect, place: Placement, now = Date.now()): ContainerDetails {
  const labels = raw.Config.Labels ?? {};
  const name = raw.Name;
  const ports = Object.entries(raw.NetworkSettings?.Ports ?? {}).flatMap(([key, bindings]) => {
    const [port, type = 'tcp'] = key.split('/');
    const privatePort = Number(port);
    if (!bindings || bindings.length === 0) return [{ privatePort, type }];
    return bindings.map((b) => ({
      privatePort,
      publicPort: Number(b.HostPort),
      type,
      ...(b.HostIp ? { ip: b.HostIp } : {}),
    }));
  });
  const state = toState(raw.State.Status);
  return {
    id: raw.Id,
    name,
    image: raw.Config.Image,
    state,
    status: humanStatus(raw, now),
    health: toHealth(raw.State.Health?.Status),
    createdAt: raw.Created,
    labels,
    ports,
    group: place.groupOf({ name, labels, host: place.host }),
    host: place.host,
    startedAt: timeOrNull(raw.State.StartedAt),
    finishedAt: timeOrNull(raw.State.FinishedAt),
    exitCode: state === 'created' || state === 'running' || state === 'paused' ? null : (raw.State.ExitCode ?? null),
    restartCount: raw.RestartCount,
    command: [raw.Path, ...(raw.Args ?? [])].filter((part) => part !== ''),
    mounts: (raw.Mounts ?? []).map((m) => ({
      type: m.Type,
      source: m.Source,
      destination: m.Destination,
      readOnly: !m.RW,
    })),
  };
}
