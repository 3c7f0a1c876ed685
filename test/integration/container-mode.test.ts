import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { envOf, finalStage } from '../../scripts/dockerfile-runtime.js';
import { mintToken } from '../../src/main/auth/tokens.js';
import { eventually } from '../support/eventually.js';
import { docker, removeRunContainers, requireEngine, RUN_ID, sleeper, stateOf, TEST_LABEL } from '../support/engine.js';
import { TEST_SECRET } from '../support/server.js';

const run = promisify(execFile);
const SOCKET = '/var/run/docker.sock';
const IMAGE = `lucid-manager-smoke:${RUN_ID.slice(0, 12)}`;
const ASSEMBLE = new URL('../../scripts/assemble-local-image.sh', import.meta.url).pathname;
const HEALTHCHECK = ['/nodejs/bin/node', '/app/dist/main/healthcheck.js'];
const STAGE = finalStage(readFileSync(new URL('../../Dockerfile.gui-docker-manager', import.meta.url), 'utf8'));
const IMAGE_ENV = new Map(envOf(STAGE));
const AUDIT_LOG_PATH = IMAGE_ENV.get('AUDIT_LOG_PATH') ?? '';
const AUDIT_VOLUME = `lucid-test-audit-${RUN_ID.slice(0, 12)}`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Runs a command inside the container as `docker exec` does; the exit code is the answer. */
async function execIn(container: Docker.Container, cmd: string[], env: string[] = []): Promise<number> {
  const exec = await container.exec({ Cmd: cmd, Env: env, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  stream.resume();
  await new Promise((resolve) => stream.on('end', resolve));
  const { ExitCode } = await exec.inspect();
  assert.equal(typeof ExitCode, 'number');
  return ExitCode as number;
}

/**
 * The headless build in its container, for real: an image assembled without a registry
 * (scripts/assemble-local-image.sh), run as the compose file runs it — non-root, read-only,
 * no capabilities, no new privileges, the socket's group — managing the shared engine.
 */
describe('container mode: the manager in its hardened container', () => {
  let manager: Docker.Container;
  let base: string;
  let token: string;
  const socketGid = statSync(SOCKET).gid;

  before(async () => {
    await requireEngine();
    assert.ok(AUDIT_LOG_PATH.startsWith('/'), 'the Dockerfile sets AUDIT_LOG_PATH');
    await run('bash', [ASSEMBLE, IMAGE, `${TEST_LABEL}=${RUN_ID}`], {
      env: { ...process.env, LUCID_HEALTH_INTERVAL: '1s' },
      maxBuffer: 16 * 1024 * 1024,
    });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    manager = await docker.createContainer({
      name: `lucid-test-manager-${RUN_ID.slice(0, 8)}`,
      Image: IMAGE,
      Labels: { [TEST_LABEL]: RUN_ID },
      User: '65532:65532',
      // Loopback on the host network: the shared engine runs without a bridge.
      Env: [`PORT=${port}`, 'HOST=127.0.0.1', 'LUCID_ENV=production', `JWT_SECRET_KEY=${TEST_SECRET}`, 'LOG_LEVEL=warn'],
      HostConfig: {
        NetworkMode: 'host',
        ReadonlyRootfs: true,
        Tmpfs: { '/tmp': 'rw,noexec,nosuid,size=16m' },
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        GroupAdd: [String(socketGid)],
        // As the compose file does: a new named volume on the audit directory, which takes the
        // image directory's owner.
        Binds: [`${SOCKET}:${SOCKET}`, `${AUDIT_VOLUME}:${dirname(AUDIT_LOG_PATH)}`],
      },
    });
    await docker.createVolume({ Name: AUDIT_VOLUME, Labels: { [TEST_LABEL]: RUN_ID } });
    await manager.start();
    await eventually(
      async () => ((await fetch(`${base}/openapi.json`).catch(() => undefined))?.status === 200 ? true : undefined),
      'the manager to answer',
      60_000,
      250,
    );
    token = await mintToken({ secret: TEST_SECRET, sub: 'smoke-admin', role: 'admin', ttlSeconds: 600, audience: 'gui-docker-manager' });
  });

  after(async () => {
    await removeRunContainers();
    await docker.getImage(IMAGE).remove({ force: true }).catch(() => undefined);
    await docker.getVolume(AUDIT_VOLUME).remove().catch(() => undefined);
  });

  /** A path as the manager's process sees it (its root and mounts), read from the host. */
  const inside = async (path: string) => `/proc/${(await manager.inspect()).State.Pid}/root${path}`;

  const api = (path: string, init: RequestInit = {}, auth = true) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: { ...(auth ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    });

  it('runs as 65532 with the socket group, read-only, without capabilities', async () => {
    const info = await manager.inspect();
    assert.equal(info.Config.User, '65532:65532');
    assert.equal(info.HostConfig.ReadonlyRootfs, true);
    assert.deepEqual(info.HostConfig.CapDrop, ['ALL']);
    assert.ok(info.HostConfig.SecurityOpt?.includes('no-new-privileges'));
    const status = readFileSync(`/proc/${info.State.Pid}/status`, 'utf8');
    assert.match(status, /^Uid:\s+65532\s+65532\s+65532\s+65532$/m, 'the process runs as 65532');
    assert.match(status, new RegExp(`^Groups:.*\\b${socketGid}\\b`, 'm'), 'with the socket group');
    assert.match(status, /^CapEff:\s+0+$/m, 'with no effective capability');
    assert.match(status, /^NoNewPrivs:\s+1$/m);
  });

  it('carries the runtime settings of Dockerfile.gui-docker-manager', async () => {
    for (const key of ['NODE_ENV', 'LUCID_ENV', 'HOST', 'PORT', 'AUDIT_LOG_PATH']) assert.ok(IMAGE_ENV.has(key), key);
    const { Config } = await docker.getImage(IMAGE).inspect();
    const expected = [...IMAGE_ENV].map(([key, value]) => `${key}=${value}`);
    assert.deepEqual([...(Config.Env ?? [])].sort(), expected.sort(), 'the same ENV, nothing more');
    assert.equal(`USER ${Config.User}`, STAGE.find((line) => line.startsWith('USER ')));
    assert.equal(`WORKDIR ${Config.WorkingDir}`, STAGE.find((line) => line.startsWith('WORKDIR ')));
    assert.deepEqual(Config.Cmd, JSON.parse(STAGE.find((line) => line.startsWith('CMD '))?.slice(4) ?? 'null'));
    const exposed = STAGE.find((line) => line.startsWith('EXPOSE '))?.slice(7);
    assert.deepEqual(Object.keys(Config.ExposedPorts ?? {}), [`${exposed}/tcp`]);
    const probe = /CMD (\[.*\])$/.exec(STAGE.find((line) => line.startsWith('HEALTHCHECK ')) ?? '')?.[1];
    assert.deepEqual((Config as { Healthcheck?: { Test?: string[] } }).Healthcheck?.Test, ['CMD', ...JSON.parse(probe ?? 'null')]);
  });

  it('gets HOME from the image user database, as distroless nonroot does', async () => {
    const { State } = await manager.inspect();
    const environ = readFileSync(`/proc/${State.Pid}/environ`, 'utf8').split('\0');
    assert.ok(environ.includes('HOME=/home/nonroot'), environ.filter((v) => v.startsWith('HOME=')).join());
    const home = statSync(await inside('/home/nonroot'));
    assert.deepEqual([home.uid, home.gid, home.mode & 0o777], [65532, 65532, 0o700]);
  });

  it('answers /health', async () => {
    const res = await api('/health', {}, false);
    assert.equal(res.status, 200);
  });

  it('lists containers for a token holder only, its own container included', async () => {
    const anonymous = await api('/api/v1/containers', {}, false);
    assert.equal(anonymous.status, 401);
    const res = await api('/api/v1/containers');
    assert.equal(res.status, 200);
    const body = (await res.json()) as { containers: { id: string; state: string }[]; total: number };
    const self = body.containers.find((c) => c.id === manager.id);
    assert.equal(self?.state, 'running', 'the manager sees itself through the mounted socket');
  });

  it('starts and stops a test container from inside; the engine agrees', async () => {
    const target = await sleeper({}, false);
    const started = await api(`/api/v1/containers/${target.id}/start`, { method: 'POST' });
    assert.equal(started.status, 200);
    assert.equal(await stateOf(target), 'running');
    const stopped = await api(`/api/v1/containers/${target.id}/stop`, { method: 'POST', body: '{"timeout":1}' });
    assert.equal(stopped.status, 200);
    assert.equal(((await stopped.json()) as { state: string }).state, 'exited');
    assert.equal(await stateOf(target), 'exited');
  });

  it('writes its audit trail to AUDIT_LOG_PATH on the volume, in a directory of 65532, read-only root', async () => {
    const dir = statSync(await inside(dirname(AUDIT_LOG_PATH)));
    assert.deepEqual([dir.uid, dir.gid], [65532, 65532], 'the volume took the image directory’s owner');
    assert.equal(dir.mode & 0o022, 0, 'nobody else may write it');
    const text = readFileSync(await inside(AUDIT_LOG_PATH), 'utf8');
    const lines = text.trimEnd().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(
      lines.filter((e) => e.sub === 'smoke-admin').map((e) => [e.operation, e.result]),
      [
        ['containers.start', 'started'],
        ['containers.start', 'ok'],
        ['containers.stop', 'started'],
        ['containers.stop', 'ok'],
      ],
    );
    assert.equal(statSync(await inside(AUDIT_LOG_PATH)).uid, 65532);
    const listed = (await (await api('/api/v1/audit?sub=smoke-admin')).json()) as { entries: unknown[] };
    assert.equal(listed.entries.length, 2, 'the API reads the same trail');
    const logs = (await manager.logs({ stdout: true, stderr: true })).toString();
    assert.doesNotMatch(logs, /audit trail/, 'no fallback warning: the configured place was used');
  });

  it('has a healthcheck script that exits 0 when the manager is healthy', async () => {
    assert.equal(await execIn(manager, HEALTHCHECK), 0);
  });

  it('has a healthcheck script that exits 1 when nothing healthy answers', async () => {
    const closed = await freePort();
    assert.equal(await execIn(manager, HEALTHCHECK, [`PORT=${closed}`]), 1, 'nothing listens there');
    assert.equal(await execIn(manager, HEALTHCHECK, ['PORT=not-a-port']), 1, 'a bad setting is unhealthy');
  });

  it('is reported healthy by Docker through the image HEALTHCHECK (no shell involved)', async () => {
    const health = await eventually(
      async () => {
        const status = (await manager.inspect()).State.Health?.Status;
        return status === 'healthy' || status === 'unhealthy' ? status : undefined;
      },
      'Docker to mark the manager healthy',
      60_000,
      250,
    );
    assert.equal(health, 'healthy');
  });
});
