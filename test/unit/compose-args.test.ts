import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baseArgs, downArgs, listServicesArgs, upArgs } from '../../src/main/compose/args.js';
import { composeCandidates, parseComposeVersion, type ComposeCommand } from '../../src/main/compose/detect.js';

const V2: ComposeCommand = { command: 'docker', prefix: ['compose'], label: 'docker compose' };
const V1: ComposeCommand = { command: 'docker-compose', prefix: [], label: 'docker-compose' };
const target = { name: 'lucid-core', files: ['/dev/fd/3', '/dev/fd/4'], directory: '/srv/compose' };
const BASE = ['--ansi', 'never', '-p', 'lucid-core', '--project-directory', '/srv/compose', '-f', '/dev/fd/3', '-f', '/dev/fd/4'];

describe('compose command lines', () => {
  it('v2 plugin: docker compose with plain output, the project name, its folder and every file handed over', () => {
    assert.deepEqual(upArgs(V2, target), ['compose', ...BASE, 'up', '-d']);
    assert.deepEqual(upArgs(V2, target, ['api', 'db']), ['compose', ...BASE, 'up', '-d', '--', 'api', 'db']);
    assert.deepEqual(downArgs(V2, target, { removeVolumes: true, timeout: 5 }), [
      'compose', ...BASE, 'down', '--remove-orphans', '--timeout', '5', '--volumes',
    ]);
    assert.deepEqual(listServicesArgs(V2, target), ['compose', ...BASE, 'config', '--services']);
  });

  it('v1: the same options without the plugin prefix', () => {
    assert.deepEqual(upArgs(V1, target, ['api']), [...BASE, 'up', '-d', '--', 'api']);
    assert.deepEqual(downArgs(V1, target, { removeVolumes: false, timeout: 10 }), [
      ...BASE, 'down', '--remove-orphans', '--timeout', '10',
    ]);
    assert.deepEqual(listServicesArgs(V1, target), [...BASE, 'config', '--services']);
  });

  it('refuses names that could read as flags or escape, even if a caller skipped validation', () => {
    for (const name of ['-x', '../x', 'UPPER', 'a;rm -rf /', 'a'.repeat(200), '']) {
      assert.throws(() => baseArgs(V1, { ...target, name }), /invalid project name/, name);
    }
    for (const service of ['--volumes', '-d', '.hidden', 'a b', '']) {
      assert.throws(() => upArgs(V1, target, [service]), /invalid service name/, service);
    }
    assert.throws(() => baseArgs(V1, { ...target, files: [] }), /no files/);
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
