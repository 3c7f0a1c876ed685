import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { SshEndpoint } from '../../src/main/docker/endpoint.js';
import type { EngineConnection, LinkState } from '../../src/main/docker/engine-connection.js';
import { isConnectionError } from '../../src/main/docker/errors.js';
import { openEngine } from '../../src/main/docker/open-engine.js';
import { docker as sharedDocker, requireEngine, RUN_ID, TEST_IMAGE, TEST_LABEL } from '../support/engine.js';
import { waitFor } from '../support/eventually.js';
import { captureLogger } from '../support/logger.js';
import { PrivateEngine } from '../support/private-engine.js';
import { makeKey, startAgent, TestSshd } from '../support/sshd.js';
import { tempDir } from '../support/temp.js';

const run = promisify(execFile);

/**
 * A real sshd on loopback in front of a private engine: everything the manager asks goes over
 * SSH, and every effect is checked on that engine directly (and is absent from the shared one).
 */
describe('an engine reached over SSH', () => {
  let engine: PrivateEngine;
  let sshd: TestSshd;
  const opened: EngineConnection[] = [];
  const dir = tempDir('lucid-ssh-test-');

  const endpoint = (over: Partial<SshEndpoint> = {}): SshEndpoint => ({
    kind: 'ssh',
    user: 'root',
    host: '127.0.0.1',
    port: sshd.port,
    socketPath: engine.socket,
    knownHostsFile: sshd.knownHosts,
    identityFile: sshd.clientKey,
    ...over,
  });
  const open = (over: Partial<SshEndpoint> = {}) => {
    const connection = openEngine(endpoint(over), { logger: captureLogger() });
    opened.push(connection);
    return connection;
  };
  const untilLink = (connection: EngineConnection, state: LinkState['state'], ms = 10_000) =>
    waitFor(`link ${state}`, ms, () => connection.link().state === state, 20);
  const reasonOf = (connection: EngineConnection) => {
    const link = connection.link();
    return link.state === 'down' ? link.reason : '';
  };
  const labelled = (cmd: string[]) =>
    engine.docker.createContainer({
      Image: TEST_IMAGE,
      Cmd: cmd,
      Labels: { [TEST_LABEL]: RUN_ID },
      StopSignal: 'SIGKILL',
      HostConfig: { NetworkMode: 'none' },
    });

  before(async () => {
    await requireEngine();
    engine = await PrivateEngine.start();
    await engine.loadTestImage();
    sshd = await TestSshd.start();
  });
  after(async () => {
    await Promise.all(opened.map((connection) => connection.close()));
    await sshd?.stop();
    await engine?.destroy();
  });

  it('lists, inspects, starts and stops a labelled container, the effect on that engine only', async () => {
    const container = await labelled(['sleep', '3600']);
    const connection = open();
    const listed = await connection.docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=${RUN_ID}`] } });
    assert.deepEqual(listed.map((c) => c.Id), [container.id]);
    const remote = connection.docker.getContainer(container.id);
    assert.equal((await remote.inspect()).State.Status, 'created');

    await remote.start();
    assert.equal((await container.inspect()).State.Running, true, 'running on the engine behind sshd');
    await remote.stop({ t: 0 });
    assert.equal((await container.inspect()).State.Running, false);
    await assert.rejects(sharedDocker.getContainer(container.id).inspect(), (err: any) => err.statusCode === 404);
    assert.equal(connection.link().state, 'up');
    await container.remove({ force: true });
  });

  it('follows a log and receives a line written after it opened', async () => {
    const container = await labelled(['sleep', '3600']);
    await container.start();
    const connection = open();
    const stream = (await connection.docker.getContainer(container.id).logs({ follow: true, stdout: true, stderr: true })) as unknown as Readable;
    let seen = '';
    stream.on('data', (chunk: Buffer) => (seen += chunk.toString('latin1')));
    // Written into the container's stdout by an exec, after the follow is open.
    const exec = await container.exec({ Cmd: ['sh', '-c', 'echo written-after-open > /proc/1/fd/1'] });
    await exec.start({ Detach: true });
    await waitFor('the new line over SSH', 10_000, () => seen.includes('written-after-open'));
    stream.destroy();
    await container.remove({ force: true });
  });

  it('carries 50 concurrent requests on exactly one SSH connection, without an error', async () => {
    const container = await labelled(['sleep', '3600']);
    const before = sshd.connections();
    const connection = open();
    const calls = Array.from({ length: 50 }, (_, i) =>
      i % 3 === 0
        ? connection.docker.listContainers({ all: true })
        : i % 3 === 1
          ? connection.docker.getContainer(container.id).inspect()
          : connection.docker.version(),
    );
    const results = await Promise.allSettled(calls);
    assert.deepEqual(results.filter((r) => r.status === 'rejected'), []);
    assert.equal(sshd.connections() - before, 1, 'sshd accepted one connection');
    assert.equal(connection.transport()?.connectionsOpened, 1);
    await waitFor('every channel closed', 5000, () => connection.transport()?.streamsOpen === 0);
    await container.remove({ force: true });
  });

  it('refuses an unknown host key before authentication, naming its fingerprint, and connects once the key is added', async () => {
    const container = await labelled(['sleep', '3600']);
    const knownHosts = join(dir, 'known_hosts_unknown');
    writeFileSync(knownHosts, '');
    const authentications = sshd.authentications();
    const connection = open({ knownHostsFile: knownHosts });
    await untilLink(connection, 'down');
    const reason = reasonOf(connection);
    assert.ok(reason.includes(sshd.hostFingerprint()), reason);
    assert.match(reason, new RegExp(`\\(ssh-ed25519\\) of \\[127\\.0\\.0\\.1\\]:${sshd.port} is not in ${knownHosts}`));
    await assert.rejects(connection.docker.getContainer(container.id).start(), (err) => isConnectionError(err));
    assert.equal((await container.inspect()).State.Running, false, 'the start never reached the engine');
    assert.equal(sshd.authentications(), authentications, 'sshd saw no authentication');

    // The operator checks the fingerprint and adds the key: the next attempt reads it.
    writeFileSync(knownHosts, `${sshd.knownHostsLine()}\n`);
    await untilLink(connection, 'up');
    await connection.docker.getContainer(container.id).start();
    assert.equal((await container.inspect()).State.Running, true);
    await container.remove({ force: true });
  });

  it('refuses a changed host key, naming the fingerprint presented', async () => {
    const impostor = join(dir, 'impostor');
    makeKey(impostor);
    const [type, key] = readFileSync(`${impostor}.pub`, 'utf8').split(' ');
    const knownHosts = join(dir, 'known_hosts_changed');
    writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${type} ${key}\n`);
    const authentications = sshd.authentications();
    const connection = open({ knownHostsFile: knownHosts });
    await untilLink(connection, 'down');
    const reason = reasonOf(connection);
    assert.ok(reason.includes(sshd.hostFingerprint()), reason);
    assert.match(reason, /does not match the key listed for it/);
    await assert.rejects(connection.docker.listContainers(), (err) => isConnectionError(err));
    assert.equal(sshd.authentications(), authentications, 'sshd saw no authentication');
  });

  it('uses an identity whose passphrase is read from a file, and says so when none is given', async () => {
    const connection = open({ identityFile: sshd.passphraseKey, passphraseFile: sshd.passphraseFile });
    assert.equal((await connection.docker.version()).ApiVersion.length > 0, true);
    assert.equal(connection.link().state, 'up');

    const locked = open({ identityFile: sshd.passphraseKey });
    await untilLink(locked, 'down');
    assert.match(reasonOf(locked), /cannot be used: .*no passphrase file is set/);
    assert.doesNotMatch(reasonOf(locked), /correct horse/);
  });

  it('authenticates with the agent at SSH_AUTH_SOCK', async () => {
    const agent = await startAgent(dir, sshd.clientKey);
    try {
      const { identityFile: _, ...withoutIdentity } = endpoint();
      const connection = openEngine({ ...withoutIdentity, agentSocket: agent.socket });
      opened.push(connection);
      const list = await connection.docker.listContainers({ all: true });
      assert.ok(Array.isArray(list));
      assert.equal(connection.link().state, 'up');
    } finally {
      agent.stop();
    }
  });

  it('gives compose-style CLI use a private socket that reaches the engine over the same connection', async () => {
    const container = await labelled(['sleep', '3600']);
    const connection = open();
    await connection.docker.ping();
    const host = await connection.cliDockerHost();
    assert.match(host, /^unix:\/\//);
    const { stdout } = await run('docker', ['-H', host, 'ps', '-a', '-q', '--no-trunc', '--filter', `label=${TEST_LABEL}=${RUN_ID}`]);
    assert.ok(stdout.split('\n').includes(container.id), stdout);
    await run('docker', ['-H', host, 'start', container.id]);
    assert.equal((await container.inspect()).State.Running, true, 'the CLI started it on the engine behind sshd');
    assert.equal(connection.transport()?.connectionsOpened, 1, 'the CLI used the manager’s connection');
    await connection.close();
    assert.equal(existsSync(host.slice('unix://'.length)), false, 'the socket is removed on close');
    await container.remove({ force: true });
  });

  it('falls back to docker system dial-stdio where the server forbids socket forwarding', async () => {
    const strict = await TestSshd.start({ forbidSocketForwarding: true, dockerHost: engine.dockerHost });
    try {
      const container = await labelled(['sleep', '3600']);
      const connection = openEngine({ ...endpoint(), port: strict.port, knownHostsFile: strict.knownHosts, identityFile: strict.clientKey });
      opened.push(connection);
      const listed = await Promise.all(Array.from({ length: 5 }, () => connection.docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=${RUN_ID}`] } })));
      for (const list of listed) assert.ok(list.some((c) => c.Id === container.id));
      assert.equal(connection.transport()?.dialStdio, true);
      assert.equal(strict.connections(), 1);
      await connection.close();
      await container.remove({ force: true });
    } finally {
      await strict.stop();
    }
  });

  it('ends a followed log with an error when sshd dies, is down at once, and up again after sshd returns', async () => {
    const container = await labelled(['sleep', '3600']);
    await container.start();
    const connection = open();
    const stream = (await connection.docker.getContainer(container.id).logs({ follow: true, stdout: true })) as unknown as Readable;
    const states: string[] = [];
    connection.onLink((state) => states.push(state.state));
    const ended = new Promise<Error | undefined>((resolve) => {
      stream.once('error', (err) => resolve(err));
      stream.once('end', () => resolve(undefined));
    });
    stream.resume();

    await sshd.kill();
    const toDown = await waitFor('link down', 5000, () => connection.link().state === 'down', 20);
    const streamError = await ended;
    assert.ok(streamError instanceof Error, 'the stream ended with an error, not a clean end');
    assert.ok(isConnectionError(streamError), String(streamError));
    const failed = await connection.docker.ping().catch((err: unknown) => err);
    assert.ok(isConnectionError(failed), `a request while down fails as a connection error: ${String(failed)}`);

    await sshd.startDaemon();
    const toUp = await waitFor('link up again', 5000, () => connection.link().state === 'up', 20);
    await connection.docker.getContainer(container.id).stop({ t: 0 });
    assert.equal((await container.inspect()).State.Running, false);
    assert.equal(connection.transport()?.connectionsOpened, 2);
    assert.deepEqual(states.slice(0, 1), ['down']);
    assert.equal(states.at(-1), 'up');
    console.log(`# sshd killed: link down after ${toDown} ms; sshd back: link up after ${toUp} ms`);
    await container.remove({ force: true });
  });

  it('notices a server that stops answering by its keepalives, and reconnects when it answers again', async () => {
    const connection = open();
    await connection.docker.ping();
    sshd.freeze();
    try {
      // Keepalives every second, two unanswered: about 3 s here when idle; a loaded machine's timers run late.
      const toDown = await waitFor('link down by keepalives', 20_000, () => connection.link().state === 'down', 20);
      assert.match(reasonOf(connection), /stopped answering keepalives/);
      const failed = await connection.docker.ping().catch((err: unknown) => err);
      assert.ok(isConnectionError(failed), String(failed));
      console.log(`# sshd frozen: link down after ${toDown} ms`);
    } finally {
      sshd.thaw();
    }
    await untilLink(connection, 'up');
    await connection.docker.ping();
  });

  it('leaves nothing that keeps the process alive once closed', async () => {
    const script = `
      import { openEngine } from ${JSON.stringify(join(process.cwd(), 'src/main/docker/open-engine.ts'))};
      const connection = openEngine(${JSON.stringify(endpoint())});
      await connection.docker.ping();
      await connection.cliDockerHost();
      await connection.close();
      console.log('closed');
    `;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 20_000 });
    assert.equal(stdout.trim(), 'closed');
  });
});
