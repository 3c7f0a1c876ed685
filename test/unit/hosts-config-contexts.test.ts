import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadHostsConfig } from '../../src/main/config/hosts-config.js';
import { tempDir } from '../support/temp.js';

/** A docker config folder laid out as the docker CLI writes it: contexts/meta/<sha256 of the name>/meta.json. */
function dockerConfig() {
  const root = tempDir('lucid-contexts-');
  const home = join(root, 'home');
  const configDir = join(home, '.docker');
  mkdirSync(join(home, '.ssh'), { recursive: true });
  writeFileSync(join(home, '.ssh', 'known_hosts'), '');
  const addContext = (name: string, host: string, options: { skipTlsVerify?: boolean; tls?: boolean; keyMode?: number } = {}) => {
    const id = createHash('sha256').update(name).digest('hex');
    mkdirSync(join(configDir, 'contexts', 'meta', id), { recursive: true });
    const meta = { Name: name, Metadata: { Description: '' }, Endpoints: { docker: { Host: host, SkipTLSVerify: options.skipTlsVerify ?? false } } };
    writeFileSync(join(configDir, 'contexts', 'meta', id, 'meta.json'), JSON.stringify(meta));
    const tlsDir = join(configDir, 'contexts', 'tls', id, 'docker');
    if (options.tls) {
      mkdirSync(tlsDir, { recursive: true });
      for (const file of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(tlsDir, file), 'x');
      chmodSync(join(tlsDir, 'key.pem'), options.keyMode ?? 0o600);
    }
    return tlsDir;
  };
  const hostsFile = (text: string) => {
    const path = join(root, 'hosts.yml');
    writeFileSync(path, text);
    return path;
  };
  const context = { homeDir: home, userName: 'op', agentSocket: '/tmp/agent.sock', dockerConfigDir: configDir };
  return { addContext, hostsFile, context, configDir };
}

describe('docker contexts in a hosts file', () => {
  it('adds every docker context as a host after the listed ones, reached as the docker CLI would', () => {
    const d = dockerConfig();
    d.addContext('Pi.Local', 'ssh://lucid@pi.local');
    const tlsDir = d.addContext('server', 'tcp://server.lan:2376', { tls: true });
    d.addContext('desktop-linux', 'unix:///home/op/.docker/desktop/docker.sock');
    const config = loadHostsConfig(d.hostsFile('dockerContexts: true\nhosts:\n  - {name: here, url: "unix:///var/run/docker.sock"}\n'), d.context);
    assert.equal(config.defaultHost, 'here');
    const byName = Object.fromEntries(config.hosts.map((h) => [h.name, h]));
    assert.deepEqual(Object.keys(byName).sort(), ['desktop-linux', 'here', 'pi-local', 'server']);
    assert.deepEqual(byName['pi-local']?.endpoint, {
      kind: 'ssh', user: 'lucid', host: 'pi.local', port: 22, socketPath: '/var/run/docker.sock',
      knownHostsFile: join(d.context.homeDir, '.ssh', 'known_hosts'), agentSocket: '/tmp/agent.sock',
    });
    assert.deepEqual(byName['server']?.endpoint, {
      kind: 'tcp', host: 'server.lan', port: 2376,
      tls: { ca: join(tlsDir, 'ca.pem'), cert: join(tlsDir, 'cert.pem'), key: join(tlsDir, 'key.pem') },
    });
    assert.equal(byName['desktop-linux']?.url, 'unix:///home/op/.docker/desktop/docker.sock');
  });

  it('may be the only source of hosts, and needs one', () => {
    const d = dockerConfig();
    const file = d.hostsFile('dockerContexts: true\n');
    assert.throws(() => loadHostsConfig(file, d.context), new RegExp(`hosts: must list at least one host \\(no docker context in ${d.configDir}\\)`));
    d.addContext('pi', 'ssh://pi');
    assert.equal(loadHostsConfig(file, d.context).defaultHost, 'pi');
  });

  it('refuses a context whose name clashes, that skips TLS verification, or whose key is open to others', () => {
    const d = dockerConfig();
    d.addContext('pi', 'ssh://pi');
    const file = d.hostsFile('dockerContexts: true\nhosts:\n  - {name: pi, url: "unix:///x.sock"}\n');
    assert.throws(() => loadHostsConfig(file, d.context), /dockerContexts: docker context "pi" clashes with host "pi"/);
    const e = dockerConfig();
    e.addContext('lax', 'tcp://lax:2376', { skipTlsVerify: true });
    e.addContext('open', 'tcp://open:2376', { tls: true, keyMode: 0o644 });
    assert.throws(() => loadHostsConfig(e.hostsFile('dockerContexts: true\n'), e.context), (err: Error) => {
      assert.match(err.message, /dockerContexts: .*meta\.json: docker context "lax" skips TLS verification/);
      assert.match(err.message, /dockerContexts: .*meta\.json: docker context "open": .*key\.pem is open to group or others/);
      return true;
    });
  });
});
