import { spawn } from 'node:child_process';

/** The docker CLI (Debian's, matching the engine), spawned with an argument array, never a shell. */
export async function dockerCli(args: string[], host?: string): Promise<string> {
  const child = spawn('/usr/bin/docker', [...(host ? ['-H', host] : []), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`docker ${args.join(' ')} failed (${code}): ${err.trim()}`);
  return out.trim();
}

export interface PsRow {
  id: string;
  name: string;
  state: string;
  image: string;
}

/** `docker ps -a` of the containers carrying `label` (key=value), as the CLI reports them. */
export async function psAll(label: string, host?: string): Promise<PsRow[]> {
  const out = await dockerCli(
    ['ps', '-a', '--no-trunc', '--filter', `label=${label}`, '--format', '{{.ID}}\t{{.Names}}\t{{.State}}\t{{.Image}}'],
    host,
  );
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [id = '', name = '', state = '', image = ''] = line.split('\t');
      return { id, name, state, image };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}
