import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEngineUrl, toEndpoint } from '../../src/main/config/engine-url.js';
import { displayUrl } from '../../src/main/docker/endpoint.js';

const SSH = { socketPath: '/var/run/docker.sock', knownHostsFile: '/home/op/.ssh/known_hosts', agentSocket: '/tmp/agent.sock' };
const TLS = { ca: '/c/ca.pem', cert: '/c/cert.pem', key: '/c/key.pem' };

describe('Docker URLs', () => {
  it('keeps unix and npipe paths as written, npipe\'s //./pipe/ included', () => {
    assert.deepEqual(parseEngineUrl('unix:///var/run/docker.sock'), { kind: 'unix', socketPath: '/var/run/docker.sock' });
    assert.deepEqual(parseEngineUrl('npipe:////./pipe/docker_engine'), { kind: 'npipe', socketPath: '//./pipe/docker_engine' });
  });

  it('gives tcp:// port 2375, or 2376 with TLS, unless the URL names one', () => {
    const settings = { defaultUser: 'op' };
    assert.deepEqual(toEndpoint(parseEngineUrl('tcp://server.lan'), settings), { kind: 'tcp', host: 'server.lan', port: 2375 });
    assert.deepEqual(toEndpoint(parseEngineUrl('tcp://server.lan'), { ...settings, tls: TLS }), { kind: 'tcp', host: 'server.lan', port: 2376, tls: TLS });
    assert.deepEqual(toEndpoint(parseEngineUrl('tcp://10.1.2.3:2375'), { ...settings, tls: TLS }), { kind: 'tcp', host: '10.1.2.3', port: 2375, tls: TLS });
    assert.deepEqual(toEndpoint(parseEngineUrl('tcp://[::1]:2376'), settings), { kind: 'tcp', host: '::1', port: 2376 });
  });

  it('gives ssh:// port 22 and the current user unless the URL names them', () => {
    assert.deepEqual(toEndpoint(parseEngineUrl('ssh://pi.local'), { defaultUser: 'op', ssh: SSH }), {
      kind: 'ssh', user: 'op', host: 'pi.local', port: 22, ...SSH,
    });
    const named = toEndpoint(parseEngineUrl('ssh://lucid@pi.local:2222'), { defaultUser: 'op', ssh: SSH });
    assert.deepEqual(named, { kind: 'ssh', user: 'lucid', host: 'pi.local', port: 2222, ...SSH });
    assert.equal(displayUrl(named), 'ssh://pi.local:2222', 'the shown url has no user');
  });

  it('refuses what the docker CLI refuses, and says why', () => {
    const cases: [string, RegExp][] = [
      ['ssh://lucid:secret@pi', /must not carry a password/],
      ['ssh://pi/var/run/docker.sock', /without a path or query/],
      ['ssh://pi?x=1', /without a path or query/],
      ['ssh://@pi', /empty user/],
      ['ssh://pi:0', /port must be 1-65535/],
      ['ssh://pi:70000', /must be ssh:\/\/\[USER@\]HOST\[:PORT\]/],
      ['ssh://pi_x', /"pi_x" is not a host name/],
      ['ssh://bad$user@pi', /is not a user name/],
      ['tcp://op@server', /tcp:\/\/ takes no user/],
      ['tcp://server/', /without a path/],
      ['tcp://', /is not a host name/],
      ['unix://', /unix:\/\/ needs a path/],
      ['npipe://', /npipe:\/\/ needs a path/],
      ['http://server', /unknown scheme "http:\/\/"/],
      ['ftp://x', /unknown scheme "ftp:\/\/"/],
      ['/var/run/docker.sock', /must be unix:\/\/PATH, npipe/],
    ];
    for (const [url, message] of cases) assert.throws(() => parseEngineUrl(url), message, url);
  });

  it('needs the SSH settings to make an ssh:// endpoint', () => {
    assert.throws(() => toEndpoint(parseEngineUrl('ssh://pi'), { defaultUser: 'op' }), /needs its known_hosts/);
  });
});
