import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { stringify } from 'yaml';
import { createTestContainer, RUN_ID, type TestContainerSpec } from './engine.js';

/** Containers of one scenario carry this label; the scenario's manager sees only them. */
export const SCENARIO_LABEL = 'lucid.test.scenario';

/**
 * A services config of its own for one test: member names unique to the run and the scenario,
 * and a label filter, so that neither other engineers' parallel tests nor earlier scenarios can
 * join these groups (not even through a `lucid.service.group` label).
 */
export interface Scenario {
  id: string;
  /** A member / container name unique to this scenario. */
  name(member: string): string;
  /** Environment for `restClient` / `ipcClient` / the server process. */
  env: Record<string, string>;
  /** Creates a test container named for `member`; not started unless asked. */
  container(member: string, spec?: Partial<TestContainerSpec>): Promise<Docker.Container>;
}

/** `groups` builds the config's groups from the scenario's name function. */
export function newScenario(groups: (name: (member: string) => string) => unknown[]): Scenario {
  const id = `${RUN_ID.slice(0, 8)}-${randomUUID().slice(0, 8)}`;
  const name = (member: string) => `lt-${id}-${member}`;
  const path = join(mkdtempSync(join(tmpdir(), 'lucid-services-')), 'services.yml');
  writeFileSync(path, stringify({ groups: groups(name) }));
  return {
    id,
    name,
    env: { SERVICES_CONFIG: path, SERVICES_LABEL_FILTER: `${SCENARIO_LABEL}=${id}` },
    container: (member, spec = {}) =>
      createTestContainer({
        cmd: ['sleep', '3600'],
        start: false,
        ...spec,
        name: name(member),
        labels: { [SCENARIO_LABEL]: id, ...spec.labels },
      }),
  };
}

/** Docker's times carry nanoseconds (with trailing zeros cut); Date.parse would drop them. */
export function nanos(time: string): bigint {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(time);
  if (!match) throw new Error(`not a Docker time: ${time}`);
  const seconds = BigInt(Date.parse(`${match[1]}Z`)) / 1000n;
  return seconds * 1_000_000_000n + BigInt((match[2] ?? '').padEnd(9, '0').slice(0, 9));
}

export async function startedAt(container: Docker.Container): Promise<bigint> {
  return nanos((await container.inspect()).State.StartedAt);
}

export async function finishedAt(container: Docker.Container): Promise<bigint> {
  return nanos((await container.inspect()).State.FinishedAt);
}
