import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { TcpEndpoint, TlsFiles } from '../../src/main/docker/endpoint.js';
import type { EngineConnection, LinkState } from '../../src/main/docker/engine-connection.js';
import { isConnectionError, toLucidError } from '../../src/main/docker/errors.js';
import { openEngine } from '../../src/main/docker/open-engine.js';
import { docker as sharedDocker, requireEngine, RUN_ID, TEST_IMAGE, TEST_LABEL } from '../support/engine.js';
import { waitFor } from '../support/eventually.js';
import { captureLogger } from '../support/logger.js';
import { TlsEngine } from '../support/tls-engine.js';

const run = promisify(execFile);

/** A private dockerd listening with --tlsverify on loopback; effects are checked on its own socket. */
describe('an engine reached over mutual TLS', () => {
  let tls: TlsEngine;
  const opened: EngineConnection[] = [];

  const open = (files: Partial<TlsFiles> = {}) => {
    const endpoint: TcpEndpoint = { kind: 'tcp', host: '127.0.0.1', port: tls.port, tls: { ...tls.client, ...files } };
    const connection = openEngine(endpoint, { logger: captureLogger() });
    opened.push(connection);
    return connection;
  };
  const untilLink = (connection: EngineConnection, state: LinkState['state']) =>
    waitFor(`link ${state}`, 10_000, () => connection.link().state === state, 20);
  const reasonOf = (connection: EngineConnection) => {
    const link = connection.link();
    return link.state === 'down' ? link.reason : '';
  };
  const labelled = () =>
    tls.engine.docker.createContainer({
      Image: TEST_IMAGE,
      Cmd: ['sleep', '3600'],
      Labels: { [TEST_LABEL]: RUN_ID },
      StopSignal: 'SIGKILL',
      HostConfig: { NetworkMode: 'none' },
    });

  before(async () => {
    await requireEngine();
    tls = await TlsEngine.start();
    await tls.engine.loadTestImage();
  });
  after(async () => {
    await Promise.all(opened.map((connection) => connection.close()));
    await tls?.destroy();
  });

  it('lists, starts and stops a labelled container with the right certificates', async () => {
    const container = await labelled();
    const connection = open();
    await untilLink(connection, 'up');
    const listed = await connection.docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=${RUN_ID}`] } });
    assert.deepEqual(listed.map((c) => c.Id), [container.id]);
    await connection.docker.getContainer(container.id).start();
    assert.equal((await container.inspect()).State.Running, true, 'running on the TLS engine');
    await connection.docker.getContainer(container.id).stop({ t: 0 });
    assert.equal((await container.inspect()).State.Running, false);
    await assert.rejects(sharedDocker.getContainer(container.id).inspect(), (err: any) => err.statusCode === 404);
    const before = connection.transport()?.connectionsOpened ?? 0;
    for (let i = 0; i < 20; i += 1) await connection.docker.ping();
    const made = (connection.transport()?.connectionsOpened ?? 0) - before;
    assert.ok(made <= 1, `20 requests one after another made ${made} TLS connections: they are kept alive`);
    await container.remove({ force: true });
  });

  it('is down with the reason when the server is not signed by the CA, and touches nothing', async () => {
    const container = await labelled();
    const connection = open({ ca: tls.otherCa });
    await untilLink(connection, 'down');
    assert.match(reasonOf(connection), new RegExp(`is not signed by the CA in ${tls.otherCa}`));
    const failure = await connection.docker.getContainer(container.id).start().catch((err: unknown) => err);
    assert.ok(isConnectionError(failure), String(failure));
    assert.equal(toLucidError(failure, false).code, 'DOCKER_UNAVAILABLE');
    assert.equal((await container.inspect()).State.Running, false, 'the start never reached the engine');
    await container.remove({ force: true });
  });

  it('is down with the reason when the engine refuses the client certificate, and touches nothing', async () => {
    const container = await labelled();
    const connection = open(tls.untrustedClient);
    await untilLink(connection, 'down');
    assert.match(reasonOf(connection), /refused the TLS handshake .*is the client certificate .*untrusted-client\.pem signed by a CA it trusts/);
    const failure = await connection.docker.getContainer(container.id).start().catch((err: unknown) => err);
    assert.ok(isConnectionError(failure), String(failure));
    assert.equal((await container.inspect()).State.Running, false, 'the start never reached the engine');
    await container.remove({ force: true });
  });

  it('is down with the reason when the client certificate file is missing', async () => {
    const missing = join(tls.engine.dir, 'no-such-cert.pem');
    const connection = open({ cert: missing });
    await untilLink(connection, 'down');
    assert.equal(reasonOf(connection), `cannot read the TLS certificate file ${missing}: no such file`);
    await assert.rejects(connection.docker.listContainers(), (err) => isConnectionError(err));
  });

  it('gives the CLI a private socket that reaches the engine over TLS with the manager’s files', async () => {
    const container = await labelled();
    const connection = open();
    const host = await connection.cliDockerHost();
    const { stdout } = await run('docker', ['-H', host, 'ps', '-a', '-q', '--no-trunc', '--filter', `label=${TEST_LABEL}=${RUN_ID}`]);
    assert.ok(stdout.split('\n').includes(container.id), stdout);
    await container.remove({ force: true });
  });
});
