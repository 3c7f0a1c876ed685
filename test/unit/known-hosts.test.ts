import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  fingerprintOf,
  hostKeyAlgorithmsFor,
  keyTypeOf,
  knownHostName,
  parseKnownHosts,
  verifyHostKey,
} from '../../src/main/docker/known-hosts.js';
import { fingerprintOfFile, makeKey } from '../support/sshd.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('lucid-known-hosts-');

/** A key made by ssh-keygen: its known_hosts fields and its blob as a server presents it. */
function key(name: string, type: 'ed25519' | 'ecdsa' = 'ed25519') {
  const file = join(dir, name);
  if (type === 'ed25519') makeKey(file);
  else spawnSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-f', file]);
  const [keyType, base64] = readFileSync(`${file}.pub`, 'utf8').trim().split(' ') as [string, string];
  return { fields: `${keyType} ${base64}`, blob: Buffer.from(base64, 'base64'), keyType, pub: `${file}.pub` };
}

const hostA = key('a');
const hostA2 = key('a2', 'ecdsa');
const other = key('other');
const NAME = knownHostName('127.0.0.1', 2222);

/** Hashes every host field of `text` with OpenSSH's own `ssh-keygen -H`. */
function hashedByOpenSsh(text: string): string {
  const file = join(dir, `hashed-${Math.random().toString(16).slice(2)}`);
  writeFileSync(file, text);
  const result = spawnSync('ssh-keygen', ['-H', '-f', file], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return readFileSync(file, 'utf8');
}

describe('known_hosts', () => {
  it('names a host as OpenSSH does: bare on port 22, [host]:port elsewhere, lower case', () => {
    assert.equal(knownHostName('Pi.Local', 22), 'pi.local');
    assert.equal(knownHostName('127.0.0.1', 2222), '[127.0.0.1]:2222');
  });

  it('trusts a listed key, only for the host and port it is listed for', () => {
    const entries = parseKnownHosts(`[127.0.0.1]:2222 ${hostA.fields}\n`);
    assert.equal(verifyHostKey(entries, NAME, hostA.blob), 'trusted');
    assert.equal(verifyHostKey(entries, knownHostName('127.0.0.1', 22), hostA.blob), 'unknown');
    assert.equal(verifyHostKey(entries, knownHostName('127.0.0.1', 2223), hostA.blob), 'unknown');
  });

  it('says changed when the host is listed with other keys, unknown when it is not listed', () => {
    const entries = parseKnownHosts(`[127.0.0.1]:2222 ${other.fields}\n[10.0.0.9]:2222 ${hostA.fields}\n`);
    assert.equal(verifyHostKey(entries, NAME, hostA.blob), 'changed');
    assert.equal(verifyHostKey(parseKnownHosts(`[10.0.0.9]:2222 ${hostA.fields}\n`), NAME, hostA.blob), 'unknown');
    assert.equal(verifyHostKey(parseKnownHosts(''), NAME, hostA.blob), 'unknown');
  });

  it('matches entries hashed by ssh-keygen -H, and not for another host', () => {
    const hashed = hashedByOpenSsh(`[127.0.0.1]:2222 ${hostA.fields}\npi.local ${other.fields}\n`);
    assert.match(hashed, /^\|1\|[^|]+\|[^ ]+ ssh-ed25519 /m);
    assert.doesNotMatch(hashed, /127\.0\.0\.1|pi\.local/);
    const entries = parseKnownHosts(hashed);
    assert.equal(verifyHostKey(entries, NAME, hostA.blob), 'trusted');
    assert.equal(verifyHostKey(entries, 'pi.local', other.blob), 'trusted');
    assert.equal(verifyHostKey(entries, 'pi.local', hostA.blob), 'changed');
    assert.equal(verifyHostKey(entries, '[127.0.0.1]:2223', hostA.blob), 'unknown');
  });

  it('accepts any of several keys listed for a host, and comma lists of names', () => {
    const entries = parseKnownHosts(`[127.0.0.1]:2222,[localhost]:2222 ${hostA.fields}\n[127.0.0.1]:2222 ${hostA2.fields}\n`);
    assert.equal(verifyHostKey(entries, NAME, hostA.blob), 'trusted');
    assert.equal(verifyHostKey(entries, NAME, hostA2.blob), 'trusted');
    assert.equal(verifyHostKey(entries, '[localhost]:2222', hostA.blob), 'trusted');
    assert.equal(verifyHostKey(entries, '[localhost]:2222', hostA2.blob), 'changed');
  });

  it('refuses a key marked @revoked even where it is also listed', () => {
    const entries = parseKnownHosts(`[127.0.0.1]:2222 ${hostA.fields}\n@revoked * ${hostA.fields}\n`);
    assert.equal(verifyHostKey(entries, NAME, hostA.blob), 'revoked');
    assert.equal(verifyHostKey(entries, NAME, other.blob), 'changed');
  });

  it('ignores @cert-authority lines: a CA key is never a host key', () => {
    const entries = parseKnownHosts(`@cert-authority * ${hostA.fields}\n`);
    assert.equal(entries.length, 0);
    assert.equal(verifyHostKey(entries, NAME, hostA.blob), 'unknown');
  });

  it('applies wildcards and negated patterns as OpenSSH does', () => {
    const entries = parseKnownHosts(`*.lan,!bad.lan ${hostA.fields}\n`);
    assert.equal(verifyHostKey(entries, 'pi.lan', hostA.blob), 'trusted');
    assert.equal(verifyHostKey(entries, 'bad.lan', hostA.blob), 'unknown');
    assert.equal(verifyHostKey(entries, 'pi.lan.example', hostA.blob), 'unknown');
  });

  it('skips comments, blank lines and lines whose key does not decode to its type', () => {
    const text = [`# a comment`, ``, `[127.0.0.1]:2222 ssh-ed25519 not*base64`, `[127.0.0.1]:2222 ssh-rsa ${hostA.fields.split(' ')[1]}`, `[127.0.0.1]:2222`].join('\n');
    assert.equal(parseKnownHosts(text).length, 0);
  });

  it('prints fingerprints as ssh-keygen -lf does, and reads the type from a blob', () => {
    assert.equal(fingerprintOf(hostA.blob), fingerprintOfFile(hostA.pub));
    assert.equal(keyTypeOf(hostA.blob), 'ssh-ed25519');
    assert.equal(keyTypeOf(hostA2.blob), hostA2.keyType);
    assert.equal(keyTypeOf(Buffer.from('xx')), undefined);
  });

  it('offers the host key algorithms of the keys known for the host first', () => {
    const ecdsaKnown = parseKnownHosts(`[127.0.0.1]:2222 ${hostA2.fields}\n`);
    assert.equal(hostKeyAlgorithmsFor(ecdsaKnown, NAME)[0], hostA2.keyType);
    assert.equal(hostKeyAlgorithmsFor(ecdsaKnown, 'elsewhere')[0], 'ssh-ed25519');
    const rsaKnown = parseKnownHosts(`[127.0.0.1]:2222 ssh-rsa ${Buffer.concat([Buffer.from([0, 0, 0, 7]), Buffer.from('ssh-rsa'), Buffer.alloc(8)]).toString('base64')}\n`);
    assert.deepEqual(hostKeyAlgorithmsFor(rsaKnown, NAME).slice(0, 3), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    assert.equal(hostKeyAlgorithmsFor(rsaKnown, NAME).length, 7);
  });
});
