import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { parseEngineUrl } from '../../src/main/config/engine-url.js';
import { hostsFileSchema, loadHostsConfig, type HostsContext } from '../../src/main/config/hosts-config.js';
import { LucidError } from '../../src/shared/errors.js';
import { tempDir } from '../support/temp.js';

/** A home folder with ~/.ssh/known_hosts and a private key, and a folder for the hosts file beside it. */
function fixture(): { home: string; dir: string; context: HostsContext; write: (text: string) => string; file: (path: string, mode?: number) => string } {
  const root = tempDir('lucid-hosts-');
  const home = join(root, 'home');
  const dir = join(root, 'etc');
  const file = (path: string, mode = 0o644) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, 'x\n');
    chmodSync(path, mode);
    return path;
  };
  file(join(home, '.ssh', 'known_hosts'));
  file(join(home, '.ssh', 'id_ed25519'), 0o600);
  mkdirSync(dir, { recursive: true });
  const write = (text: string) => {
    const path = join(dir, 'hosts.yml');
    writeFileSync(path, text);
    return path;
  };
  return { home, dir, file, write, context: { homeDir: home, userName: 'op', agentSocket: undefined } };
}

/** Asserts the load fails with a VALIDATION_FAILED naming the file and matching each of `patterns`. */
function refuses(path: string, context: HostsContext, ...patterns: RegExp[]): void {
  assert.throws(() => loadHostsConfig(path, context), (err: Error) => {
    assert.ok(err instanceof LucidError && err.code === 'VALIDATION_FAILED', String(err));
    assert.ok(err.message.startsWith(`${path}: `), err.message);
    for (const pattern of patterns) assert.match(err.message, pattern);
    return true;
  });
}

describe('hosts file', () => {
  it('turns the documented example into host specs, with the defaults filled in', () => {
    const f = fixture();
    const tls = { ca: f.file(join(f.dir, 'tls', 'ca.pem')), cert: f.file(join(f.dir, 'tls', 'cert.pem')), key: f.file(join(f.dir, 'tls', 'key.pem'), 0o600) };
    const path = f.write(`hosts:
  - name: desktop
    url: unix:///var/run/docker.sock
  - name: pi
    url: ssh://lucid@pi.local:22
    default: true
    ssh: { identityFile: ~/.ssh/id_ed25519 }
  - name: server
    url: tcp://server.lan
    tls: { ca: tls/ca.pem, cert: ${tls.cert}, key: ./tls/key.pem }
    access: { read: [user, developer, admin], control: [admin] }
`);
    const config = loadHostsConfig(path, f.context);
    assert.equal(config.defaultHost, 'pi');
    assert.deepEqual(config.hosts, [
      {
        name: 'desktop',
        endpoint: { kind: 'unix', socketPath: '/var/run/docker.sock' },
        url: 'unix:///var/run/docker.sock',
        isDefault: false,
        access: { read: ['user', 'developer', 'admin'], control: ['developer', 'admin'] },
      },
      {
        name: 'pi',
        endpoint: {
          kind: 'ssh',
          user: 'lucid',
          host: 'pi.local',
          port: 22,
          socketPath: '/var/run/docker.sock',
          knownHostsFile: join(f.home, '.ssh', 'known_hosts'),
          identityFile: join(f.home, '.ssh', 'id_ed25519'),
        },
        url: 'ssh://pi.local:22',
        isDefault: true,
        access: { read: ['user', 'developer', 'admin'], control: ['developer', 'admin'] },
      },
      {
        name: 'server',
        endpoint: { kind: 'tcp', host: 'server.lan', port: 2376, tls },
        url: 'tcp://server.lan:2376',
        isDefault: false,
        access: { read: ['user', 'developer', 'admin'], control: ['admin'] },
      },
    ]);
  });

  it('makes the first host the default when none says so', () => {
    const f = fixture();
    const config = loadHostsConfig(f.write('hosts:\n  - {name: a, url: "unix:///a.sock"}\n  - {name: b, url: "unix:///b.sock", default: false}\n'), f.context);
    assert.equal(config.defaultHost, 'a');
    assert.deepEqual(config.hosts.map((h) => h.isDefault), [true, false]);
  });

  it('signs an ssh host with the agent when it names no identity, and passes the agent on', () => {
    const f = fixture();
    const path = f.write('hosts:\n  - name: pi\n    url: ssh://pi.local\n    ssh: { socketPath: /run/user/1000/docker.sock, knownHostsFile: known }\n');
    f.file(join(f.dir, 'known'));
    const config = loadHostsConfig(path, { ...f.context, agentSocket: '/tmp/agent.sock' });
    assert.deepEqual(config.hosts[0]?.endpoint, {
      kind: 'ssh',
      user: 'op',
      host: 'pi.local',
      port: 22,
      socketPath: '/run/user/1000/docker.sock',
      knownHostsFile: join(f.dir, 'known'),
      agentSocket: '/tmp/agent.sock',
    });
  });

  it('refuses duplicate names, two defaults, unknown schemes, unknown keys and an empty list', () => {
    const f = fixture();
    const cases: [string, RegExp][] = [
      ['hosts:\n  - {name: a, url: "unix:///a"}\n  - {name: a, url: "unix:///b"}\n', /hosts\.1\.name: duplicate host "a"/],
      ['hosts:\n  - {name: a, url: "unix:///a", default: true}\n  - {name: b, url: "unix:///b", default: true}\n', /hosts\.1\.default: host "a" is already the default/],
      ['hosts:\n  - {name: a, url: "http://a:2375"}\n', /hosts\.0\.url: unknown scheme "http:\/\/"/],
      ['hosts:\n  - {name: a, url: "ssh://op:pw@a"}\n', /hosts\.0\.url: must not carry a password/],
      ['hosts:\n  - {name: a, url: "unix:///a", colour: red}\n', /hosts\.0: Unrecognized key: "colour"/],
      ['hosts:\n  - {name: a, url: "unix:///a", ssh: {identityFile: x, port: 22}}\n', /hosts\.0\.ssh: Unrecognized key: "port"/],
      ['hosts:\n  - {name: Pi, url: "unix:///a"}\n', /hosts\.0\.name: must be a host name/],
      ['hosts:\n  - {name: a, url: "unix:///a", access: {control: [root]}}\n', /hosts\.0\.access\.control\.0/],
      ['hosts: []\n', /hosts: must list at least one host/],
      ['{}\n', /hosts: /],
      ['hosts: [\n', /invalid YAML at line/],
    ];
    for (const [text, pattern] of cases) refuses(f.write(text), f.context, pattern);
    refuses(join(f.dir, 'missing.yml'), f.context, /cannot read hosts config \(ENOENT\)/);
  });

  it('takes ssh settings only with ssh://, tls only with tcp://, and all three tls files', () => {
    const f = fixture();
    refuses(f.write('hosts:\n  - {name: a, url: "tcp://a", ssh: {identityFile: ~/.ssh/id_ed25519}}\n'), f.context, /hosts\.0\.ssh: only an ssh:\/\/ url takes ssh settings \(url is tcp:\/\/\)/);
    refuses(f.write('hosts:\n  - {name: a, url: "ssh://a", tls: {ca: a, cert: b, key: c}}\n'), f.context, /hosts\.0\.tls: only a tcp:\/\/ url takes tls settings \(url is ssh:\/\/\)/);
    refuses(f.write('hosts:\n  - {name: a, url: "tcp://a", tls: {ca: a, cert: b}}\n'), f.context, /hosts\.0\.tls\.key: /);
  });

  it('refuses a file a host names that does not exist, naming the host entry, field and resolved path', () => {
    const f = fixture();
    refuses(
      f.write('hosts:\n  - {name: pi, url: "ssh://pi", ssh: {identityFile: ~/.ssh/id_rsa, knownHostsFile: kh}}\n'),
      f.context,
      new RegExp(`hosts\\.0\\.ssh\\.identityFile: ${join(f.home, '.ssh', 'id_rsa')} does not exist`),
      new RegExp(`hosts\\.0\\.ssh\\.knownHostsFile: ${join(f.dir, 'kh')} does not exist`),
    );
    refuses(
      f.write('hosts:\n  - {name: pi, url: "ssh://pi", ssh: {identityFile: ~/.ssh/id_ed25519, passphraseFile: pass}}\n'),
      f.context,
      /hosts\.0\.ssh\.passphraseFile: .*pass does not exist/,
    );
    refuses(
      f.write('hosts:\n  - {name: s, url: "tcp://s", tls: {ca: ca.pem, cert: cert.pem, key: key.pem}}\n'),
      f.context,
      /hosts\.0\.tls\.ca: .*ca\.pem does not exist/,
      /hosts\.0\.tls\.cert: .*cert\.pem does not exist/,
      /hosts\.0\.tls\.key: .*key\.pem does not exist/,
    );
    refuses(f.write('hosts:\n  - {name: s, url: "tcp://s", tls: {ca: ., cert: ., key: .}}\n'), f.context, /hosts\.0\.tls\.ca: .* is not a file/);
  });

  it('refuses the default known_hosts when it is missing', () => {
    const f = fixture();
    const context = { ...f.context, homeDir: join(f.dir, 'empty-home'), agentSocket: '/tmp/agent.sock' };
    refuses(f.write('hosts:\n  - {name: pi, url: "ssh://pi"}\n'), context, /hosts\.0\.ssh\.knownHostsFile: .*empty-home\/\.ssh\/known_hosts does not exist/);
  });

  it('refuses a private key, passphrase or TLS key open to group or others', () => {
    const f = fixture();
    f.file(join(f.dir, 'open_key'), 0o640);
    f.file(join(f.dir, 'pass'), 0o604);
    f.file(join(f.dir, 'ca.pem'));
    f.file(join(f.dir, 'cert.pem'));
    f.file(join(f.dir, 'key.pem'), 0o644);
    refuses(
      f.write('hosts:\n  - {name: pi, url: "ssh://pi", ssh: {identityFile: open_key, passphraseFile: pass}}\n'),
      f.context,
      /hosts\.0\.ssh\.identityFile: .*open_key is open to group or others \(mode 640\): chmod 600 it/,
      /hosts\.0\.ssh\.passphraseFile: .*pass is open to group or others \(mode 604\)/,
    );
    refuses(
      f.write('hosts:\n  - {name: s, url: "tcp://s", tls: {ca: ca.pem, cert: cert.pem, key: key.pem}}\n'),
      f.context,
      /hosts\.0\.tls\.key: .*key\.pem is open to group or others \(mode 644\)/,
    );
    chmodSync(join(f.dir, 'key.pem'), 0o400);
    assert.equal(loadHostsConfig(f.write('hosts:\n  - {name: s, url: "tcp://s", tls: {ca: ca.pem, cert: cert.pem, key: key.pem}}\n'), f.context).hosts[0]?.url, 'tcp://s:2376');
  });

  it('refuses an ssh host with neither an identity file nor an agent, naming the host', () => {
    const f = fixture();
    refuses(f.write('hosts:\n  - {name: pi, url: "ssh://pi"}\n'), f.context, /hosts\.0: host "pi" has no ssh\.identityFile and SSH_AUTH_SOCK is not set/);
    refuses(
      f.write('hosts:\n  - {name: pi, url: "ssh://pi", ssh: {passphraseFile: ~/.ssh/id_ed25519}}\n'),
      { ...f.context, agentSocket: '/tmp/agent.sock' },
      /hosts\.0\.ssh\.passphraseFile: is the passphrase of ssh\.identityFile, which is not set/,
    );
  });

  it('refuses access lists that grant nothing sensible', () => {
    const f = fixture();
    const access = (text: string) => f.write(`hosts:\n  - {name: a, url: "unix:///a", access: ${text}}\n`);
    refuses(access('{control: [user, admin]}'), f.context, /hosts\.0\.access\.control: user has no control permission on any host/);
    refuses(access('{read: [admin]}'), f.context, /hosts\.0\.access\.control: developer controls but does not read: add it to read/);
    refuses(access('{read: [admin, admin]}'), f.context, /hosts\.0\.access\.read: lists admin twice/);
    const config = loadHostsConfig(access('{read: [admin], control: []}'), f.context);
    assert.deepEqual(config.hosts[0]?.access, { read: ['admin'], control: [] });
  });
});

describe('config/hosts.example.yml', () => {
  it('is a hosts file of the documented shape, each url one the manager reads', () => {
    const data = parse(readFileSync(new URL('../../config/hosts.example.yml', import.meta.url), 'utf8'));
    const file = hostsFileSchema.parse(data);
    assert.deepEqual(file.hosts.map((h) => h.name), ['desktop', 'pi', 'server']);
    for (const host of file.hosts) assert.doesNotThrow(() => parseEngineUrl(host.url), host.url);
  });
});
