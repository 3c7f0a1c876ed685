import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrivateEngine } from './private-engine.js';
import { freePort } from './sshd.js';
import { tempDir } from './temp.js';

function openssl(args: string[]): void {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${result.stderr || result.error?.message}`);
}

/** A CA of its own (key and self-signed certificate), P-256, valid a day. */
function makeCa(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}-key.pem`);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${name}`]);
  return { cert, key };
}

/** A certificate signed by `ca` with the given extensions (SAN, extended key usage). */
function makeCert(dir: string, name: string, ca: { cert: string; key: string }, extensions: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}-key.pem`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${name}`]);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', cert, '-days', '1', '-extfile', ext]);
  return { cert, key };
}

export interface TlsClientFiles {
  ca: string;
  cert: string;
  key: string;
}

/**
 * A private dockerd that also listens with mutual TLS on 127.0.0.1 and a free port, with a CA,
 * server and client certificates made by openssl at test time, and a second CA with its own
 * client certificate: what a wrong CA or an untrusted client looks like.
 */
export class TlsEngine {
  readonly engine: PrivateEngine;
  readonly port: number;
  /** The right files: the CA that signed the server, a client certificate it signed. */
  readonly client: TlsClientFiles;
  /** The other CA, which signed neither the server nor anything dockerd trusts. */
  readonly otherCa: string;
  /** A client certificate from the other CA: dockerd refuses it. */
  readonly untrustedClient: { cert: string; key: string };

  private constructor(engine: PrivateEngine, port: number, client: TlsClientFiles, otherCa: string, untrustedClient: { cert: string; key: string }) {
    this.engine = engine;
    this.port = port;
    this.client = client;
    this.otherCa = otherCa;
    this.untrustedClient = untrustedClient;
  }

  static async start(): Promise<TlsEngine> {
    const dir = tempDir('lucid-tls-');
    const ca = makeCa(dir, 'ca');
    const server = makeCert(dir, 'server', ca, 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    const client = makeCert(dir, 'client', ca, 'extendedKeyUsage=clientAuth\n');
    const other = makeCa(dir, 'other-ca');
    const untrusted = makeCert(dir, 'untrusted-client', other, 'extendedKeyUsage=clientAuth\n');
    const port = await freePort();
    const engine = await PrivateEngine.start([
      `--host=tcp://127.0.0.1:${port}`,
      '--tlsverify',
      `--tlscacert=${ca.cert}`,
      `--tlscert=${server.cert}`,
      `--tlskey=${server.key}`,
    ]);
    return new TlsEngine(engine, port, { ca: ca.cert, cert: client.cert, key: client.key }, other.cert, untrusted);
  }

  destroy(): Promise<void> {
    return this.engine.destroy();
  }
}
