import { after, before } from 'node:test';
import { requireEngine, removeRunContainers } from './engine.js';
import type { HostEntry } from './hosts-file.js';
import { PrivateEngine } from './private-engine.js';
import { TestSshd } from './sshd.js';
import { TlsEngine } from './tls-engine.js';

/** Controlled by admins only; every role reads. */
export const ADMIN_ONLY = { read: ['user', 'developer', 'admin'], control: ['admin'] };

/**
 * Two remote machines on loopback: `pi`, a private engine whose socket a real sshd reaches, and
 * `server`, a private engine listening with mutual TLS. Each carries the test image.
 */
export interface RemoteFleet {
  pi: PrivateEngine;
  sshd: TestSshd;
  server: TlsEngine;
  /** `local` (the shared engine, default), `pi` over SSH and `server` over TLS (admins control). */
  hosts(): HostEntry[];
}

/**
 * Starts the fleet once for the enclosing file (or describe block) and stops it after, also when
 * a test or a start failed half-way; the shared engine is required first and this run's
 * containers on it are removed after.
 */
export function useRemoteFleet(): RemoteFleet {
  let pi: PrivateEngine | undefined;
  let sshd: TestSshd | undefined;
  let server: TlsEngine | undefined;
  before(async () => {
    await requireEngine();
    const started = await Promise.allSettled([
      PrivateEngine.start().then(async (engine) => {
        pi = engine;
        await engine.loadTestImage();
      }),
      TlsEngine.start().then(async (engine) => {
        server = engine;
        await engine.engine.loadTestImage();
      }),
      TestSshd.start().then((daemon) => {
        sshd = daemon;
      }),
    ]);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  });
  after(async () => {
    await removeRunContainers();
    await sshd?.stop();
    await Promise.all([pi?.destroy(), server?.destroy()]);
  });
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the ${what} is not started: use it in a test or a later hook`);
    return value;
  };
  return {
    get pi() {
      return need(pi, 'pi engine');
    },
    get sshd() {
      return need(sshd, 'sshd');
    },
    get server() {
      return need(server, 'TLS engine');
    },
    hosts() {
      const daemon = need(sshd, 'sshd');
      const tls = need(server, 'TLS engine');
      return [
        { name: 'local', url: 'unix:///var/run/docker.sock', default: true },
        {
          name: 'pi',
          url: `ssh://root@127.0.0.1:${daemon.port}`,
          ssh: { identityFile: daemon.clientKey, knownHostsFile: daemon.knownHosts, socketPath: need(pi, 'pi engine').socket },
        },
        { name: 'server', url: `tcp://127.0.0.1:${tls.port}`, tls: { ...tls.client }, access: ADMIN_ONLY },
      ];
    },
  };
}
