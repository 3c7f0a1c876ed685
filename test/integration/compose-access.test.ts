import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Role } from '../../src/shared/permissions.js';
import { TRANSPORTS, type OperationClient } from '../support/clients.js';
import { composeDown, composeFile, projectName, removeDir, servicesConfig, tempDir, writeFile } from '../support/compose.js';
import { docker, removeRunContainers, requireEngine } from '../support/engine.js';

type Caller = Role | null;
type Scope = 'core' | 'support' | 'none';
const CALLERS: Caller[] = [null, 'user', 'developer', 'admin'];
const nameOf = (caller: Caller) => caller ?? 'anonymous';

/** The access issue's matrix for compose, spelled out rather than derived from the code under test. */
const READ: Record<string, string> = { anonymous: 'UNAUTHENTICATED', user: 'ok', developer: 'ok', admin: 'ok' };
const CONTROL: Record<Scope, Record<string, string>> = {
  core: { anonymous: 'UNAUTHENTICATED', user: 'FORBIDDEN', developer: 'ok', admin: 'ok' },
  support: { anonymous: 'UNAUTHENTICATED', user: 'FORBIDDEN', developer: 'FORBIDDEN', admin: 'ok' },
  none: { anonymous: 'UNAUTHENTICATED', user: 'FORBIDDEN', developer: 'FORBIDDEN', admin: 'ok' },
};
const STATUS: Record<string, number> = { ok: 200, UNAUTHENTICATED: 401, FORBIDDEN: 403 };

async function runningCount(project: string): Promise<number> {
  const list = await docker.listContainers({ filters: { label: [`com.docker.compose.project=${project}`] } });
  return list.length;
}

for (const transport of TRANSPORTS) {
  describe(`compose permissions by group over ${transport.name}`, () => {
    const t = transport.name[0];
    const projects: Record<Scope, string> = {
      core: projectName(`${t}-acl-core`),
      support: projectName(`${t}-acl-sup`),
      none: projectName(`${t}-acl-none`),
    };
    const files: Record<string, string> = {};
    let root: string;
    let client: OperationClient;

    before(async () => {
      await requireEngine();
      root = tempDir('lucid-compose-acl');
      files[projects.core] = writeFile(join(root, 'docker-compose.core.yml'), composeFile({ a: {} }));
      files[projects.support] = writeFile(join(root, 'docker-compose.support.yml'), composeFile({ a: {} }));
      files[projects.none] = writeFile(join(root, projects.none, 'compose.yml'), composeFile({ a: {} }));
      const config = servicesConfig(root, [
        { group: 'core', phase: 2, project: projects.core, files: ['docker-compose.core.yml'] },
        { group: 'support', phase: 4, project: projects.support, files: ['docker-compose.support.yml'] },
      ]);
      client = await transport.start({ SERVICES_CONFIG: config, COMPOSE_PROJECTS_DIR: root });
    });

    after(async () => {
      for (const [project, file] of Object.entries(files)) await composeDown(project, [file]);
      await removeRunContainers();
      await client?.close();
      removeDir(root);
    });

    function expect(outcome: Awaited<ReturnType<OperationClient['call']>>, expected: string, what: string): void {
      assert.equal(outcome.ok ? 'ok' : outcome.code, expected, `${what}: ${outcome.ok ? '' : outcome.message}`);
      if (client.transport === 'rest') assert.equal(outcome.ok ? 200 : outcome.status, STATUS[expected], what);
    }

    it('reads: listing and status for every role but anonymous', async () => {
      for (const caller of CALLERS) {
        expect(await client.call('compose.projects', {}, caller), READ[nameOf(caller)]!, `${nameOf(caller)} projects`);
        for (const project of Object.values(projects)) {
          expect(await client.call('compose.status', { project }, caller), READ[nameOf(caller)]!, `${nameOf(caller)} status ${project}`);
        }
      }
    });

    for (const scope of ['core', 'support', 'none'] as const) {
      it(`up and down of a project in ${scope === 'none' ? 'no group' : scope}`, async () => {
        const project = projects[scope];
        const expected = (caller: Caller) => CONTROL[scope][nameOf(caller)]!;
        const refused = CALLERS.filter((caller) => expected(caller) !== 'ok');
        const allowed = CALLERS.filter((caller) => expected(caller) === 'ok');
        for (const caller of refused) {
          expect(await client.call('compose.up', { project }, caller), expected(caller), `${nameOf(caller)} up`);
          assert.equal(await runningCount(project), 0, `${nameOf(caller)}: nothing started by a refused up`);
        }
        for (const caller of allowed) {
          expect(await client.call('compose.up', { project }, caller), 'ok', `${nameOf(caller)} up`);
          assert.equal(await runningCount(project), 1, `${nameOf(caller)}: running after up`);
          if (caller === allowed[0]) {
            for (const other of refused) {
              const outcome = await client.call('compose.down', { project, timeout: 0 }, other);
              expect(outcome, expected(other), `${nameOf(other)} down`);
              assert.equal(await runningCount(project), 1, `${nameOf(other)}: still running after a refused down`);
            }
          }
          expect(await client.call('compose.down', { project, timeout: 0 }, caller), 'ok', `${nameOf(caller)} down`);
          assert.equal(await runningCount(project), 0, `${nameOf(caller)}: gone after down`);
        }
      });
    }
  });
}
