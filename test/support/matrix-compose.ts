import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { composeDown, composeFile, composeUp, projectName, runningInProject, tempDir, writeFile } from './compose.js';
import type { MatrixRow, PolicyName } from './matrix.js';

interface MatrixProject {
  name: string;
  /** The services-config group it is declared in; null for one found by discovery (admin-only). */
  group: string | null;
  policy: PolicyName;
  file: string;
}

/**
 * Compose projects for the access matrix: one declared in core, one in support, one discovered
 * in the projects folder (no group). `groupCompose` goes into the scenario's services config.
 */
export function composeFixtures() {
  const dir = tempDir('lucid-matrix-compose');
  const id = randomUUID().slice(0, 6);
  const name = (suffix: string) => projectName(`${id}-${suffix}`);
  const project = (suffix: string, group: string | null, policy: PolicyName, relative: string): MatrixProject => ({
    name: name(suffix),
    group,
    policy,
    file: writeFile(join(dir, relative), composeFile({ app: {} })),
  });
  const projects = [
    project('core', 'core', 'controlInScope', 'docker-compose.core.yml'),
    project('support', 'support', 'controlOutOfScope', 'docker-compose.support.yml'),
    project('free', null, 'controlOutOfScope', `${name('free')}/compose.yml`),
  ];
  return {
    env: { COMPOSE_PROJECTS_DIR: dir },
    groupCompose(group: string) {
      const declared = projects.find((p) => p.group === group);
      return declared ? { project: declared.name, files: [declared.file.slice(dir.length + 1)] } : undefined;
    },
    rows: () => composeRows(projects),
  };
}

async function ensureUp(project: MatrixProject): Promise<void> {
  if ((await runningInProject(project.name)) !== 1) await composeUp(project.name, [project.file]);
}

async function ensureDown(project: MatrixProject): Promise<void> {
  if ((await runningInProject(project.name)) !== 0) await composeDown(project.name, [project.file]);
}

function composeRows(projects: MatrixProject[]): MatrixRow[] {
  const where = (p: MatrixProject) => `a compose project in ${p.group ?? 'no group'}`;
  const listing: MatrixRow = {
    title: 'compose.projects',
    operation: 'compose.projects',
    policy: 'read',
    arrange: async () => ({
      input: {},
      verify: async (outcome) => {
        if (!outcome.ok) return;
        const listed = new Map(outcome.data.projects.map((p: any) => [p.name, p.group]));
        for (const p of projects) assert.equal(listed.get(p.name), p.group, p.name);
      },
    }),
  };
  return [
    listing,
    ...projects.flatMap((project): MatrixRow[] => [
      {
        title: `compose.status of ${where(project)}`,
        operation: 'compose.status',
        policy: 'read',
        arrange: async () => ({
          input: { project: project.name },
          verify: async (outcome) => {
            if (outcome.ok) assert.equal(outcome.data.project, project.name);
          },
        }),
      },
      {
        title: `compose.up of ${where(project)}`,
        operation: 'compose.up',
        policy: project.policy,
        arrange: async () => {
          await ensureDown(project);
          return {
            input: { project: project.name },
            verify: async (outcome) => {
              assert.equal(await runningInProject(project.name), outcome.ok ? 1 : 0, 'running exactly when allowed');
            },
          };
        },
      },
      {
        title: `compose.down of ${where(project)}`,
        operation: 'compose.down',
        policy: project.policy,
        arrange: async () => {
          await ensureUp(project);
          return {
            input: { project: project.name, timeout: 0 },
            verify: async (outcome) => {
              assert.equal(await runningInProject(project.name), outcome.ok ? 0 : 1, 'removed exactly when allowed');
            },
          };
        },
      },
    ]),
  ];
}
