import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DOCKER_CLI = '/usr/bin/docker';
const SSH = '/usr/bin/ssh';

export interface SshCliTarget {
  /** `ssh://root@127.0.0.1:PORT`, as an operator passes it to `docker -H`. */
  url: string;
  port: number;
  identityFile: string;
  knownHostsFile: string;
}

/**
 * The docker CLI as an operator runs it against an SSH host: `docker -H ssh://… ps -a`. The CLI
 * spawns `ssh` from PATH with options of its own only (`-o ConnectTimeout=30 -T -l USER -p PORT
 * -- HOST docker system dial-stdio`), and ssh reads `~/.ssh/config` from the user's passwd entry,
 * not from `$HOME`, so a temporary HOME cannot give it the test key. An `ssh` on PATH that adds
 * `-F` with a config of the bench's own does, at the cost of one `sh` exec per call; HOME is
 * temporary too, so no docker context or config of this machine's user is read.
 */
export function dockerOverSsh(dir: string, target: SshCliTarget): (args: string[]) => Promise<{ ms: number; stdout: string }> {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const config = join(dir, 'ssh_config');
  writeFileSync(
    config,
    [
      'Host *',
      `  Port ${target.port}`,
      `  IdentityFile ${target.identityFile}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${target.knownHostsFile}`,
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nexec ${SSH} -F '${config}' "$@"\n`, { mode: 0o755 });
  const env = { PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`, HOME: dir };
  return async (args) => {
    const started = performance.now();
    const child = spawn(DOCKER_CLI, ['-H', target.url, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    const ms = performance.now() - started;
    if (code !== 0) throw new Error(`docker -H ${target.url} ${args.join(' ')} failed (${code}): ${Buffer.concat(err).toString('utf8').trim()}`);
    return { ms, stdout: Buffer.concat(out).toString('utf8') };
  };
}
