import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baseArgs, downArgs, listServicesArgs, upArgs } from '../../src/main/compose/args.js';
import { composeCandidates, parseComposeVersion, type ComposeCommand } from '../../src/main/compose/detect.js';

const V2: ComposeCommand = { command: 'docker', prefix: ['compose'], label: 'docker compose' };
const V1: ComposeCommand = { command: 'docker-compose', prefix: [], label: 'docker-compose' };
const project = { name: 'lucid-core', paths: ['/srv/compose/docker-compose.core.yml', '/srv/compose/override.yml'] };
const FILES = ['-f', '/srv/compose/docker-compose.core.yml', '-f', '/srv/compose/override.yml'];

describe('compose command lines', () => {
  it('v2 plugin: docker compose with plain output, the project name and every file', () => {
    assert.deepEqual(upArgs(V2, project), ['compose', '--ansi', 'never', '-p', 'lucid-core', ...FILES, 'up', '-d']);
    assert.deepEqual(upArgs(V2, project, ['api', 'db']), [
      'compose', '--ansi', 'never', '-p', 'lucid-core', ...FILES, 'up', '-d', '--', 'api', 'db',
    ]);
    assert.deepEqual(downArgs(V2, project, { removeVolumes: true, timeout: 5 }), [
      'compose', '--ansi', 'never', '-p', 'lucid-core', ...FILES, 'down', '--timeout', '5', '--volumes',
    ]);
    assert.deepEqual(listServicesArgs(V2, project), ['compose', '--ansi', 'never', '-p', 'lucid-core', ...FILES, 'config', '--services']);
  });

  it('v1: the same options without the plugin prefix', () => {
    assert.deepEqual(upArgs(V1, project, ['api']), ['--ansi', 'never', '-p', 'lucid-core', ...FILES, 'up', '-d', '--', 'api']);
    assert.deepEqual(downArgs(V1, project, { removeVolumes: false, timeout: 10 }), [
      '--ansi', 'never', '-p', 'lucid-core', ...FILES, 'down', '--timeout', '10',
    ]);
  });

  it('refuses names that could read as flags or escape, even if a caller skipped validation', () => {
    for (const name of ['-x', '../x', 'UPPER', 'a;rm -rf /', 'a'.repeat(200), '']) {
      assert.throws(() => baseArgs(V1, { name, paths: ['/f.yml'] }), /invalid project name/, name);
    }
    for (const service of ['--volumes', '-d', '.hidden', 'a b', '']) {
      assert.throws(() => upArgs(V1, project, [service]), /invalid service name/, service);
    }
    assert.throws(() => baseArgs(V1, { name: 'ok', paths: [] }), /no files/);
  });
});

describe('compose detection', () => {
  it('tries the v2 plugin, then v1; COMPOSE_BIN alone when set', () => {
    assert.deepEqual(composeCandidates(undefined).map((c) => c.label), ['docker compose', 'docker-compose']);
    assert.deepEqual(composeCandidates('/usr/local/bin/docker'), [
      { command: '/usr/local/bin/docker', prefix: ['compose'], label: '/usr/local/bin/docker compose' },
    ]);
    assert.deepEqual(composeCandidates('/opt/bin/docker-compose'), [
      { command: '/opt/bin/docker-compose', prefix: [], label: '/opt/bin/docker-compose' },
    ]);
  });

  it('tells v1 from v2 by the version it prints', () => {
    assert.deepEqual(parseComposeVersion('1.29.2\n'), { version: '1.29.2', variant: 'v1' });
    assert.deepEqual(parseComposeVersion('v2.24.6'), { version: '2.24.6', variant: 'v2' });
    assert.deepEqual(parseComposeVersion('2.39.1-desktop.1'), { version: '2.39.1', variant: 'v2' });
    assert.equal(parseComposeVersion('docker: unknown command: docker compose'), undefined);
  });
});
