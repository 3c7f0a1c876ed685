import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TRANSPORTS, useClient } from '../support/clients.js';
import {
  composeDown,
  composeFile,
  hangingCompose,
  hangingPids,
  processesGone,
  processGroupGone,
  projectName,
  removeDir,
  servicesConfig,
  tempDir,
  writeFile,
} from '../support/compose.js';
import { docker, removeRunContainers, requireEngine, RUN_ID, TEST_LABEL } from '../support/engine.js';

const PROJECT_LABEL = 'com.docker.compose.project';
const SERVICE_LABEL = 'com.docker.compose.service';

/** What the engine itself says about a project's containers. */
async function engineContainers(project: string) {
  const list = await docker.listContainers({ all: true, filters: { label: [`${PROJECT_LABEL}=${project}`] } });
  return list.map((c) => ({ id: c.Id, service: c.Labels[SERVICE_LABEL], state: c.State, labels: c.Labels }))
    .sort((a, b) => String(a.service).localeCompare(String(b.service)));
}

for (const transport of TRANSPORTS) {
  describe(`compose projects over ${transport.name}`, () => {
    const t = transport.name[0];
    const core = projectName(`${t}-core`);
    const free = projectName(`${t}-free`);
    const escaping = projectName(`${t}-esc`);
    const empty = projectName(`${t}-empty`);
    let root: string;
    let outside: string;
    let config: string;
    const files: Record<string, string[]> = {};

    before(async () => {
      await requireEngine();
      root = tempDir('lucid-compose');
      outside = tempDir('lucid-compose-outside');
      files[core] = [writeFile(join(root, 'docker-compose.core.yml'), composeFile({
        web: {},
        db: { healthyAfterSeconds: 2 },
        worker: {},
      }))];
      files[free] = [writeFile(join(root, free, 'compose.yml'), composeFile({ solo: {}, pair: {} }))];
      writeFile(join(outside, 'compose.yml'), composeFile({ intruder: {} }));
      mkdirSync(join(root, escaping));
      symlinkSync(join(outside, 'compose.yml'), join(root, escaping, 'compose.yml'));
      writeFile(join(root, empty, 'notes.txt'), 'no compose file in here');
      config = servicesConfig(root, [{ group: 'core', phase: 2, project: core, files: ['docker-compose.core.yml'] }]);
    });
    const client = useClient(transport, () => ({ SERVICES_CONFIG: config, COMPOSE_PROJECTS_DIR: root, COMPOSE_TIMEOUT: '120' }));

    after(async () => {
      for (const [project, paths] of Object.entries(files)) await composeDown(project, paths);
      await removeRunContainers();
      removeDir(root);
      removeDir(outside);
    });

    it('lists declared and discovered projects with group, relative files and state', async () => {
      const listed = await client.call('compose.projects', {}, 'user');
      assert.equal(listed.ok, true);
      if (!listed.ok) return;
      const byName = new Map(listed.data.projects.map((p: any) => [p.name, p]));
      assert.deepEqual(byName.get(core), {
        name: core, group: 'core', host: 'local', files: ['docker-compose.core.yml'], source: 'config', state: 'absent', available: true,
      });
      assert.deepEqual(byName.get(free), {
        name: free, group: null, host: 'local', files: [`${free}/compose.yml`], source: 'discovered', state: 'absent', available: true,
      });
      const refused = byName.get(escaping) as any;
      assert.equal(refused?.available, false);
      assert.match(refused?.problem, /outside the projects folder/);
      assert.equal(byName.has(empty), false, 'a folder without a compose file is no project');
      assert.equal(JSON.stringify(listed.data).includes(root), false, 'no absolute host paths');
    });

    it('up starts every service with the compose labels; status reads running; down removes them', async () => {
      const up = await client.call('compose.up', { project: core });
      assert.equal(up.ok, true, !up.ok ? up.message : '');
      if (!up.ok) return;
      assert.equal(up.data.project, core);
      assert.equal(up.data.ok, true);
      assert.equal(up.data.exitCode, 0);
      assert.ok(Number.isInteger(up.data.durationMs) && up.data.durationMs >= 0);
      assert.ok(up.data.output.some((line: string) => line.includes(`${core}_web_1`)), up.data.output.join('\n'));

      const onEngine = await engineContainers(core);
      assert.deepEqual(onEngine.map((c) => [c.service, c.state]), [['db', 'running'], ['web', 'running'], ['worker', 'running']]);
      for (const c of onEngine) {
        assert.equal(c.labels[TEST_LABEL], RUN_ID);
        assert.equal(c.labels['com.docker.compose.oneoff'], 'False');
        // The file was handed over open, as fd 3; the folder says where it lives.
        assert.equal(c.labels['com.docker.compose.project.config_files'], '/dev/fd/3');
        assert.equal(c.labels['com.docker.compose.project.working_dir'], root);
      }

      const status = await client.call('compose.status', { project: core }, 'user');
      assert.equal(status.ok, true);
      if (!status.ok) return;
      assert.equal(status.data.project, core);
      assert.equal(status.data.state, 'running');
      assert.deepEqual(status.data.services.map((s: any) => s.service), ['db', 'web', 'worker']);
      const web = status.data.services.find((s: any) => s.service === 'web');
      assert.deepEqual(web.containers.map((c: any) => [c.id, c.state, c.health]), [
        [onEngine.find((c) => c.service === 'web')?.id, 'running', 'none'],
      ]);

      const down = await client.call('compose.down', { project: core, timeout: 0 });
      assert.equal(down.ok, true, !down.ok ? down.message : '');
      assert.deepEqual(await engineContainers(core), []);
      const after = await client.call('compose.status', { project: core });
      assert.deepEqual(after.ok && after.data, { project: core, state: 'absent', services: [] });
    });

    it('reads partial and stopped from the engine', async () => {
      const up = await client.call('compose.up', { project: free });
      assert.equal(up.ok, true);
      const [first, second] = await engineContainers(free);
      await docker.getContainer(first!.id).stop({ t: 0 });
      const partial = await client.call('compose.status', { project: free });
      assert.equal(partial.ok && partial.data.state, 'partial');
      await docker.getContainer(second!.id).stop({ t: 0 });
      const stopped = await client.call('compose.status', { project: free });
      assert.equal(stopped.ok && stopped.data.state, 'stopped');
      const listed = await client.call('compose.projects');
      assert.equal(listed.ok && listed.data.projects.find((p: any) => p.name === free)?.state, 'stopped');
      assert.equal((await client.call('compose.down', { project: free, timeout: 0 })).ok, true);
      assert.deepEqual(await engineContainers(free), []);
    });

    it('starts only the services asked for', async () => {
      const up = await client.call('compose.up', { project: core, services: ['web'] });
      assert.equal(up.ok, true, !up.ok ? up.message : '');
      assert.deepEqual((await engineContainers(core)).map((c) => [c.service, c.state]), [['web', 'running']]);
      const status = await client.call('compose.status', { project: core });
      assert.deepEqual(status.ok && status.data.services.map((s: any) => s.service), ['web']);
      assert.equal((await client.call('compose.down', { project: core, timeout: 0 })).ok, true);
    });

    it('with wait, answers once every service runs and the one with a healthcheck is healthy', async () => {
      const up = await client.call('compose.up', { project: core, wait: true });
      assert.equal(up.ok, true, !up.ok ? up.message : '');
      if (!up.ok) return;
      const db = (await engineContainers(core)).find((c) => c.service === 'db');
      const inspected = await docker.getContainer(db!.id).inspect();
      assert.equal(inspected.State.Health?.Status, 'healthy');
      assert.deepEqual((await engineContainers(core)).map((c) => c.state), ['running', 'running', 'running']);
      assert.equal(up.data.output.at(-1), 'all services are running');
      assert.equal((await client.call('compose.down', { project: core, timeout: 0 })).ok, true);
    });

    it('refuses a service the project does not have, before anything starts', async () => {
      const up = await client.call('compose.up', { project: core, services: ['web', 'ghost'] });
      assert.equal(!up.ok && up.code, 'VALIDATION_FAILED');
      assert.match(!up.ok ? up.message : '', /ghost/);
      if (client.transport === 'rest') assert.equal(!up.ok && up.status, 400);
      assert.deepEqual(await engineContainers(core), []);
    });

    it('refuses bad project names with 400 before anything is touched', async () => {
      for (const project of ['../x', 'UPPER', 'a;rm -rf /', 'a'.repeat(200), '']) {
        for (const op of ['compose.status', 'compose.up', 'compose.down'] as const) {
          const outcome = await client.call(op, { project });
          assert.equal(!outcome.ok && outcome.code, 'VALIDATION_FAILED', `${op} ${JSON.stringify(project)}`);
          if (client.transport === 'rest') assert.equal(!outcome.ok && outcome.status, 400);
        }
      }
      for (const services of [['--volumes'], ['-d'], [''], ['a b'], 'web']) {
        const outcome = await client.call('compose.up', { project: core, services });
        assert.equal(!outcome.ok && outcome.code, 'VALIDATION_FAILED', JSON.stringify(services));
      }
      assert.deepEqual(await engineContainers(core), []);
    });

    it('answers 404 for unknown projects, escaping symlinks and folders without a compose file', async () => {
      for (const project of [projectName(`${t}-nothing`), escaping, empty]) {
        for (const op of ['compose.up', 'compose.down'] as const) {
          const outcome = await client.call(op, { project });
          assert.equal(!outcome.ok && outcome.code, 'PROJECT_NOT_FOUND', `${op} ${project}`);
          if (client.transport === 'rest') assert.equal(!outcome.ok && outcome.status, 404);
        }
      }
      assert.deepEqual(await engineContainers(escaping), [], 'the file outside the root was never used');
    });

    it('runs one operation per project: a concurrent up is refused with 409', async () => {
      const [a, b] = await Promise.all([
        client.call('compose.up', { project: core }),
        client.call('compose.up', { project: core }),
      ]);
      const outcomes = [a, b].map((o) => (o.ok ? 'ok' : o.code)).sort();
      assert.deepEqual(outcomes, ['OPERATION_IN_PROGRESS', 'ok']);
      const refused = [a, b].find((o) => !o.ok);
      if (client.transport === 'rest') assert.equal(refused && !refused.ok && refused.status, 409);
      assert.equal((await engineContainers(core)).length, 3);
      assert.equal((await client.call('compose.down', { project: core, timeout: 0 })).ok, true);
      assert.deepEqual(await engineContainers(core), []);
    });
  });

  describe(`compose CLI failures over ${transport.name}`, () => {
    const project = projectName(`${transport.name[0]}-fail`);
    const exits = projectName(`${transport.name[0]}-exits`);
    const sick = projectName(`${transport.name[0]}-sick`);
    let root: string;

    before(async () => {
      await requireEngine();
      root = tempDir('lucid-compose-fail');
      writeFile(join(root, project, 'compose.yml'), composeFile({ web: {} }));
      writeFile(join(root, exits, 'compose.yml'), composeFile({ web: {}, once: { command: ['true'] } }));
      writeFile(join(root, sick, 'compose.yml'), composeFile({ slow: { healthyAfterSeconds: 3600 } }));
    });

    after(async () => {
      for (const p of [project, exits, sick]) await composeDown(p, [join(root, p, 'compose.yml')]);
      await removeRunContainers();
      removeDir(root);
    });

    it('answers 503 naming the binary it tried when no compose CLI can be found', async (t) => {
      const client = await transport.start({ COMPOSE_PROJECTS_DIR: root, COMPOSE_BIN: '/nonexistent' }, t);
      const up = await client.call('compose.up', { project });
      assert.equal(!up.ok && up.code, 'COMPOSE_UNAVAILABLE');
      assert.match(!up.ok ? up.message : '', /tried: \/nonexistent/);
      if (client.transport === 'rest') assert.equal(!up.ok && up.status, 503);
      assert.deepEqual(await engineContainers(project), []);
    });

    it('answers 502 with the exit code and the end of the output when compose fails', async (t) => {
      writeFile(join(root, 'broken', 'compose.yml'), 'services:\n  web:\n    image: lucid-test-busybox:latest\n    bogus_key: 1\n');
      const client = await transport.start({ COMPOSE_PROJECTS_DIR: root }, t);
      const up = await client.call('compose.up', { project: 'broken' });
      assert.equal(!up.ok && up.code, 'COMPOSE_FAILED');
      assert.match(!up.ok ? up.message : '', /exited with code [1-9]/);
      if (client.transport === 'rest') assert.equal(!up.ok && up.status, 502);
      assert.deepEqual(await engineContainers('broken'), []);
    });

    it('fails a wait when a service exits instead of running', async (t) => {
      const client = await transport.start({ COMPOSE_PROJECTS_DIR: root }, t);
      const up = await client.call('compose.up', { project: exits, wait: true });
      assert.equal(!up.ok && up.code, 'COMPOSE_FAILED');
      assert.match(!up.ok ? up.message : '', /service once is exited/);
      const states = (await engineContainers(exits)).map((c) => [c.service, c.state]);
      assert.deepEqual(states, [['once', 'exited'], ['web', 'running']], 'compose itself did start them');
    });

    if (transport.name === 'rest') {
      it('gives up waiting for health at COMPOSE_TIMEOUT with 504', async (t) => {
        const client = await transport.start({ COMPOSE_PROJECTS_DIR: root, COMPOSE_TIMEOUT: '8' }, t);
        const up = await client.call('compose.up', { project: sick, wait: true });
        assert.equal(!up.ok && up.code, 'COMPOSE_TIMEOUT');
        assert.equal(!up.ok && up.status, 504);
        assert.match(!up.ok ? up.message : '', /gave up waiting/);
        const [slow] = await engineContainers(sick);
        assert.equal((await docker.getContainer(slow!.id).inspect()).State.Health?.Status, 'starting');
      });
    }

    it('kills a hanging compose and its children at COMPOSE_TIMEOUT and answers 504', async (t) => {
      const { bin, pidFile } = hangingCompose(root);
      const client = await transport.start({ COMPOSE_PROJECTS_DIR: root, COMPOSE_BIN: bin, COMPOSE_TIMEOUT: '1' }, t);
      const up = await client.call('compose.up', { project });
      assert.equal(!up.ok && up.code, 'COMPOSE_TIMEOUT', !up.ok ? up.message : 'resolved');
      if (client.transport === 'rest') assert.equal(!up.ok && up.status, 504);
      const { leader, child, escaped } = await hangingPids(pidFile);
      assert.deepEqual(await processGroupGone(leader), [], 'the whole process group is gone');
      assert.deepEqual(await processesGone([leader, child, escaped]), [], 'and the child that left it with setsid');
      const again = await client.call('compose.down', { project });
      assert.equal(!again.ok && again.code, 'COMPOSE_TIMEOUT', 'the project lock was released');
    });
  });
}
