import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { EngineEndpoint } from '../docker/endpoint.js';
import { HOST_NAME } from '../../shared/schemas/common.js';
import { parseEngineUrl, toEndpoint } from './engine-url.js';
import { fileProblem, type LocalUser } from './host-files.js';
import { defaultSshSettings } from './ssh-defaults.js';

/** The part of the docker CLI's context metadata the manager uses; the CLI's other fields are its own. */
const metaSchema = z.object({
  Name: z.string().min(1),
  Endpoints: z.object({
    docker: z.object({ Host: z.string().min(1), SkipTLSVerify: z.boolean().optional() }),
  }),
});

export interface ContextHost {
  /** The host name: the context's name in lower case, `.` and `+` as `-`. */
  name: string;
  context: string;
  endpoint: EngineEndpoint;
}

/**
 * The docker contexts in `configDir` (DOCKER_CONFIG, else ~/.docker) as hosts, each reached as
 * the docker CLI would reach it: TLS material from contexts/tls/<id>/docker/, ssh:// with the
 * defaults of ssh itself. Every context that cannot be used is a problem, never silently left
 * out: a fleet view missing a host looks like a host with nothing on it.
 */
export function readDockerContexts(configDir: string, user: LocalUser, agentSocket: string | undefined): { hosts: ContextHost[]; problems: string[] } {
  const metaDir = join(configDir, 'contexts', 'meta');
  const hosts: ContextHost[] = [];
  const problems: string[] = [];
  let ids: string[];
  try {
    ids = readdirSync(metaDir).sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { hosts, problems } : { hosts, problems: [`${metaDir} cannot be read (${code ?? 'error'})`] };
  }
  for (const id of ids) {
    const metaFile = join(metaDir, id, 'meta.json');
    const result = readContext(metaFile, join(configDir, 'contexts', 'tls', id, 'docker'), user, agentSocket);
    if (typeof result === 'string') problems.push(`${metaFile}: ${result}`);
    else hosts.push(result);
  }
  return { hosts, problems };
}

function readContext(metaFile: string, tlsDir: string, user: LocalUser, agentSocket: string | undefined): ContextHost | string {
  let meta: z.infer<typeof metaSchema>;
  try {
    const parsed = metaSchema.safeParse(JSON.parse(readFileSync(metaFile, 'utf8')));
    if (!parsed.success) return `not a docker context (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`;
    meta = parsed.data;
  } catch (err) {
    return err instanceof SyntaxError ? 'not JSON' : `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  const context = meta.Name;
  const name = context.toLowerCase().replace(/[.+]/g, '-');
  if (!HOST_NAME.test(name)) return `docker context "${context}" does not make a host name (${HOST_NAME.source})`;
  const docker = meta.Endpoints.docker;
  let url;
  try {
    url = parseEngineUrl(docker.Host);
  } catch (err) {
    return `docker context "${context}": ${(err as Error).message}`;
  }
  if (url.kind === 'ssh') {
    const ssh = defaultSshSettings(user, agentSocket);
    if ('problem' in ssh) return `docker context "${context}": ${ssh.problem}`;
    return { name, context, endpoint: toEndpoint(url, { defaultUser: user.userName, ssh }) };
  }
  const files = { ca: join(tlsDir, 'ca.pem'), cert: join(tlsDir, 'cert.pem'), key: join(tlsDir, 'key.pem') };
  const present = Object.values(files).filter((file) => existsSync(file));
  if (url.kind !== 'tcp' || (present.length === 0 && docker.SkipTLSVerify !== true)) {
    return { name, context, endpoint: toEndpoint(url, { defaultUser: user.userName }) };
  }
  // Only mutual, verified TLS: a context that skips verification or lacks a client certificate is refused, not weakened.
  if (docker.SkipTLSVerify === true) return `docker context "${context}" skips TLS verification, which the manager does not`;
  const problem = [fileProblem(files.ca, false), fileProblem(files.cert, false), fileProblem(files.key, true)].find((p) => p !== undefined);
  if (problem !== undefined) return `docker context "${context}": ${problem}`;
  return { name, context, endpoint: toEndpoint(url, { defaultUser: user.userName, tls: files }) };
}
