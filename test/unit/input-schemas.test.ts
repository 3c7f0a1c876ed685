import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/main/config/env.js';
import { parseDockerHost } from '../../src/main/docker/client.js';
import { healthFromStatus } from '../../src/main/docker/container-state.js';
import { logsInput, stopContainerInput } from '../../src/shared/schemas/containers.js';

describe('input schemas', () => {
  it('accepts integers as numbers or digit strings and nothing looser', () => {
    assert.equal(stopContainerInput.parse({ id: 'web', timeout: '15' }).timeout, 15);
    assert.equal(stopContainerInput.parse({ id: 'web', timeout: 0 }).timeout, 0);
    assert.equal(stopContainerInput.parse({ id: 'web' }).timeout, 10);
    for (const bad of [-1, 301, 1.5, '1.5', 'ten', '', ' 7', '1e2', null]) {
      assert.equal(stopContainerInput.safeParse({ id: 'web', timeout: bad }).success, false, String(bad));
    }
  });

  it('bounds log tails and rejects bad ids before Docker is asked', () => {
    assert.equal(logsInput.parse({ id: 'a' }).tail, 100);
    assert.equal(logsInput.parse({ id: 'a', tail: '0' }).tail, 0, 'no lines: the same rule as the follow, on the same route');
    for (const tail of [-1, 10001, '-5', 'all', '']) assert.equal(logsInput.safeParse({ id: 'a', tail }).success, false);
    for (const id of ['', '../etc', 'a b', '-x', 'x'.repeat(129), 'a/b']) {
      assert.equal(logsInput.safeParse({ id }).success, false, id);
    }
  });
});

describe('configuration', () => {
  it('names the variable that is wrong', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty' }), /PORT/);
    assert.throws(() => loadConfig({ DOCKER_HOST: 'ftp://x' }), /DOCKER_HOST/);
    assert.throws(() => loadConfig({ JWT_SECRET_KEY: 'short' }), /JWT_SECRET_KEY/);
    assert.throws(() => loadConfig({ LUCID_ENV: 'staging' }), /LUCID_ENV/);
  });

  it('defaults to loopback on 8098', () => {
    const config = loadConfig({});
    assert.equal(config.HOST, '127.0.0.1');
    assert.equal(config.PORT, 8098);
  });

  it('understands the three DOCKER_HOST forms', () => {
    assert.deepEqual(parseDockerHost('unix:///var/run/docker.sock'), { socketPath: '/var/run/docker.sock' });
    assert.deepEqual(parseDockerHost('npipe:////./pipe/docker_engine'), { socketPath: '//./pipe/docker_engine' });
    assert.deepEqual(parseDockerHost('tcp://10.1.2.3:2375'), { host: '10.1.2.3', port: 2375, protocol: 'http' });
  });
});

describe('container mapping', () => {
  it('reads health from the list status text', () => {
    assert.equal(healthFromStatus('Up 3 minutes (healthy)'), 'healthy');
    assert.equal(healthFromStatus('Up 3 seconds (health: starting)'), 'starting');
    assert.equal(healthFromStatus('Up 1 hour (unhealthy)'), 'unhealthy');
    assert.equal(healthFromStatus('Exited (0) 2 hours ago'), 'none');
  });
});
