import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { envOf, finalStage, ownedDirectories } from '../../scripts/dockerfile-runtime.js';
import { envSchema } from '../../src/main/config/env.js';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

/** Names the final stage's ENV instructions set (`ENV A=1 B=2`). */
const envKeys = (stage: string[]) => envOf(stage).map(([key]) => key);

describe('Dockerfile.gui-docker-manager', () => {
  const dockerfile = read('Dockerfile.gui-docker-manager');
  const stage = finalStage(dockerfile);
  const find = (prefix: string) => stage.filter((l) => l.startsWith(prefix));

  it('builds with Node 22 and runs on distroless Node 22 as 65532, pinned by tag', () => {
    assert.match(dockerfile, /^ARG NODE_IMAGE=node:22-[a-z0-9-]+$/m);
    assert.match(dockerfile, /^ARG RUNTIME_IMAGE=gcr\.io\/distroless\/nodejs22-debian12:nonroot$/m);
    assert.match(dockerfile, /^ARG COMPOSE_IMAGE=docker\/compose-bin:v2\.\d+\.\d+$/m);
    assert.doesNotMatch(dockerfile, /:latest\b/);
    assert.deepEqual(find('FROM '), ['FROM ${RUNTIME_IMAGE}']);
    assert.deepEqual(find('USER '), ['USER 65532:65532']);
    assert.deepEqual(find('EXPOSE '), ['EXPOSE 8098']);
    const env = find('ENV ').join(' ');
    for (const setting of ['HOST=0.0.0.0', 'LUCID_ENV=production', 'PORT=8098', 'AUDIT_LOG_PATH=/var/lib/lucid-docker-manager/']) {
      assert.ok(env.includes(setting), setting);
    }
    assert.equal(find('COPY --from=builder --chown=65532:65532 /state /var/lib/lucid-docker-manager').length, 1);
    const auditLogPath = new Map(envOf(stage)).get('AUDIT_LOG_PATH') ?? '';
    assert.deepEqual(
      ownedDirectories(stage),
      [{ owner: find('USER ')[0]?.slice(5), path: dirname(auditLogPath) }],
      'the one directory the runtime user owns is the audit trail’s',
    );
    assert.match(dockerfile, /npm prune --omit=dev/);
    assert.ok(find('COPY --from=compose /docker-compose ').length === 1, 'compose v2 binary copied in');
  });

  it('checks health with Node and starts files the build produces', () => {
    const [healthcheck] = find('HEALTHCHECK ');
    assert.ok(healthcheck);
    const probe = /CMD \["\/nodejs\/bin\/node", "\/app\/(dist\/[^"]+)"\]/.exec(healthcheck);
    assert.ok(probe?.[1], healthcheck);
    const [cmd] = find('CMD ');
    const entry = /^CMD \["\/app\/(dist\/[^"]+)"\]$/.exec(cmd ?? '');
    assert.ok(entry?.[1], cmd);
    for (const file of [probe[1], entry[1]]) {
      assert.ok(existsSync(new URL(file, root)), `${file} exists after npm run build`);
    }
  });

  it('keeps secrets and build output out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['node_modules', 'dist', 'config/env.gui-docker-manager']) assert.ok(ignored.includes(entry), entry);
  });
});

describe('deploy/docker-compose.gui-docker-manager.yml', () => {
  const file = 'deploy/docker-compose.gui-docker-manager.yml';
  const service = parse(read(file)).services['gui-docker-manager'];

  it('runs the service hardened: read-only, no capabilities, no new privileges, non-root', () => {
    assert.equal(service.read_only, true);
    assert.deepEqual(service.tmpfs, ['/tmp']);
    assert.deepEqual(service.cap_drop, ['ALL']);
    assert.equal(service.cap_add, undefined, 'no capability added back');
    assert.deepEqual(service.security_opt, ['no-new-privileges:true']);
    assert.equal(service.user, '65532:65532');
    assert.equal(service.group_add.length, 1);
    assert.ok(service.volumes.includes('/var/run/docker.sock:/var/run/docker.sock'));
    assert.ok(service.volumes.includes('audit:/var/lib/lucid-docker-manager'), 'the audit trail survives the container');
    assert.equal(service.restart, 'unless-stopped');
    assert.deepEqual(service.env_file, ['../config/env.gui-docker-manager']);
    assert.deepEqual(service.healthcheck.test, ['CMD', '/nodejs/bin/node', '/app/dist/main/healthcheck.js']);
    assert.deepEqual(service.ports, ['127.0.0.1:8098:8098'], 'published on loopback only by default');
    const stopSeconds = Number(/^(\d+)s$/.exec(service.stop_grace_period)?.[1]);
    const graceMs = envSchema.shape.SHUTDOWN_GRACE_MS.parse(undefined);
    assert.ok(stopSeconds * 1000 >= graceMs + 5000, 'Docker waits for the grace period and the audit trail to close');
  });

  it('is accepted by the compose CLI, and refuses to start without the socket group', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lucid-compose-config-'));
    try {
      await mkdir(join(dir, 'deploy'));
      await mkdir(join(dir, 'config'));
      await cp(new URL(file, root), join(dir, file));
      await writeFile(join(dir, 'config/env.gui-docker-manager'), read('config/env.gui-docker-manager.template'));
      const args = ['-f', join(dir, file), 'config'];
      const { stdout } = await run('docker-compose', args, { env: { ...process.env, DOCKER_GID: '4242' } });
      const resolved = parse(stdout).services['gui-docker-manager'];
      assert.deepEqual(resolved.group_add.map(String), ['4242']);
      const imageEnv = envKeys(finalStage(read('Dockerfile.gui-docker-manager')));
      for (const key of ['HOST', 'LUCID_ENV', 'AUDIT_LOG_PATH', 'COMPOSE_BIN']) assert.ok(imageEnv.includes(key), key);
      const fromEnvFile = Object.keys(resolved.environment ?? {});
      assert.deepEqual(
        fromEnvFile.filter((key) => imageEnv.includes(key)),
        [],
        'the env file as copied from the template overrides none of the image ENV',
      );
      assert.deepEqual(fromEnvFile, ['JWT_SECRET_KEY']);
      const { DOCKER_GID: _unset, ...withoutGid } = process.env;
      await assert.rejects(run('docker-compose', args, { env: withoutGid }), /DOCKER_GID/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
