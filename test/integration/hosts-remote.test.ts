import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { mintToken } from '../../src/main/auth/tokens.js';
import { loadConfig } from '../../src/main/config/env.js';
import { TRANSPORTS, useClient, type OperationClient, type Outcome } from '../support/clients.js';
import { composeFile, projectName, writeFile } from '../support/compose.js';
import { docker as sharedDocker, stateOf } from '../support/engine.js';
import { eventually, waitFor } from '../support/eventually.js';
import { HostsFile } from '../support/hosts-file.js';
import type { IpcHarness } from '../support/ipc.js';
import { useRemoteFleet } from '../support/remote-fleet.js';
import { finishedAt, newScenario, startedAt } from '../support/scenario.js';
import { TEST_SECRET, type TestServer } from '../support/server.js';
import { subscribe } from '../support/subscription.js';
import { tempDir } from '../support/temp.js';

function data(outcome: Outcome): any {
  assert.equal(outcome.ok, true, outcome.ok ? '' : `${outcome.code}: ${outcome.message}`);
  return (outcome as { data: unknown }).data;
}

function refusal(outcome: Outcome, status: number): string {
  assert.equal(outcome.ok, false, 'the call was refused');
  // IPC answers carry no HTTP status; REST's must be the one the code maps to.
  if (outcome.status !== undefined) assert.equal(outcome.status, status);
  return (outcome as { code: string }).code;
}

const PROJECT_LABEL = 'com.docker.compose.project';
const HOSTS = ['local', 'pi', 'server'] as const;
type HostName = (typeof HOSTS)[number];

async function projectContainers(engine: Docker, project: string): Promise<string[]> {
  const list = await engine.listContainers({ all: true, filters: { label: [`${PROJECT_LABEL}=${project}`] } });
  return list.map((c) => `${c.Labels['com.docker.compose.service']}:${c.State}`).sort();
}

/** Calls as the bearer of `token` (a `hosts` claim), on the client's own transport. */
async function callerWith(client: OperationClient, token: string) {
  const { server, harness } = client as OperationClient & { server?: TestServer; harness?: IpcHarness };
  if (server) {
    return async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<Outcome> => {
      const res = await server.call(method, path, { token, ...(body !== undefined ? { body } : {}) });
      return res.status === 200 ? { ok: true, data: res.body, status: 200 } : { ok: false, code: res.body?.error?.code, status: res.status, message: '' };
    };
  }
  const { api } = await (harness as IpcHarness).openWindow(null);
  await api.auth.setToken(token);
  return async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<Outcome> => {
    const url = new URL(path, 'http://x');
    const host = url.searchParams.get('host') ?? undefined;
    const id = /\/containers\/([^/]+)\/stop$/.exec(url.pathname)?.[1];
    try {
      if (url.pathname === '/api/v1/hosts') return { ok: true, data: await api.hosts.list({}) };
      if (id !== undefined) return { ok: true, data: await api.containers.stop({ id, host, ...(body as object) }) };
      return { ok: true, data: await api.containers.list(host === undefined ? {} : { host }) };
    } catch (err) {
      const message = (err as Error).message;
      return { ok: false, code: /^\[([A-Z_]+)\]/.exec(message)?.[1] ?? 'UNPARSEABLE', message };
    }
  };
}

const fleet = useRemoteFleet();

for (const transport of TRANSPORTS) {
  describe(`remote hosts over ${transport.name}`, () => {
    const project = projectName(`${transport.name}-pi`);
    const projectsDir = tempDir('lucid-remote-compose-');
    writeFile(join(projectsDir, 'pi-stack.yml'), composeFile({ web: {}, worker: {} }));
    const s = newScenario((n) => [
      { name: 'core', phase: 2, members: [{ name: n('db'), host: 'server' }, { name: n('api'), host: 'pi', depends_on: [n('db')] }] },
      { name: 'stack', phase: 3, host: 'pi', compose: { project, files: ['pi-stack.yml'] } },
    ]);
    const client = useClient(transport, () => ({
      ...s.env,
      HOSTS_CONFIG: new HostsFile(fleet.hosts()).path,
      COMPOSE_PROJECTS_DIR: projectsDir,
      COMPOSE_TIMEOUT: '120',
    }));
    const hostsNow = async () => data(await client.call('hosts.list', {})).hosts as any[];

    before(async () => {
      await waitFor('every host up', 20_000, async () => (await hostsNow()).every((h) => h.state === 'up'));
    });

    it('lists the three hosts up, with engine versions and urls that hold no user or key path', async () => {
      const hosts = await hostsNow();
      assert.deepEqual(hosts.map((h) => [h.name, h.state, h.default]), [['local', 'up', true], ['pi', 'up', false], ['server', 'up', false]]);
      assert.equal(hosts[1].url, `ssh://127.0.0.1:${fleet.sshd.port}`);
      assert.equal(hosts[2].url, `tcp://127.0.0.1:${fleet.server.port}`);
      for (const host of hosts) {
        assert.match(host.engineVersion, /^\d+\.\d+/, host.name);
        assert.match(host.apiVersion, /^1\.\d+$/, host.name);
        assert.equal(typeof host.rttMs, 'number', host.name);
      }
      const text = JSON.stringify(hosts);
      for (const secret of ['root@', fleet.sshd.clientKey, fleet.sshd.knownHosts, fleet.server.client.key, fleet.server.client.cert, fleet.server.client.ca]) {
        assert.equal(text.includes(secret), false, `the answer holds ${secret}`);
      }
    });

    it('inspects, stops, starts and restarts on the host named, and on no other', async () => {
      // A container of the same name on every engine: a call reaching the wrong one would show.
      const twins: Record<HostName, Docker.Container> = {
        local: await s.container('twin', { start: true }),
        pi: await s.container('twin', { engine: fleet.pi.docker, start: true }),
        server: await s.container('twin', { engine: fleet.server.engine.docker, start: true }),
      };
      const name = s.name('twin');
      const snapshot = async () => Object.fromEntries(await Promise.all(HOSTS.map(async (h) => [h, `${await stateOf(twins[h])}@${await startedAt(twins[h])}`])));
      for (const host of ['pi', 'server'] as const) {
        const id = twins[host].id;
        const got = data(await client.call('containers.get', { id: name, host }));
        assert.deepEqual([got.id, got.host], [id, host]);
        await eventually(async () => {
          const listed = data(await client.call('containers.list', { host }));
          return listed.containers.some((c: any) => c.id === id && c.host === host) ? true : undefined;
        }, `the twin listed on ${host}`, 5000);

        for (const [op, expected] of [['containers.stop', 'exited'], ['containers.start', 'running'], ['containers.restart', 'running']] as const) {
          const before = await snapshot();
          data(await client.call(op, { id: name, host, ...(op === 'containers.start' ? {} : { timeout: 0 }) }));
          const after = await snapshot();
          assert.equal(await stateOf(twins[host]), expected, `${op} on ${host}`);
          assert.notEqual(after[host], before[host], `${op} changed the twin on ${host}`);
          for (const other of HOSTS.filter((h) => h !== host)) assert.equal(after[other], before[other], `${op} on ${host} left ${other} alone`);
        }
      }
    });

    it('reads logs on pi, tail and follow (a line written after the follow opened arrives), and its stats', async () => {
      const talker = await s.container('talker', { engine: fleet.pi.docker, cmd: ['sh', '-c', 'echo hello-from-pi; exec sleep 3600'], start: true });
      const tail = await eventually(async () => {
        const logs = data(await client.call('containers.logs', { id: talker.id, host: 'pi', tail: 5 }));
        return logs.lines.some((l: any) => l.text === 'hello-from-pi') ? logs : undefined;
      }, 'the first line', 5000);
      assert.equal(tail.id, talker.id);
      assert.equal(refusal(await client.call('containers.logs', { id: talker.id, host: 'local', tail: 5 }), 404), 'CONTAINER_NOT_FOUND');

      const follow = subscribe(client, 'containers.followLogs', { id: talker.id, host: 'pi', tail: 0 });
      await follow.ready;
      const exec = await talker.exec({ Cmd: ['sh', '-c', 'echo written-after-open > /proc/1/fd/1'] });
      await exec.start({ Detach: true });
      await waitFor('the line written after the follow opened', 10_000, () => follow.events.some((l) => l.text === 'written-after-open'));
      assert.equal(follow.events.some((l) => l.text === 'hello-from-pi'), false, 'tail 0: no earlier line');
      follow.close();
      assert.equal((await follow.ended).error, undefined);

      const stats = data(await client.call('containers.stats', { id: talker.id, host: 'pi' }));
      assert.deepEqual([stats.id, stats.host], [talker.id, 'pi']);
      assert.ok(stats.memoryUsageBytes > 0 && stats.pids >= 1, JSON.stringify(stats));
      const batch = data(await client.call('stats.list', { host: 'pi' }));
      assert.ok(batch.stats.some((x: any) => x.id === talker.id && x.host === 'pi'));
      assert.ok(batch.stats.every((x: any) => x.host === 'pi'));
    });

    it('streams container events of pi alone, and of every host with host=*, changes made behind its back included', async () => {
      const onPi = subscribe(client, 'containers.onEvent', { host: 'pi' });
      const onAll = subscribe(client, 'containers.onEvent', { host: '*' });
      try {
        await Promise.all([onPi.ready, onAll.ready]);
        const onServer = await s.container('ev-server', { engine: fleet.server.engine.docker, start: true });
        // Started with the pi engine's own client: the manager learns of it from pi's events.
        const behind = await s.container('ev-pi', { engine: fleet.pi.docker, start: true });
        const startOf = (events: any[], id: string) => events.find((e) => e.type === 'container' && e.id === id && e.action === 'start');
        await waitFor('the starts as events', 10_000, () => startOf(onPi.events, behind.id) && startOf(onAll.events, behind.id) && startOf(onAll.events, onServer.id));
        const piStart = startOf(onPi.events, behind.id);
        assert.deepEqual([piStart.host, piStart.container.host, piStart.container.state], ['pi', 'pi', 'running']);
        assert.equal(startOf(onAll.events, behind.id).host, 'pi');
        assert.equal(startOf(onAll.events, onServer.id).host, 'server');
        assert.deepEqual(onPi.events.filter((e) => e.type === 'container' && e.host !== 'pi'), [], 'a pi subscription sees pi only');
      } finally {
        onPi.close();
        onAll.close();
      }
      await Promise.all([onPi.ended, onAll.ended]);
    });

    it('lists every host with host=*, each container with its host', async () => {
      const placed = { local: await s.container('all'), pi: await s.container('all', { engine: fleet.pi.docker }), server: await s.container('all', { engine: fleet.server.engine.docker }) };
      const all = await eventually(async () => {
        const answer = data(await client.call('containers.list', { host: '*' }));
        return HOSTS.every((h) => answer.containers.some((c: any) => c.id === placed[h].id)) ? answer : undefined;
      }, 'the three listed', 5000);
      assert.deepEqual(all.hosts.map((h: any) => [h.name, h.state]), [['local', 'up'], ['pi', 'up'], ['server', 'up']]);
      for (const host of HOSTS) assert.equal(all.containers.find((c: any) => c.id === placed[host].id).host, host);
      assert.equal(all.total, all.containers.length);
    });

    it('starts a group spanning server and pi in dependency order, and stops it in reverse', async () => {
      const db = await s.container('db', { engine: fleet.server.engine.docker });
      const api = await s.container('api', { engine: fleet.pi.docker });
      const started = data(await client.call('services.start', { group: 'core' }));
      assert.equal(started.ok, true, JSON.stringify(started.results));
      assert.deepEqual(started.results.map((r: any) => [r.service, r.host]), [[s.name('db'), 'server'], [s.name('api'), 'pi']]);
      assert.deepEqual([await stateOf(db), await stateOf(api)], ['running', 'running']);
      assert.ok((await startedAt(db)) < (await startedAt(api)), 'the database on server started before the API on pi');
      const stopped = data(await client.call('services.stop', { group: 'core' }));
      assert.equal(stopped.ok, true, JSON.stringify(stopped.results));
      assert.deepEqual([await stateOf(db), await stateOf(api)], ['exited', 'exited']);
      assert.ok((await finishedAt(api)) < (await finishedAt(db)), 'the API on pi stopped before the database on server');
    });

    it('runs compose up and down on pi, through the manager’s SSH connection', async () => {
      const projects = data(await client.call('compose.projects', {}));
      const listed = projects.projects.find((p: any) => p.name === project);
      assert.deepEqual([listed?.group, listed?.host, listed?.state], ['stack', 'pi', 'absent']);
      const up = data(await client.call('compose.up', { project }));
      assert.equal(up.ok, true, up.output?.join('\n'));
      assert.deepEqual(await projectContainers(fleet.pi.docker, project), ['web:running', 'worker:running']);
      assert.deepEqual(await projectContainers(fleet.server.engine.docker, project), []);
      assert.deepEqual(await projectContainers(sharedDocker, project), [], 'nothing on the shared engine');
      assert.equal(data(await client.call('compose.status', { project })).state, 'running');
      const down = data(await client.call('compose.down', { project, timeout: 0 }));
      assert.equal(down.ok, true, down.output?.join('\n'));
      assert.deepEqual(await projectContainers(fleet.pi.docker, project), []);
    });

    it("keeps to server's access: a developer reads there but may not stop, and the refusal is audited with the host", async () => {
      const guarded = await s.container('guarded', { engine: fleet.server.engine.docker, start: true });
      assert.equal(data(await client.call('containers.get', { id: guarded.id, host: 'server' }, 'developer')).id, guarded.id);
      assert.equal(refusal(await client.call('containers.stop', { id: guarded.id, host: 'server', timeout: 0 }, 'developer'), 403), 'FORBIDDEN');
      assert.equal(await stateOf(guarded), 'running', 'nothing changed');
      const trail = data(await client.call('audit.list', { limit: 50 }));
      const line = trail.entries.find((e: any) => e.operation === 'containers.stop' && e.result === 'denied' && e.target === guarded.id);
      assert.equal(line?.host, 'server', JSON.stringify(line));
    });

    it('lets a token whose hosts claim names pi reach pi only', async () => {
      const config = loadConfig({ JWT_SECRET_KEY: TEST_SECRET });
      const token = await mintToken({ secret: TEST_SECRET, sub: 'test-pi-only', role: 'admin', ttlSeconds: 600, audience: config.JWT_AUDIENCE, issuer: config.JWT_ISSUER, hosts: ['pi'] });
      const call = await callerWith(client, token);
      const onPi = await s.container('claimed', { engine: fleet.pi.docker, start: true });
      const onServer = await s.container('claimed', { engine: fleet.server.engine.docker, start: true });
      assert.ok(data(await call('GET', '/api/v1/containers?host=pi')).containers.every((c: any) => c.host === 'pi'));
      for (const path of ['/api/v1/containers?host=server', '/api/v1/containers?host=local', '/api/v1/containers']) {
        assert.equal(refusal(await call('GET', path), 403), 'FORBIDDEN', path);
      }
      const all = data(await call('GET', '/api/v1/containers?host=*'));
      assert.deepEqual(all.hosts.map((h: any) => h.name), ['pi']);
      assert.deepEqual(data(await call('GET', '/api/v1/hosts')).hosts.map((h: any) => h.name), ['pi']);
      assert.equal(refusal(await call('POST', `/api/v1/containers/${s.name('claimed')}/stop?host=server`, { timeout: 0 }), 403), 'FORBIDDEN');
      assert.equal(await stateOf(onServer), 'running');
      data(await call('POST', `/api/v1/containers/${s.name('claimed')}/stop?host=pi`, { timeout: 0 }));
      assert.equal(await stateOf(onPi), 'exited');
    });
  });
}
