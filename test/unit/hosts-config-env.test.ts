import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/main/config/env.js';
import { loadHosts } from '../../src/main/config/hosts-env.js';
import type { LocalUser } from '../../src/main/config/host-files.js';
import { tempDir } from '../support/temp.js';

function put(path: string, mode = 0o644): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, 'x\n');
  chmodSync(path, mode);
  return path;
}

/** A user whose home holds ~/.ssh/known_hosts, nothing else yet. */
function home(): LocalUser {
  const homeDir = join(tempDir('lucid-hosts-env-'), 'home');
  put(join(homeDir, '.ssh', 'known_hosts'));
  return { homeDir, userName: 'op' };
}

function hosts(env: Record<string, string>, user: LocalUser) {
  return loadHosts(loadConfig(env), user);
}

describe('hosts from the environment', () => {
  it('is one default host, local, from DOCKER_HOST', () => {
    const config = hosts({}, home());
    assert.deepEqual(config, {
      defaultHost: 'local',
      hosts: [{
        name: 'local',
        endpoint: { kind: 'unix', socketPath: '/var/run/docker.sock' },
        url: 'unix:///var/run/docker.sock',
        isDefault: true,
        access: { read: ['user', 'developer', 'admin'], control: ['developer', 'admin'] },
      }],
    });
  });

  it('reaches ssh:// with the agent, as the current user on port 22 unless the URL says otherwise', () => {
    const user = home();
    const agent = { SSH_AUTH_SOCK: '/tmp/agent.sock' };
    assert.deepEqual(hosts({ DOCKER_HOST: 'ssh://pi.local', ...agent }, user).hosts[0]?.endpoint, {
      kind: 'ssh', user: 'op', host: 'pi.local', port: 22, socketPath: '/var/run/docker.sock',
      knownHostsFile: join(user.homeDir, '.ssh', 'known_hosts'), agentSocket: '/tmp/agent.sock',
    });
    const named = hosts({ DOCKER_HOST: 'ssh://lucid@pi.local:2222', ...agent }, user).hosts[0];
    assert.equal(named?.endpoint.kind === 'ssh' && `${named.endpoint.user}@${named.endpoint.port}`, 'lucid@2222');
    assert.equal(named?.url, 'ssh://pi.local:2222');
  });

  it('without an agent, signs with the first of id_ed25519, id_ecdsa, id_rsa that exists', () => {
    const user = home();
    const ssh = join(user.homeDir, '.ssh');
    assert.throws(() => hosts({ DOCKER_HOST: 'ssh://pi' }, user), /DOCKER_HOST: ssh:\/\/ needs SSH_AUTH_SOCK or one of ~\/\.ssh\/id_ed25519, id_ecdsa, id_rsa/);
    put(join(ssh, 'id_rsa'), 0o600);
    const identity = () => {
      const endpoint = hosts({ DOCKER_HOST: 'ssh://pi' }, user).hosts[0]?.endpoint;
      return endpoint?.kind === 'ssh' ? [endpoint.identityFile, endpoint.agentSocket] : undefined;
    };
    assert.deepEqual(identity(), [join(ssh, 'id_rsa'), undefined]);
    put(join(ssh, 'id_ecdsa'), 0o600);
    assert.deepEqual(identity(), [join(ssh, 'id_ecdsa'), undefined]);
    put(join(ssh, 'id_ed25519'), 0o644);
    assert.throws(() => hosts({ DOCKER_HOST: 'ssh://pi' }, user), /id_ed25519 is open to group or others \(mode 644\)/);
  });

  it('refuses ssh:// without ~/.ssh/known_hosts', () => {
    const user = { homeDir: join(tempDir('lucid-hosts-env-'), 'bare'), userName: 'op' };
    assert.throws(() => hosts({ DOCKER_HOST: 'ssh://pi', SSH_AUTH_SOCK: '/tmp/a' }, user), /known_hosts does not exist/);
  });

  it('reads DOCKER_TLS_VERIFY and DOCKER_CERT_PATH as the docker CLI does', () => {
    const user = home();
    const certs = join(tempDir('lucid-certs-'), 'certs');
    const tls = { ca: put(join(certs, 'ca.pem')), cert: put(join(certs, 'cert.pem')), key: put(join(certs, 'key.pem'), 0o600) };
    const endpoint = (env: Record<string, string>) => hosts(env, user).hosts[0]?.endpoint;
    assert.deepEqual(endpoint({ DOCKER_HOST: 'tcp://server.lan', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs }), { kind: 'tcp', host: 'server.lan', port: 2376, tls });
    assert.deepEqual(endpoint({ DOCKER_HOST: 'tcp://server.lan:2375', DOCKER_TLS_VERIFY: 'true', DOCKER_CERT_PATH: certs }), { kind: 'tcp', host: 'server.lan', port: 2375, tls });
    // The CLI enables TLS only on DOCKER_TLS_VERIFY (or DOCKER_TLS); a certificate folder alone changes nothing.
    assert.deepEqual(endpoint({ DOCKER_HOST: 'tcp://server.lan', DOCKER_CERT_PATH: certs }), { kind: 'tcp', host: 'server.lan', port: 2375 });
    // A unix socket has no TLS, whatever the variables say.
    assert.deepEqual(endpoint({ DOCKER_HOST: 'unix:///x.sock', DOCKER_TLS_VERIFY: '1' }), { kind: 'unix', socketPath: '/x.sock' });
    // Without DOCKER_CERT_PATH: DOCKER_CONFIG, else ~/.docker.
    assert.deepEqual(endpoint({ DOCKER_HOST: 'tcp://s', DOCKER_TLS_VERIFY: '1', DOCKER_CONFIG: certs }), { kind: 'tcp', host: 's', port: 2376, tls });
    assert.throws(() => endpoint({ DOCKER_HOST: 'tcp://s', DOCKER_TLS_VERIFY: '1' }), new RegExp(`${join(user.homeDir, '.docker', 'ca.pem')} does not exist`));
    put(join(user.homeDir, '.docker', 'ca.pem'));
    put(join(user.homeDir, '.docker', 'cert.pem'));
    put(join(user.homeDir, '.docker', 'key.pem'), 0o600);
    assert.equal(hosts({ DOCKER_HOST: 'tcp://s', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '~/.docker' }, user).hosts[0]?.url, 'tcp://s:2376');
  });

  it('refuses a TLS folder with a missing file or an open key, naming DOCKER_CERT_PATH', () => {
    const user = home();
    const certs = tempDir('lucid-certs-');
    put(join(certs, 'ca.pem'));
    assert.throws(() => hosts({ DOCKER_HOST: 'tcp://s', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs }, user), /DOCKER_CERT_PATH: .*cert\.pem does not exist/);
    put(join(certs, 'cert.pem'));
    put(join(certs, 'key.pem'), 0o640);
    assert.throws(() => hosts({ DOCKER_HOST: 'tcp://s', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs }, user), /DOCKER_CERT_PATH: .*key\.pem is open to group or others \(mode 640\)/);
  });

  it('refuses bad values with a message naming the variable', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ DOCKER_TLS_VERIFY: '0' }, /DOCKER_TLS_VERIFY: the docker CLI reads any non-empty value as "verify"/],
      [{ DOCKER_TLS_VERIFY: 'False' }, /DOCKER_TLS_VERIFY: /],
      [{ DOCKER_HOST: 'ssh://op:secret@pi' }, /DOCKER_HOST: must not carry a password/],
      [{ DOCKER_HOST: 'ssh://pi/var/run/docker.sock' }, /DOCKER_HOST: must be ssh:\/\/\[USER@\]HOST\[:PORT\], without a path/],
      [{ DOCKER_HOST: 'https://pi' }, /DOCKER_HOST: unknown scheme "https:\/\/"/],
    ];
    for (const [env, pattern] of cases) assert.throws(() => loadConfig(env), pattern, JSON.stringify(env));
    assert.equal(loadConfig({ DOCKER_TLS_VERIFY: '' }).DOCKER_TLS_VERIFY, undefined, 'empty is unset, as for the CLI');
  });

  it('takes the hosts file instead when HOSTS_CONFIG names one, with SSH_AUTH_SOCK as its agent', () => {
    const user = home();
    const file = join(tempDir('lucid-hosts-env-'), 'hosts.yml');
    writeFileSync(file, 'hosts:\n  - {name: pi, url: "ssh://pi"}\n');
    const config = hosts({ HOSTS_CONFIG: file, DOCKER_HOST: 'tcp://ignored', SSH_AUTH_SOCK: '/tmp/agent.sock' }, user);
    assert.deepEqual(config.hosts.map((h) => [h.name, h.endpoint.kind === 'ssh' && h.endpoint.agentSocket]), [['pi', '/tmp/agent.sock']]);
    assert.throws(() => hosts({ HOSTS_CONFIG: file }, user), /host "pi" has no ssh\.identityFile and SSH_AUTH_SOCK is not set/);
  });
});
