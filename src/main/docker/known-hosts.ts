import { createHash, createHmac } from 'node:crypto';

/** One usable line of an OpenSSH known_hosts file. */
export interface KnownHostEntry {
  revoked: boolean;
  /** The host field as written: a comma list of patterns, or one `|1|salt|hash`. */
  hosts: string;
  keyType: string;
  key: Buffer;
}

export type HostKeyVerdict = 'trusted' | 'unknown' | 'changed' | 'revoked';

/** How OpenSSH names a host in known_hosts: the bare name on port 22, `[name]:port` elsewhere. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`;
}

/**
 * Parses known_hosts text. `@cert-authority` lines are left out (host certificates are not
 * accepted, so a CA line must not make a plain key trusted); malformed lines are skipped as
 * OpenSSH does.
 */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const raw of text.split('\n')) {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) continue;
    let revoked = false;
    if (fields[0].startsWith('@')) {
      const marker = fields.shift();
      if (marker !== '@revoked') continue;
      revoked = true;
    }
    const [hosts, keyType, encoded] = fields;
    if (hosts === undefined || keyType === undefined || encoded === undefined) continue;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) continue;
    const key = Buffer.from(encoded, 'base64');
    if (keyTypeOf(key) !== keyType) continue;
    entries.push({ revoked, hosts, keyType, key });
  }
  return entries;
}

/** The key type named at the start of an SSH public key blob, or undefined if it is not one. */
export function keyTypeOf(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || blob.length < 4 + length) return undefined;
  return blob.subarray(4, 4 + length).toString('latin1');
}

/** The fingerprint as `ssh-keygen -lf` prints it: SHA256, base64 without padding. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

function wildcardMatches(pattern: string, name: string): boolean {
  const source = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(name);
}

function hashedMatches(field: string, name: string): boolean {
  const [, magic, salt, hash] = field.split('|');
  if (magic !== '1' || salt === undefined || hash === undefined) return false;
  const expected = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
  return expected === hash;
}

/** OpenSSH's rule: a negated pattern that matches excludes the line, else any match includes it. */
export function hostsFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|')) return hashedMatches(field, name);
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('!')) {
      if (wildcardMatches(pattern.slice(1), name)) return false;
    } else if (wildcardMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/**
 * `name` is as `knownHostName` makes it. A key listed for the host is trusted, one marked
 * `@revoked` is refused even if also listed; a host listed with other keys only has `changed`.
 */
export function verifyHostKey(entries: KnownHostEntry[], name: string, blob: Buffer): HostKeyVerdict {
  const forHost = entries.filter((entry) => hostsFieldMatches(entry.hosts, name));
  if (forHost.some((entry) => entry.revoked && entry.key.equals(blob))) return 'revoked';
  const listed = forHost.filter((entry) => !entry.revoked);
  if (listed.some((entry) => entry.key.equals(blob))) return 'trusted';
  return listed.length > 0 ? 'changed' : 'unknown';
}

/** ssh2's default host key algorithms, strongest first. */
const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** An `ssh-rsa` key signs with any of the three RSA algorithms. */
function algorithmsOfKeyType(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}

/**
 * The host key algorithms to offer, those of keys already known for the host first, as OpenSSH
 * orders them: a server with several keys then presents the one known_hosts holds, instead of
 * one that would look like a changed key.
 */
export function hostKeyAlgorithmsFor(entries: KnownHostEntry[], name: string): string[] {
  const known = new Set(
    entries
      .filter((entry) => !entry.revoked && hostsFieldMatches(entry.hosts, name))
      .flatMap((entry) => algorithmsOfKeyType(entry.keyType)),
  );
  return [...HOST_KEY_ALGORITHMS.filter((a) => known.has(a)), ...HOST_KEY_ALGORITHMS.filter((a) => !known.has(a))];
}
