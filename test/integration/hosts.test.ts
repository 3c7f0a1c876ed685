import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mintToken } from '../../src/main/auth/tokens.js';
import { loadConfig } from '../../src/main/config/env.js';
import type { Role } from '../../src/shared/permissions.js';
import { TRANSPORTS, useClient, type OperationClient, type Outcome } from '../support/clients.js';
import { createTestContainer, docker as sharedDocker, stateOf, useEngine } from '../support/engine.js';
import { eventually, waitFor } from '../support/eventually.js';
import { HostsFile } from '../support/hosts-file.js';
import { usePrivateEngine } from '../support/private-engine.js';
import { newScenario, startedAt } from '../support/scenario.js';
import { TEST_SECRET, type TestServer } from '../support/server.js';
import { sleep } from '../support/sleep.js';
import { readSse } from '../support/sse.js';

function data(outcome: Outcome): any {
  assert.equal(outcome.ok, true, outcome.ok ? '' : `${outcome.code}: ${outcome.message}`);
  return (outcome as { data: unknown }).data;
}

function refusal(outcome: Outcome): string {
  assert.equal(outcome.ok, false, 'the call was refused');
  return (outcome as { code: string }).code;
}

const ADMIN_ONLY = { read: ['user', 'developer', 'admin'], control: ['admin'] };

function tokenLimitedTo(hosts: string[], role: Role = 'admin'): Promise<string> {
  const config = loadConfig({ JWT_SECRET_KEY: TEST_SECRET });
  return mintToken({ secret: TEST_SECRET, sub: 'test-limited', role, ttlSeconds: 600, audience: config.JWT_AUDIENCE, issuer: config.JWT_ISSUER, hosts });
}

/**
 * Three hosts: the shared engine (`local`, the default), a private engine (`second`, controlled
 * by admins only) and an engine that does not exist (`gone`). A group spans the first two.
 */
for (const transport of TRANSPORTS) {
  describe(`several hosts over ${transport.name}`, () => {
    useEngine();
    const second = usePrivateEngine({ testImage: true });
    let hostsFile: HostsFile;
    const s = newScenario((n) => [
      { name: 'core', phase: 2, members: [{ name: n('db'), host: 'second' }, { name: n('api'), depends_on: [n('db')] }] },
    ]);
    const client: OperationClient = useClient(transport, () => {
      hostsFile = new HostsFile([
        { name: 'local', url: 'unix:///var/run/docker.sock', default: true },
        { name: 'second', url: second.dockerHost, access: ADMIN_ONLY },
        { name: 'gone', url: `unix://${second.dir}/no-such.sock` },
      ]);
      return { ...s.env, HOSTS_CONFIG: hostsFile.path };
    });

    const stateOfHost = async (name: string) => {
      const { hosts } = data(await client.call('hosts.list', {}));
      return hosts.find((h: any) => h.name === name);
    };

    it('lists every host with its state; one that is down says why', async () => {
      await eventually(async () => ((await stateOfHost('local'))?.state === 'up' ? true : undefined), 'local up');
      await eventually(async () => ((await stateOfHost('second'))?.state === 'up' ? true : undefined), 'second up');
      await eventually(async () => ((await stateOfHost('gone'))?.state === 'down' ? true : undefined), 'gone down');
      const { hosts } = data(await client.call('hosts.list', {}));
      assert.deepEqual(hosts.map((h: any) => [h.name, h.default]), [['local', true], ['second', false], ['gone', false]]);
      const local = hosts[0];
      assert.equal(local.state, 'up');
      assert.match(local.engineVersion, /^\d+\.\d+/);
      assert.equal(typeof local.rttMs, 'number');
      assert.equal(local.url, 'unix:///var/run/docker.sock');
      assert.ok(hosts[2].reason, 'the down host says why');
    });

    it("says each engine's swarm role: in no swarm on both engines, unknown on the one that is down", async () => {
      for (const engine of [sharedDocker, second.docker]) assert.equal((await engine.info()).Swarm.LocalNodeState, 'inactive');
      // The role is read once a host is up: the list may name it up a moment before.
      for (const name of ['local', 'second']) {
        const host = await eventually(
          async () => {
            const found = await stateOfHost(name);
            return found?.swarm ? found : undefined;
          },
          `${name}'s swarm role`,
          5000,
          100,
        );
        assert.deepEqual(host.swarm, { role: 'none', state: 'inactive' }, name);
        assert.equal(host.swarmManager, false, name);
      }
      const gone = await stateOfHost('gone');
      assert.equal(gone.swarm, null);
      assert.equal(gone.swarmManager, null);
    });

    it('acts on the host it names and on no other', async () => {
      const db = await s.container('db', { engine: second.docker, start: true });
      const id = (await db.inspect()).Id;
      const listed = data(await client.call('containers.list', { host: 'second' }));
      const entry = listed.containers.find((c: any) => c.id === id);
      assert.equal(entry?.host, 'second');
      assert.equal(entry?.group, 'core', 'a member configured on host second is in its group there');
      assert.equal(refusal(await client.call('containers.get', { id, host: 'local' })), 'CONTAINER_NOT_FOUND');
      assert.equal(data(await client.call('containers.get', { id: s.name('db'), host: 'second' })).host, 'second');

      data(await client.call('containers.stop', { id, host: 'second', timeout: 0 }));
      assert.equal(await stateOf(db), 'exited', 'the private engine says the container exited');
      data(await client.call('containers.start', { id, host: 'second' }));
      assert.equal(await stateOf(db), 'running');

      const logs = data(await client.call('containers.logs', { id, host: 'second', tail: 5 }));
      assert.equal(logs.id, id);
      const stats = data(await client.call('containers.stats', { id, host: 'second' }));
      assert.equal(stats.host, 'second');
    });

    it('lists every host with host=*, naming the one that is down', async () => {
      const db = await s.container('db2', { engine: second.docker, start: true });
      const onLocal = await s.container('solo', { start: true });
      const all = data(await client.call('containers.list', { host: '*' }));
      const hostOf = (c: { id: string }) => all.containers.find((x: any) => x.id === c.id)?.host;
      assert.equal(hostOf({ id: (await db.inspect()).Id }), 'second');
      assert.equal(hostOf({ id: (await onLocal.inspect()).Id }), 'local');
      assert.deepEqual(all.hosts.map((h: any) => [h.name, h.state]), [['local', 'up'], ['second', 'up'], ['gone', 'down']]);
      assert.equal(all.total, all.containers.length);
      const stats = data(await client.call('stats.list', { host: '*' }));
      assert.ok(stats.hosts.some((h: any) => h.name === 'gone' && h.state === 'down'));
    });

    it('answers 503 naming the host that is down, while the others go on', async () => {
      const outcome = await client.call('containers.list', { host: 'gone' });
      assert.equal(refusal(outcome), 'DOCKER_UNAVAILABLE');
      assert.match((outcome as { message: string }).message, /gone/);
      data(await client.call('containers.list', { host: 'second' }));
    });

    it('refuses a host that is not configured, changing nothing', async () => {
      const c = await s.container('stray', { start: true });
      assert.equal(refusal(await client.call('containers.stop', { id: s.name('stray'), host: 'nowhere' })), 'HOST_NOT_FOUND');
      assert.equal(refusal(await client.call('containers.list', { host: 'Bad Name' })), 'VALIDATION_FAILED');
      assert.equal(refusal(await client.call('services.list', { host: 'nowhere' })), 'HOST_NOT_FOUND');
      assert.equal(refusal(await client.call('stats.list', { host: 'nowhere' })), 'HOST_NOT_FOUND');
      assert.equal(await stateOf(c), 'running');
    });

    it("keeps to each host's access: a developer reads on second but may not control there", async () => {
      const db = await s.container('db3', { engine: second.docker, start: true });
      const id = (await db.inspect()).Id;
      data(await client.call('containers.get', { id, host: 'second' }, 'developer'));
      assert.equal(refusal(await client.call('containers.stop', { id, host: 'second', timeout: 0 }, 'developer')), 'FORBIDDEN');
      assert.equal(await stateOf(db), 'running', 'nothing changed');
      const trail = data(await client.call('audit.list', { limit: 50 }));
      assert.ok(
        trail.entries.some((e: any) => e.operation === 'containers.stop' && e.result === 'denied' && e.host === 'second' && e.target === id),
        'the refusal is audited with the host',
      );
    });

    it('starts a group across hosts in dependency order and stops it in reverse', async () => {
      const db = await s.container('db', { engine: second.docker }).catch(() => second.docker.getContainer(s.name('db')));
      await db.stop().catch(() => undefined);
      const api = await s.container('api');
      const started = data(await client.call('services.start', { group: 'core' }));
      assert.equal(started.ok, true, JSON.stringify(started.results));
      assert.deepEqual(started.results.map((r: any) => [r.service, r.host]), [[s.name('db'), 'second'], [s.name('api'), 'local']]);
      assert.equal(await stateOf(db), 'running');
      assert.equal(await stateOf(api), 'running');
      assert.ok((await startedAt(db)) < (await startedAt(api)), 'the database on second started before the API on local');
      const status = data(await client.call('services.get', { group: 'core' }));
      assert.deepEqual(status.services.map((m: any) => [m.name, m.host, m.state]), [[s.name('db'), 'second', 'running'], [s.name('api'), 'local', 'running']]);
      const stopped = data(await client.call('services.stop', { group: 'core' }));
      assert.equal(stopped.ok, true);
      assert.equal(await stateOf(db), 'exited');
      assert.equal(await stateOf(api), 'exited');
    });

    it('reads the hosts file again when it changes; a bad edit keeps the hosts in force', async () => {
      hostsFile.write('hosts: [{ name: local, url: "nope://x" }]\n');
      await waitFor('the bad edit to be read', 1500, () => false).catch(() => undefined);
      assert.deepEqual((data(await client.call('hosts.list', {})).hosts as any[]).map((h) => h.name), ['local', 'second', 'gone']);
      hostsFile.write([
        { name: 'local', url: 'unix:///var/run/docker.sock', default: true },
        { name: 'second', url: second.dockerHost, access: ADMIN_ONLY },
      ]);
      await eventually(async () => {
        const names = (data(await client.call('hosts.list', {})).hosts as any[]).map((h) => h.name);
        return names.join() === 'local,second' ? true : undefined;
      }, 'gone removed');
      assert.equal(refusal(await client.call('containers.list', { host: 'gone' })), 'HOST_NOT_FOUND');
      const metrics: string = data(await client.call('metrics.scrape', {}));
      assert.match(metrics, /lucid_docker_up\{host="second"\} 1/);
      assert.doesNotMatch(metrics, /host="gone"/, "a removed host's series go with it");
    });
  });
}

describe('a token limited to some hosts', () => {
  useEngine();
  const second = usePrivateEngine();
  const rest = useClient(TRANSPORTS[0], () => ({
    HOSTS_CONFIG: new HostsFile([
      { name: 'local', url: 'unix:///var/run/docker.sock', default: true },
      { name: 'second', url: second.dockerHost },
    ]).path,
  })) as OperationClient & { server: TestServer };

  it('reaches only the hosts its claim names, and lists only those with host=*', async () => {
    const token = await tokenLimitedTo(['second']);
    const server = (rest as unknown as { server: TestServer }).server;
    const denied = await server.call('GET', '/api/v1/containers?host=local', { token });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, 'FORBIDDEN');
    const defaultHost = await server.call('GET', '/api/v1/containers', { token });
    assert.equal(defaultHost.status, 403, 'the default host is local, which the token does not reach');
    await waitFor('second up', 10_000, async () => (await server.call('GET', '/api/v1/hosts', { token })).body.hosts?.[0]?.state === 'up');
    const all = await server.call('GET', '/api/v1/containers?host=*', { token });
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.hosts.map((h: any) => h.name), ['second']);
    assert.ok(all.body.containers.every((c: any) => c.host === 'second'));
    const hosts = await server.call('GET', '/api/v1/hosts', { token });
    assert.deepEqual(hosts.body.hosts.map((h: any) => h.name), ['second']);
    const metrics = await server.call('GET', '/metrics');
    assert.match(metrics.body, /lucid_docker_up\{host="second"\} 1/);
    assert.ok((await sharedDocker.ping()) !== undefined);
  });
});

describe('a hosts reload that removes a host', () => {
  useEngine();
  const second = usePrivateEngine({ testImage: true });
  let hostsFile: HostsFile;
  const rest = useClient(TRANSPORTS[0], () => {
    hostsFile = new HostsFile([
      { name: 'local', url: 'unix:///var/run/docker.sock', default: true },
      { name: 'second', url: second.dockerHost },
    ]);
    return { HOSTS_CONFIG: hostsFile.path };
  });

  it('ends the streams of the removed host with HOST_NOT_FOUND, and leaves the others open', async () => {
    const server = (rest as unknown as { server: TestServer }).server;
    const c = await createTestContainer({ engine: second.docker, cmd: ['sh', '-c', 'echo hello; exec sleep 3600'] });
    await waitFor('second up', 10_000, async () => (await server.call('GET', '/api/v1/hosts')).body.hosts?.[1]?.state === 'up');
    const headers = { accept: 'text/event-stream', authorization: `Bearer ${await server.tokenFor('admin')}` };
    const follow = await fetch(`${server.url}/api/v1/containers/${c.id}/logs?follow=true&host=second`, { headers });
    assert.equal(follow.status, 200);
    const onLocal = await fetch(`${server.url}/api/v1/events?host=local`, { headers });
    assert.equal(onLocal.status, 200);
    const followEnd = readSse(follow, (frames) => frames.some((f) => f.event === 'end'));
    hostsFile.write([{ name: 'local', url: 'unix:///var/run/docker.sock', default: true }]);
    const frames = await followEnd;
    const end = frames.find((f) => f.event === 'end');
    assert.equal(end?.data.reason, 'error');
    assert.equal(end?.data.error.code, 'HOST_NOT_FOUND');
    assert.ok(frames.some((f) => f.event === 'line' && f.data.text === 'hello'), 'the log was followed until then');
    const stillOpen = await Promise.race([
      readSse(onLocal, (f) => f.some((x) => x.event === 'end')).then(() => 'ended'),
      sleep(500).then(() => 'open'),
    ]);
    assert.equal(stillOpen, 'open', "the local host's events stream goes on");
    assert.equal((await server.call('GET', '/api/v1/containers?host=second')).body.error.code, 'HOST_NOT_FOUND');
  });

  it('brings a host a reload adds into an open host=* events stream', async () => {
    const server = (rest as unknown as { server: TestServer }).server;
    const headers = { accept: 'text/event-stream', authorization: `Bearer ${await server.tokenFor('admin')}` };
    const all = await fetch(`${server.url}/api/v1/events?host=*`, { headers });
    assert.equal(all.status, 200);
    let created: string | undefined;
    const seen = readSse(all, (frames) => frames.some((f) => f.data?.type === 'container' && f.data.host === 'again' && f.data.id === created));
    hostsFile.write([
      { name: 'local', url: 'unix:///var/run/docker.sock', default: true },
      { name: 'again', url: second.dockerHost },
    ]);
    await waitFor('again up', 10_000, async () => (await server.call('GET', '/api/v1/hosts')).body.hosts?.[1]?.state === 'up');
    await waitFor('the snapshot of again live', 10_000, async () => (await server.call('GET', '/api/v1/containers?host=again')).status === 200);
    created = (await createTestContainer({ engine: second.docker, cmd: ['sleep', '3600'] })).id;
    const frames = await seen;
    assert.ok(frames.some((f) => f.data?.type === 'host' && f.data.host === 'again' && f.data.state === 'up'), 'the host event came first');
  });
});
