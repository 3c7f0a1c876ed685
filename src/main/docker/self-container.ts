import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export interface SelfEvidence {
  cgroup?: string | undefined;
  mountinfo?: string | undefined;
  hostname?: string | undefined;
  /** True when a container runtime left its marker file (/.dockerenv, /run/.containerenv). */
  inContainer: boolean;
}

export interface SelfContainer {
  id: string;
  source: 'cgroup' | 'mountinfo' | 'hostname';
}

const FULL_ID = /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/g;

/**
 * Finds the container this process runs in, best effort, from what the runtime leaves behind:
 * - cgroup v1 (and v2 without a private cgroup namespace): a path such as `/docker/<id>` or
 *   `/system.slice/docker-<id>.scope`;
 * - mountinfo (cgroup v2 with a private namespace shows only `0::/`): the bind mounts of
 *   /etc/hostname, /etc/hosts and /etc/resolv.conf come from `…/containers/<id>/`;
 * - the hostname, which Docker sets to the id's first 12 digits unless told otherwise; trusted
 *   only inside a container, as a host may have a hex hostname too.
 * Returns undefined when nothing matches (not in a container, or a runtime that hides all three):
 * then only SELF_CONTAINER_ID protects the manager.
 */
export function findSelfContainer(evidence: SelfEvidence): SelfContainer | undefined {
  const fromCgroup = lastFullId(
    (evidence.cgroup ?? '').split('\n').map((line) => line.split(':').slice(2).join(':')),
  );
  if (fromCgroup) return { id: fromCgroup, source: 'cgroup' };
  const fromMounts = lastFullId(
    (evidence.mountinfo ?? '')
      .split('\n')
      .map((line) => line.split(' '))
      .filter((fields) => /^\/etc\/(hostname|hosts|resolv\.conf)$/.test(fields[4] ?? ''))
      .map((fields) => /\/containers\/([0-9a-f]{64})\//.exec(fields[3] ?? '')?.[1] ?? ''),
  );
  if (fromMounts) return { id: fromMounts, source: 'mountinfo' };
  const name = evidence.hostname?.trim() ?? '';
  if (evidence.inContainer && /^[0-9a-f]{12}$/.test(name)) return { id: name, source: 'hostname' };
  return undefined;
}

function lastFullId(texts: string[]): string | undefined {
  let found: string | undefined;
  for (const text of texts) {
    for (const match of text.matchAll(FULL_ID)) found = match[0];
  }
  return found;
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function readSelfEvidence(): SelfEvidence {
  return {
    cgroup: readOptional('/proc/self/cgroup'),
    mountinfo: readOptional('/proc/self/mountinfo'),
    hostname: hostname(),
    inContainer: existsSync('/.dockerenv') || existsSync('/run/.containerenv'),
  };
}
