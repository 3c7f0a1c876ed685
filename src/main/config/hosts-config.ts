import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import type { EngineEndpoint } from '../docker/endpoint.js';
import { ROLES } from '../../shared/permissions.js';
import { hostNameSchema } from '../../shared/schemas/common.js';
import { DEFAULT_REMOTE_SOCKET, parseEngineUrl, toEndpoint, type EngineUrl } from './engine-url.js';
import { expandPath, fileProblem, type LocalUser } from './host-files.js';
import { accessProblem, defaultAccess, hostSpec, type HostsConfig, type HostSpec } from './host-spec.js';
import { readDockerContexts } from './docker-contexts.js';
import { configProblems, readYamlFile } from './yaml-file.js';

/** What a hosts file is read with besides its own text. */
export interface HostsContext extends LocalUser {
  /** SSH_AUTH_SOCK: signs for ssh:// hosts without an identity file. */
  agentSocket?: string | undefined;
  /** The docker CLI's configuration folder, where `dockerContexts: true` finds the contexts; default ~/.docker. */
  dockerConfigDir?: string | undefined;
}

const DEFAULT_KNOWN_HOSTS = '~/.ssh/known_hosts';

const fileField = z.string().min(1, 'must be a file path');
const roleList = z.array(z.enum(ROLES));

const hostEntrySchema = z.strictObject({
  name: hostNameSchema,
  url: z.string().min(1, 'must be a Docker URL'),
  default: z.boolean().default(false),
  ssh: z
    .strictObject({
      identityFile: fileField.optional(),
      passphraseFile: fileField.optional(),
      knownHostsFile: fileField.default(DEFAULT_KNOWN_HOSTS),
      socketPath: z.string().startsWith('/', 'must be an absolute path on the remote machine').default(DEFAULT_REMOTE_SOCKET),
    })
    .optional(),
  tls: z.strictObject({ ca: fileField, cert: fileField, key: fileField }).optional(),
  access: z.strictObject({ read: roleList.optional(), control: roleList.optional() }).optional(),
});

export const hostsFileSchema = z.strictObject({
  hosts: z.array(hostEntrySchema).default([]),
  /** Also every context of the docker CLI as a host. */
  dockerContexts: z.boolean().default(false),
});

type HostEntry = z.infer<typeof hostEntrySchema>;
type Issue = { path: (string | number)[]; message: string };

/**
 * Reads and validates a hosts file. Any problem throws VALIDATION_FAILED naming the file, the
 * path inside it and what is wrong, e.g. `hosts.yml: hosts.1.ssh.identityFile: /home/op/.ssh/pi
 * does not exist`, as the services file does: at start it stops the process, on a reload the
 * hosts in force stay.
 */
export function loadHostsConfig(file: string, context: HostsContext): HostsConfig {
  const path = resolve(file);
  const parsed = hostsFileSchema.safeParse(readYamlFile(path, 'hosts config'));
  if (!parsed.success) throw configProblems(path, parsed.error.issues);
  const issues: Issue[] = [];
  const hosts = parsed.data.hosts.flatMap((entry, i) => {
    const spec = resolveEntry(entry, context, dirname(path), (at, message) => issues.push({ path: ['hosts', i, ...at], message }));
    return spec ? [spec] : [];
  });
  issues.push(...crossHostIssues(parsed.data.hosts));
  if (parsed.data.dockerContexts) {
    addDockerContexts(hosts, parsed.data.hosts, context, issues);
  } else if (parsed.data.hosts.length === 0) {
    issues.push({ path: ['hosts'], message: 'must list at least one host' });
  }
  if (issues.length > 0) throw configProblems(path, issues);
  return withDefault(hosts);
}

/** Names once each, at most one default. */
function crossHostIssues(entries: readonly HostEntry[]): Issue[] {
  const issues: Issue[] = [];
  const names = entries.map((entry) => entry.name);
  let defaultHost: string | undefined;
  entries.forEach((entry, i) => {
    if (names.indexOf(entry.name) !== i) issues.push({ path: ['hosts', i, 'name'], message: `duplicate host "${entry.name}"` });
    if (!entry.default) return;
    if (defaultHost === undefined) defaultHost = entry.name;
    else issues.push({ path: ['hosts', i, 'default'], message: `host "${defaultHost}" is already the default` });
  });
  return issues;
}

/** The docker CLI's contexts after the listed hosts; a name already taken is a problem, not an override. */
function addDockerContexts(hosts: HostSpec[], entries: readonly HostEntry[], context: HostsContext, issues: Issue[]): void {
  const configDir = context.dockerConfigDir ?? join(context.homeDir, '.docker');
  const found = readDockerContexts(configDir, context, context.agentSocket);
  issues.push(...found.problems.map((message) => ({ path: ['dockerContexts'], message })));
  const taken = new Set(entries.map((entry) => entry.name));
  for (const host of found.hosts) {
    if (taken.has(host.name)) {
      issues.push({ path: ['dockerContexts'], message: `docker context "${host.context}" clashes with host "${host.name}"` });
    } else {
      taken.add(host.name);
      hosts.push(hostSpec(host.name, host.endpoint, false));
    }
  }
  if (taken.size === 0 && found.problems.length === 0) {
    issues.push({ path: ['hosts'], message: `must list at least one host (no docker context in ${configDir})` });
  }
}

/** The one marked default, else the first. */
function withDefault(hosts: HostSpec[]): HostsConfig {
  const chosen = hosts.find((host) => host.isDefault) ?? hosts[0];
  if (chosen === undefined) throw new Error('a hosts config has at least one host');
  return { hosts: hosts.map((host) => ({ ...host, isDefault: host === chosen })), defaultHost: chosen.name };
}

type Report = (path: (string | number)[], message: string) => void;

/** One entry as a host, or undefined after reporting each problem. */
function resolveEntry(entry: HostEntry, context: HostsContext, baseDir: string, onProblem: Report): HostSpec | undefined {
  let problems = 0;
  const report: Report = (path, message) => {
    problems += 1;
    onProblem(path, message);
  };
  let url: EngineUrl;
  try {
    url = parseEngineUrl(entry.url);
  } catch (err) {
    report(['url'], (err as Error).message);
    return undefined;
  }
  const file = (value: string, at: (string | number)[], secret: boolean): string => {
    const absolute = expandPath(value, context.homeDir, baseDir);
    const problem = fileProblem(absolute, secret);
    if (problem !== undefined) report(at, problem);
    return absolute;
  };
  if (entry.ssh && url.kind !== 'ssh') report(['ssh'], `only an ssh:// url takes ssh settings (url is ${url.kind}://)`);
  if (entry.tls && url.kind !== 'tcp') report(['tls'], `only a tcp:// url takes tls settings (url is ${url.kind}://)`);
  const access = { ...defaultAccess(), ...entry.access };
  const accessIssue = accessProblem(access);
  if (accessIssue) report(['access', accessIssue.field], accessIssue.message);

  let endpoint: EngineEndpoint;
  if (url.kind === 'ssh') {
    const ssh = entry.ssh ?? { knownHostsFile: DEFAULT_KNOWN_HOSTS, socketPath: DEFAULT_REMOTE_SOCKET };
    const identityFile = ssh.identityFile === undefined ? undefined : file(ssh.identityFile, ['ssh', 'identityFile'], true);
    const passphraseFile = ssh.passphraseFile === undefined ? undefined : file(ssh.passphraseFile, ['ssh', 'passphraseFile'], true);
    if (passphraseFile !== undefined && identityFile === undefined) report(['ssh', 'passphraseFile'], 'is the passphrase of ssh.identityFile, which is not set');
    if (identityFile === undefined && context.agentSocket === undefined) {
      report([], `host "${entry.name}" has no ssh.identityFile and SSH_AUTH_SOCK is not set: nothing could sign in`);
    }
    endpoint = toEndpoint(url, {
      defaultUser: context.userName,
      ssh: {
        socketPath: ssh.socketPath,
        knownHostsFile: file(ssh.knownHostsFile, ['ssh', 'knownHostsFile'], false),
        ...(identityFile === undefined ? {} : { identityFile }),
        ...(passphraseFile === undefined ? {} : { passphraseFile }),
        ...(context.agentSocket === undefined ? {} : { agentSocket: context.agentSocket }),
      },
    });
  } else if (url.kind === 'tcp' && entry.tls) {
    const tls = {
      ca: file(entry.tls.ca, ['tls', 'ca'], false),
      cert: file(entry.tls.cert, ['tls', 'cert'], false),
      key: file(entry.tls.key, ['tls', 'key'], true),
    };
    endpoint = toEndpoint(url, { defaultUser: context.userName, tls });
  } else {
    endpoint = toEndpoint(url, { defaultUser: context.userName });
  }
  return problems === 0 ? hostSpec(entry.name, endpoint, entry.default, access) : undefined;
}
