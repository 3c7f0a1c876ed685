import type { ContainerSummary } from '../../shared/schemas/containers.js';
import type { GroupConfig } from '../config/services-config.js';
import type { GroupResolver } from '../model/group-membership.js';
import { membersOf, type Direction } from './group-plan.js';

/**
 * Groups this one relies on (`up`: earlier phase or named in depends_on, transitively) or that
 * rely on it (`down`). Phases are the deployment's coarse order; depends_on refines it.
 */
function related(group: GroupConfig, groups: readonly GroupConfig[], way: 'up' | 'down'): GroupConfig[] {
  const byName = new Map(groups.map((g) => [g.name, g]));
  const found = new Set<string>();
  const dependsOn = (g: GroupConfig, on: string): boolean => {
    const seen = new Set<string>();
    const walk = (name: string): boolean => {
      if (seen.has(name)) return false;
      seen.add(name);
      return (byName.get(name)?.depends_on ?? []).some((dep) => dep === on || walk(dep));
    };
    return walk(g.name);
  };
  for (const other of groups) {
    if (other.name === group.name) continue;
    const earlier = other.phase < group.phase || dependsOn(group, other.name);
    const later = other.phase > group.phase || dependsOn(other, group.name);
    if (way === 'up' ? earlier : later) found.add(other.name);
  }
  return groups.filter((g) => found.has(g.name)).toSorted((a, b) => a.phase - b.phase);
}

/**
 * A group operation acts on its own group only; it says so when that leaves the deployment in an
 * odd shape: starting while an earlier group is not (fully) running, stopping while a later one
 * still runs.
 */
export function phaseWarnings(
  direction: Direction,
  group: GroupConfig,
  groups: readonly GroupConfig[],
  containers: readonly ContainerSummary[],
  resolver: GroupResolver,
): string[] {
  const warnings: string[] = [];
  for (const other of related(group, groups, direction === 'start' ? 'up' : 'down')) {
    const members = membersOf(other, containers, resolver);
    const running = members.filter((m) => m.container?.state === 'running').length;
    if (members.length === 0) continue;
    if (direction === 'start' && running < members.length) {
      warnings.push(`group ${other.name} (phase ${other.phase}) is not running: ${running} of ${members.length} services up`);
    }
    if (direction === 'stop' && running > 0) {
      warnings.push(`group ${other.name} (phase ${other.phase}) still runs ${running} of ${members.length} services and may need ${group.name}`);
    }
  }
  return warnings;
}
