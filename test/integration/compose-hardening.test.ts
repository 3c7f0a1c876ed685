import assert from 'node:assert/strict';
import { chmodSync, lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TRANSPORTS } from '../support/clients.js';
import {
  composeDown,
  composeFile,
  composeUp,
  hangingCompose,
  hangingPids,
  processesGone,
  projectName,
  removeDir,
  tempDir,
  writeFile,
} from '../support/compose.js';
import { docker, removeRunContainers, requireEngine } from '../support/engine.js';
import { startTestServer, TEST_SECRET } from '../support/server.js';

/** The project's containers as the engine lists them: service and state, sorted. */
async function onEngine(project: string): Promise<string[][]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${project}`] } });
  return list.map((c) => [c.Labels['com.docker.compose.service'] ?? '', c.State]).sort((a, b) => a.join().localeCompare(b.join()));
}

function stub(dir: string, name: string, body: string[]): string {
  const bin = join(dir, name);
  writeFileSync(bin, ['#!/bin/sh', ...body, ''].join('\n'));
  chmodSync(bin, 0o755);
  return bin;
}

describe('compose hardening against the real CLI', () => {
  let root: string;
  let outside: string;
  const touched = new Map<string, string[]>();

  before(async () => {
    await requireEngine();
    root = tempDir('lucid-compose-hard');
    outside = tempDir('lucid-compose-hard-outside');
  });

  after(async () => {
    for (const [project, files] of touched) await composeDown(project, files);
    await removeRunContainers();
    removeDir(root);
    removeDir(outside);
  });

  /** A project folder in the root; remembered for cleanup. */
  function project(suffix: string, text: string): { name: string; file: string } {
    const name = projectName(`h-${suffix}`);
    const file = writeFile(join(root, name, 'compose.yml'), text);
    touched.set(name, [file]);
    return { name, file };
  }

  it('compose reads the file that was checked: one swapped for an escaping symlink afterwards is never used', async (t) => {
    const { name, file } = project('swap', composeFile({ web: {} }));
    const intruder = writeFile(join(outside, 'compose.yml'), composeFile({ intruder: {} }));
    touched.set(name, [file, intruder]);
    // Stands for an attacker acting in the second or two v1 takes to start: replaces the checked
    // file by a symlink leading outside, then lets the real docker-compose run.
    const bin = stub(root, 'swapping-compose', [
      `case " $* " in *" up "*) ln -sf '${intruder}' '${file}' ;; esac`,
      'exec docker-compose "$@"',
    ]);
    const server = await startTestServer({ COMPOSE_PROJECTS_DIR: root, COMPOSE_BIN: bin, COMPOSE_TIMEOUT: '120' }, t);
    const up = await server.call('POST', '/api/v1/compose/up', { body: { project: name } });
    assert.equal(up.status, 200, JSON.stringify(up.body));
    assert.ok(lstatSync(file).isSymbolicLink(), 'the swap did happen');
    assert.deepEqual(await onEngine(name), [['web', 'running']], 'the outside file was never used');
    const again = await server.call('POST', '/api/v1/compose/up', { body: { project: name } });
    assert.equal(again.body.error?.code, 'PROJECT_NOT_FOUND', 'the next call sees the symlink and refuses');
    assert.match(again.body.error?.message, /resolves outside the projects folder/);
  });

  it('down removes orphans too: containers of services since removed from the file', async (t) => {
    const { name, file } = project('orphan', composeFile({ kept: {}, dropped: {} }));
    const server = await startTestServer({ COMPOSE_PROJECTS_DIR: root, COMPOSE_TIMEOUT: '120' }, t);
    assert.equal((await server.call('POST', '/api/v1/compose/up', { body: { project: name } })).status, 200);
    writeFileSync(file, composeFile({ kept: {} }));
    const down = await server.call('POST', '/api/v1/compose/down', { body: { project: name, timeout: 0 } });
    assert.equal(down.status, 200, JSON.stringify(down.body));
    assert.deepEqual(await onEngine(name), [], 'nothing of the project is left');
  });

  it('wait ignores orphans: an exited container of a removed service does not fail it', async (t) => {
    const { name, file } = project('worph', composeFile({ kept: {}, once: { command: ['true'] } }));
    const server = await startTestServer({ COMPOSE_PROJECTS_DIR: root, COMPOSE_TIMEOUT: '120' }, t);
    assert.equal((await server.call('POST', '/api/v1/compose/up', { body: { project: name } })).status, 200);
    writeFileSync(file, composeFile({ kept: {} }));
    const up = await server.call('POST', '/api/v1/compose/up', { body: { project: name, wait: true } });
    assert.equal(up.status, 200, JSON.stringify(up.body));
    assert.ok(up.body.output.includes('not waiting for once (orphan: no longer in the compose files)'), up.body.output.join('\n'));
    assert.deepEqual(await onEngine(name), [['kept', 'running'], ['once', 'exited']]);
  });

  it('status flags containers of a same-named project started from other files, and does not count them', async (t) => {
    const { name, file } = project('foreign', composeFile({ web: {} }));
    const elsewhere = writeFile(join(outside, name, 'compose.yml'), composeFile({ web: { command: ['sleep', '3599'] } }));
    touched.set(name, [file, elsewhere]);
    await composeUp(name, [elsewhere]);
    const server = await startTestServer({ COMPOSE_PROJECTS_DIR: root, COMPOSE_TIMEOUT: '120' }, t);
    const status = await server.call('GET', `/api/v1/compose/status?project=${name}`);
    assert.equal(status.body.state, 'absent', 'none of its own');
    assert.deepEqual(status.body.services.map((s: any) => [s.service, s.containers.map((c: any) => [c.state, c.foreign])]), [
      ['web', [['running', true]]],
    ]);
    const listed = await server.call('GET', '/api/v1/compose/projects');
    assert.equal(listed.body.projects.find((p: any) => p.name === name)?.state, 'absent');
    // compose itself adopts the container by name and recreates it from the project's own file.
    const up = await server.call('POST', '/api/v1/compose/up', { body: { project: name, wait: true } });
    assert.equal(up.status, 200, JSON.stringify(up.body));
    const after = await server.call('GET', `/api/v1/compose/status?project=${name}`);
    assert.equal(after.body.state, 'running');
    assert.deepEqual(after.body.services[0].containers.map((c: any) => c.foreign), [false]);
  });

  it('COMPOSE_FAILED speaks of files relative to the projects folder, never of host paths', async (t) => {
    const { name } = project('broken', 'services:\n  web:\n    image: lucid-test-busybox:latest\n    bogus_key: 1\n');
    const server = await startTestServer({ COMPOSE_PROJECTS_DIR: root, COMPOSE_TIMEOUT: '120' }, t);
    const up = await server.call('POST', '/api/v1/compose/up', { body: { project: name } });
    assert.equal(up.body.error?.code, 'COMPOSE_FAILED');
    const text = JSON.stringify(up.body);
    assert.equal(text.includes(root), false, text);
    assert.equal(text.includes('/dev/fd/'), false, text);
    assert.ok(up.body.error.details.output.some((l: string) => l.includes(`${name}/compose.yml`)), text);
  });

  it('gives down its own stop timeout on top of COMPOSE_TIMEOUT rather than killing compose halfway', async (t) => {
    // SIGTERM is ignored by sleep as PID 1: docker stop waits the whole 15 s, longer than COMPOSE_TIMEOUT.
    const { name, file } = project('slow', composeFile({ stubborn: { stopSignal: 'SIGTERM' } }));
    await composeUp(name, [file]);
    const server = await startTestServer({ COMPOSE_PROJECTS_DIR: root, COMPOSE_TIMEOUT: '10' }, t);
    const down = await server.call('POST', '/api/v1/compose/down', { body: { project: name, timeout: 15 } });
    assert.equal(down.status, 200, JSON.stringify(down.body));
    assert.deepEqual(await onEngine(name), []);
  });

  it('gives the compose child no secret of the manager’s environment', async (t) => {
    const envFile = join(root, 'child-env');
    const bin = stub(root, 'env-compose', ['if [ "$1" = version ]; then echo 1.29.2; exit 0; fi', `env > '${envFile}'`]);
    const { name } = project('env', composeFile({ web: {} }));
    const saved = { jwt: process.env['JWT_SECRET_KEY'], canary: process.env['LUCID_CANARY_TOKEN'] };
    process.env['JWT_SECRET_KEY'] = TEST_SECRET;
    process.env['LUCID_CANARY_TOKEN'] = 'canary-value-9f2c';
    const server = await startTestServer({ COMPOSE_PROJECTS_DIR: root, COMPOSE_BIN: bin }, t);
    try {
      const up = await server.call('POST', '/api/v1/compose/up', { body: { project: name } });
      assert.equal(up.status, 200, JSON.stringify(up.body));
      const env = readFileSync(envFile, 'utf8');
      assert.match(env, /^DOCKER_HOST=unix:\/\/\/var\/run\/docker\.sock$/m);
      assert.match(env, /^COMPOSE_PROGRESS=plain$/m);
      assert.match(env, /^PATH=/m);
      for (const secret of ['JWT_SECRET_KEY', TEST_SECRET, 'LUCID_CANARY_TOKEN', 'canary-value-9f2c']) {
        assert.equal(env.includes(secret), false, `${secret} reached the compose child`);
      }
    } finally {
      for (const [key, value] of [['JWT_SECRET_KEY', saved.jwt], ['LUCID_CANARY_TOKEN', saved.canary]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  for (const transport of TRANSPORTS) {
    it(`closing the manager over ${transport.name} stops a compose run in flight within seconds and answers it`, { timeout: 90_000 }, async (t) => {
      const { name } = project(`${transport.name[0]}-inflight`, composeFile({ web: {} }));
      const { bin, pidFile } = hangingCompose(join(root, name));
      const client = await transport.start({ COMPOSE_PROJECTS_DIR: root, COMPOSE_BIN: bin, COMPOSE_TIMEOUT: '300' }, t);
      const pending = client.call('compose.up', { project: name });
      const { leader, child, escaped } = await hangingPids(pidFile);
      const started = Date.now();
      await client.close();
      const outcome = await pending;
      assert.ok(Date.now() - started < 30_000, 'the close did not wait for COMPOSE_TIMEOUT');
      assert.equal(!outcome.ok && outcome.code, 'SHUTTING_DOWN', JSON.stringify(outcome));
      if (!outcome.ok && transport.name === 'rest') assert.equal(outcome.status, 503);
      assert.match(!outcome.ok ? outcome.message : '', /was stopped: the manager is shutting down/);
      assert.deepEqual(await processesGone([leader, child, escaped]), [], 'no compose process outlives the manager');
    });
  }
});
