import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { mintToken } from '../../src/main/auth/tokens.js';
import { docker, removeRunContainers, requireEngine, RUN_ID, sleeper, stateOf, TEST_LABEL } from '../support/engine.js';
import { TEST_SECRET } from '../support/server.js';

const run = promisify(execFile);
const SOCKET = '/var/run/docker.sock';
const IMAGE = `lucid-manager-smoke:${RUN_ID.slice(0, 12)}`;
const ASSEMBLE = new URL('../../scripts/assemble-local-image.sh', import.meta.url).pathname;
const HEALTHCHECK = ['/nodejs/bin/node', '/app/dist/main/healthcheck.js'];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, seconds: number): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
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
        Binds: [`${SOCKET}:${SOCKET}`],
      },
    });
    await manager.start();
    await until('the manager to answer', async () => (await fetch(`${base}/openapi.json`)).status === 200 || undefined, 60);
    token = await mintToken({ secret: TEST_SECRET, sub: 'smoke-admin', role: 'admin', ttlSeconds: 600, audience: 'gui-docker-manager' });
  });

  after(async () => {
    await removeRunContainers();
    await docker.getImage(IMAGE).remove({ force: true }).catch(() => undefined);
  });

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
    const started = await api(`/api/v1/containers/${target.id}/start`, { method: 'POST', body: '{}' });
    assert.equal(started.status, 200);
    assert.equal(await stateOf(target), 'running');
    const stopped = await api(`/api/v1/containers/${target.id}/stop`, { method: 'POST', body: '{"timeout":1}' });
    assert.equal(stopped.status, 200);
    assert.equal(((await stopped.json()) as { state: string }).state, 'exited');
    assert.equal(await stateOf(target), 'exited');
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
    const health = await until(
      'Docker to mark the manager healthy',
      async () => {
        const status = (await manager.inspect()).State.Health?.Status;
        return status === 'healthy' || status === 'unhealthy' ? status : undefined;
      },
      60,
    );
    assert.equal(health, 'healthy');
  });
});
