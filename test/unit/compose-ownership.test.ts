import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOurs, projectOrigin } from '../../src/main/compose/ownership.js';
import { readiness } from '../../src/main/compose/readiness.js';
import type { RawContainerListItem } from '../../src/main/docker/answers.js';

const origin = projectOrigin('/opt/lucid/compose', ['core/compose.yml', 'core/override.yml'], [
  '/srv/compose/core/compose.yml',
  '/srv/compose/core/override.yml',
]);

const labels = (files: string, workingDir?: string) => ({
  'com.docker.compose.project.config_files': files,
  ...(workingDir === undefined ? {} : { 'com.docker.compose.project.working_dir': workingDir }),
});

describe('which containers are the project’s own', () => {
  it('accepts the files the manager hands over, in the project folder, and the files by path', () => {
    assert.equal(isOurs(origin, labels('/dev/fd/3,/dev/fd/4', '/srv/compose/core')), true);
    assert.equal(isOurs(origin, labels('/srv/compose/core/compose.yml,/srv/compose/core/override.yml')), true);
    assert.equal(isOurs(origin, labels('/opt/lucid/compose/core/compose.yml,/opt/lucid/compose/core/override.yml')), true);
    // v1 records files as given: relative ones are relative to the working dir.
    assert.equal(isOurs(origin, labels('compose.yml,override.yml', '/srv/compose/core')), true);
  });

  it('refuses a same-named project started from other files, elsewhere, or not saying', () => {
    assert.equal(isOurs(origin, labels('/home/eve/compose.yml')), false);
    assert.equal(isOurs(origin, labels('/srv/compose/core/compose.yml')), false, 'only some of the files');
    assert.equal(isOurs(origin, labels('/srv/compose/core/override.yml,/srv/compose/core/compose.yml')), false, 'another order');
    assert.equal(isOurs(origin, labels('/dev/fd/3,/dev/fd/4', '/home/eve')), false, 'handed over elsewhere');
    assert.equal(isOurs(origin, labels('/dev/fd/3,/dev/fd/4')), false);
    assert.equal(isOurs(origin, labels('compose.yml,override.yml', '/home/eve')), false);
    assert.equal(isOurs(origin, {}), false);
    assert.equal(isOurs(origin, undefined), false);
  });
});

function container(service: string, state: string, status: string, own = true): RawContainerListItem {
  return {
    Id: `${service}-${state}`,
    Image: 'lucid-test-busybox:latest',
    Created: 0,
    Names: [`/${service}`],
    State: state,
    Status: status,
    Labels: {
      'com.docker.compose.service': service,
      ...labels(own ? '/dev/fd/3,/dev/fd/4' : '/home/eve/compose.yml', own ? '/srv/compose/core' : '/home/eve'),
    },
  };
}

describe('waiting for a project', () => {
  const known = ['web', 'db'];

  it('counts only its own containers of services it still has', () => {
    const state = readiness(
      [
        container('web', 'running', 'Up 3 seconds'),
        container('db', 'running', 'Up 3 seconds (healthy)'),
        container('gone', 'exited', 'Exited (0) 1 second ago'),
        container('db', 'exited', 'Exited (1) 1 second ago', false),
      ],
      origin,
      known,
      undefined,
    );
    assert.deepEqual(state, {
      ready: true,
      ignored: ['gone (orphan: no longer in the compose files)', 'db (started from other compose files)'],
    });
  });

  it('does not take a foreign container for a service it waits for', () => {
    const state = readiness([container('db', 'running', 'Up 3 seconds', false)], origin, known, ['db']);
    assert.equal(state.ready, false);
    assert.deepEqual(!state.ready && state.failed === undefined && state.waiting, ['db (no container yet)']);
  });

  it('fails on an own container that exited or turned unhealthy, waits while health starts', () => {
    assert.deepEqual(readiness([container('web', 'exited', 'Exited (1)')], origin, known, undefined), {
      ready: false, failed: 'service web is exited', ignored: [],
    });
    assert.deepEqual(readiness([container('db', 'running', 'Up 1 second (unhealthy)')], origin, known, undefined), {
      ready: false, failed: 'service db is unhealthy', ignored: [],
    });
    assert.deepEqual(readiness([container('db', 'running', 'Up 1 second (health: starting)')], origin, known, undefined), {
      ready: false, waiting: ['db (health: starting)'], ignored: [],
    });
  });
});
