import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { loadConfig } from '../../src/main/config/env.js';
import { createManager, type Manager } from '../../src/main/create-manager.js';
import { createLogger } from '../../src/main/system/logging.js';
import { TRANSPORTS, useClient, type OperationClient, type Outcome } from '../support/clients.js';
import { stateOf } from '../support/engine.js';
import { eventually, waitFor } from '../support/eventually.js';
import { HostsFile, type HostEntry } from '../support/hosts-file.js';
import type { IpcHarness } from '../support/ipc.js';
import { useRemoteFleet } from '../support/remote-fleet.js';
import { newScenario } from '../support/scenario.js';
import { TEST_DEFAULTS, TEST_SECRET, type TestServer } from '../support/server.js';
import { runServer } from '../support/spawned-server.js';
import { makeKey } from '../support/sshd.js';
import { subscribe } from '../support/subscription.js';
import { tempDir } from '../support/temp.js';

function data(outcome: Outcome): any {
  assert.equal(outcome.ok, true, outcome.ok ? '' : `${outcome.code}: ${outcome.message}`);
  return (outcome as { data: unknown }).data;
}

function refusal(outcome: Outcome, status: number): { code: string; message: string } {
  assert.equal(outcome.ok, false, 'the call was refused');
  if (outcome.status !== undefined) assert.equal(outcome.status, status);
  return outcome as { code: string; message: string };
}

function managerOf(client: OperationClient): Manager {
  const opened = client as OperationClient & { server?: TestServer; harness?: IpcHarness };
  return (opened.server?.manager ?? opened.harness?.manager) as Manager;
}

/** Established TCP connections from this process's network namespace to `port` on loopback. */
function connectionsTo(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => {
      const [, , remote, state] = line.trim().split(/\s+/);
      return remote === `0100007F:${hexPort}` && state === '01';
    }).length;
}

const fleet = useRemoteFleet();

for (const transport of TRANSPORTS) {
  describe(`remote host faults over ${transport.name}`, () => {
    let hostsFile: HostsFile;
    const s = newScenario(() => [{ name: 'spare', phase: 1 }]);
    const client = useClient(transport, () => {
      hostsFile = new HostsFile(fleet.hosts());
      return { ...s.env, HOSTS_CONFIG: hostsFile.path };
    });
    const hostsNow = async () => data(await client.call('hosts.list', {})).hosts as any[];
    const hostNamed = async (name: string) => (await hostsNow()).find((h) => h.name === name);

    before(async () => {
      await waitFor('every host up', 20_000, async () => (await hostsNow()).every((h) => h.state === 'up'));
    });

    it('carries 50 concurrent requests to pi on its one SSH connection, without an error', async () => {
      const talker = await s.container('talker', { engine: fleet.pi.docker, cmd: ['sh', '-c', 'echo concurrent-line; exec sleep 3600'], start: true });
      await eventually(async () => (await client.call('containers.logs', { id: talker.id, host: 'pi', tail: 1 })).ok || undefined, 'the talker known', 5000);
      const link = managerOf(client).hosts.resolve('pi').connection;
      const accepted = fleet.sshd.connections();
      const opened = link.transport()?.connectionsOpened;
      // Lists answer from pi's snapshot; each log read is a request over a channel of the connection.
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          i % 2 === 0 ? client.call('containers.list', { host: 'pi' }) : client.call('containers.logs', { id: talker.id, host: 'pi', tail: 1 }),
        ),
      );
      assert.deepEqual(outcomes.filter((o) => !o.ok), []);
      for (const [i, outcome] of outcomes.entries()) {
        const answer = data(outcome);
        if (i % 2 === 0) assert.ok(answer.containers.some((c: any) => c.id === talker.id && c.host === 'pi'));
        else assert.deepEqual(answer.lines.map((l: any) => l.text), ['concurrent-line']);
      }
      assert.equal(fleet.sshd.connections() - accepted, 0, 'sshd accepted no connection during the burst');
      assert.equal(link.transport()?.connectionsOpened, opened, 'the manager opened none');
      assert.equal(connectionsTo(fleet.sshd.port), 1, 'one SSH connection is open to sshd');
      console.log(`# ${transport.name}: 50 concurrent requests to pi, ${fleet.sshd.connections() - accepted} new SSH connections, ${connectionsTo(fleet.sshd.port)} open`);
    });

    it('keeps hosts with an unknown or changed host key, a wrong CA or an untrusted certificate down, naming why, and reaching nothing', async () => {
      const dir = tempDir('lucid-remote-faults-');
      const emptyKnownHosts = join(dir, 'known_hosts_empty');
      writeFileSync(emptyKnownHosts, '');
      makeKey(join(dir, 'impostor'));
      const [type, key] = readFileSync(join(dir, 'impostor.pub'), 'utf8').split(' ');
      const changedKnownHosts = join(dir, 'known_hosts_changed');
      writeFileSync(changedKnownHosts, `[127.0.0.1]:${fleet.sshd.port} ${type} ${key}\n`);
      const good = fleet.hosts();
      const [, pi, server] = good as [HostEntry, HostEntry, HostEntry];
      const faults: [string, HostEntry, RegExp][] = [
        ['pi-unknown', { name: 'pi-unknown', url: pi.url, ssh: { ...pi.ssh, knownHostsFile: emptyKnownHosts } }, new RegExp(`is not in ${basename(emptyKnownHosts)}`)],
        ['pi-changed', { name: 'pi-changed', url: pi.url, ssh: { ...pi.ssh, knownHostsFile: changedKnownHosts } }, /does not match the key listed for it/],
        ['server-wrong-ca', { name: 'server-wrong-ca', url: server.url, tls: { ...server.tls, ca: fleet.server.otherCa } }, new RegExp(`is not signed by the CA in ${basename(fleet.server.otherCa)} `)],
        ['server-untrusted', { name: 'server-untrusted', url: server.url, tls: { ca: fleet.server.client.ca, ...fleet.server.untrustedClient } }, /refused the TLS handshake/],
      ];
      const onPi = await s.container('kept', { engine: fleet.pi.docker });
      const onServer = await s.container('kept', { engine: fleet.server.engine.docker });
      const authentications = fleet.sshd.authentications();
      hostsFile.write([...good, ...faults.map(([, entry]) => entry)]);
      try {
        const hosts = await eventually(async () => {
          const now = await hostsNow();
          return faults.every(([name]) => now.some((h) => h.name === name && h.state === 'down')) ? now : undefined;
        }, 'the four hosts down', 15_000, 100);
        for (const [name, , why] of faults) {
          const reason: string = hosts.find((h) => h.name === name).reason;
          assert.match(reason, why, name);
          if (name.startsWith('pi-')) assert.ok(reason.includes(fleet.sshd.hostFingerprint()), `${name} names the fingerprint presented: ${reason}`);
          const target = name.startsWith('pi-') ? onPi : onServer;
          const refused = refusal(await client.call('containers.start', { id: target.id, host: name }), 503);
          assert.equal(refused.code, 'DOCKER_UNAVAILABLE', name);
          assert.match(refused.message, new RegExp(`host ${name}`));
        }
        assert.equal(await stateOf(onPi), 'created', 'no start reached the pi engine');
        assert.equal(await stateOf(onServer), 'created', 'no start reached the server engine');
        assert.equal(fleet.sshd.authentications(), authentications, 'sshd saw no sign-in: an unverified server gets no key offered');
        assert.deepEqual(hosts.filter((h) => ['local', 'pi', 'server'].includes(h.name)).map((h) => h.state), ['up', 'up', 'up']);
      } finally {
        hostsFile.write(good);
      }
      await waitFor('the faulty hosts removed', 10_000, async () => (await hostsNow()).map((h) => h.name).join() === 'local,pi,server');
    });

    it('ends a log followed on pi with an error when sshd dies; pi is down, then up again once sshd returns, the others answer throughout', async () => {
      const follower = await s.container('followed', { engine: fleet.pi.docker, start: true });
      const follow = subscribe(client, 'containers.followLogs', { id: follower.id, host: 'pi', tail: 0 });
      await follow.ready;
      let killed = false;
      try {
        await fleet.sshd.kill();
        killed = true;
        const toDown = await waitFor('pi down', 5000, async () => (await hostNamed('pi')).state === 'down', 50);
        const end = await follow.ended;
        const error = end.error ?? (end.data as any)?.error;
        assert.equal(error?.code, 'DOCKER_UNAVAILABLE', JSON.stringify(end));
        assert.match(error?.message ?? '', /host pi: /, 'the end names the host whose engine went away');
        if (transport.name === 'rest') assert.equal((end.data as any).reason, 'error');
        assert.match((await hostNamed('pi')).reason, new RegExp(`^SSH connection to \\[127\\.0\\.0\\.1\\]:${fleet.sshd.port} `));

        const refused = refusal(await client.call('containers.list', { host: 'pi' }), 503);
        assert.deepEqual([refused.code, /host pi/.test(refused.message)], ['DOCKER_UNAVAILABLE', true]);
        for (const host of ['local', 'server']) data(await client.call('containers.list', { host }));
        assert.deepEqual((await hostsNow()).map((h) => [h.name, h.state]), [['local', 'up'], ['pi', 'down'], ['server', 'up']]);

        await fleet.sshd.startDaemon();
        killed = false;
        const toUp = await waitFor('pi up again', 5000, async () => (await hostNamed('pi')).state === 'up', 50);
        console.log(`# ${transport.name}: pi down ${toDown} ms after sshd was killed, up ${toUp} ms after sshd listened again`);
      } finally {
        if (killed) await fleet.sshd.startDaemon();
      }
      data(await client.call('containers.stop', { id: follower.id, host: 'pi', timeout: 0 }));
      assert.equal(await stateOf(follower), 'exited', 'pi is controlled again without a restart of the manager');
    });
  });
}

/** Creates a manager on `hostsFile` as HOSTS_CONFIG; one that starts is closed before failing. */
async function startupError(hostsFile: string): Promise<string> {
  const config = loadConfig({ JWT_SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'error', ...TEST_DEFAULTS(), HOSTS_CONFIG: hostsFile });
  let manager: Manager | undefined;
  try {
    manager = await createManager(config, createLogger('error'));
  } catch (err) {
    return (err as Error).message;
  }
  await manager.close();
  throw new Error('the manager started');
}

describe('bad hosts files at startup', () => {
  const dir = tempDir('lucid-bad-hosts-');
  const local = { name: 'local', url: 'unix:///var/run/docker.sock' };
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, '');
  const openKey = join(dir, 'open_key');
  makeKey(openKey);
  chmodSync(openKey, 0o644);
  const ca = join(dir, 'ca.pem');
  const clientKey = join(dir, 'key.pem');
  writeFileSync(ca, 'not checked before the cert');
  copyFileSync(join(dir, 'open_key'), clientKey);
  chmodSync(clientKey, 0o600);
  const file = (hosts: unknown[]) => new HostsFile(hosts as HostEntry[]).path;

  const cases: [string, unknown[], (path: string) => RegExp][] = [
    ['duplicate names', [local, { ...local, url: 'unix:///run/other.sock' }], () => /hosts\.1\.name: duplicate host "local"/],
    ['an unknown scheme', [{ name: 'pi', url: 'http://pi.local:2375' }], () => /hosts\.0\.url: unknown scheme "http:\/\/"/],
    ['two defaults', [{ ...local, default: true }, { name: 'second', url: 'unix:///run/other.sock', default: true }], () => /hosts\.1\.default: host "local" is already the default/],
    [
      'a missing client certificate',
      [local, { name: 'server', url: 'tcp://127.0.0.1:2376', tls: { ca, cert: join(dir, 'no-such-cert.pem'), key: clientKey } }],
      () => new RegExp(`hosts\\.1\\.tls\\.cert: ${join(dir, 'no-such-cert.pem')} does not exist`),
    ],
  ];
  for (const [what, hosts, expected] of cases) {
    it(`refuses to create the manager with ${what}, naming the file, the path inside it and the problem`, async () => {
      const path = file(hosts);
      const message = await startupError(path);
      assert.ok(message.startsWith(`${path}: `), message);
      assert.match(message, expected(path));
    });
  }

  it('stops the server process on an identity file open to others, naming the file, the path inside it and the problem', async () => {
    const path = file([local, { name: 'pi', url: 'ssh://lucid@127.0.0.1:2222', ssh: { identityFile: openKey, knownHostsFile: knownHosts } }]);
    const { code, output } = await runServer({ HOSTS_CONFIG: path });
    assert.notEqual(code, 0, output);
    assert.notEqual(code, null, 'the process ended by itself');
    assert.ok(output.includes(`${path}: hosts.1.ssh.identityFile: ${openKey} is open to group or others (mode 644)`), output);
  });
});
