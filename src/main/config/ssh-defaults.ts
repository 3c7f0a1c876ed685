import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SshEndpoint } from '../docker/endpoint.js';
import { DEFAULT_REMOTE_SOCKET } from './engine-url.js';
import { fileProblem, type LocalUser } from './host-files.js';

/** The identities ssh tries when none is named, in its order. */
export const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'] as const;

export type SshSettings = Omit<SshEndpoint, 'kind' | 'user' | 'host' | 'port'>;

/**
 * How an ssh:// engine is reached when nothing but its URL is known (DOCKER_HOST, a docker
 * context), as ssh itself would: host keys from ~/.ssh/known_hosts; the agent if SSH_AUTH_SOCK is
 * set, else the first of ~/.ssh/id_ed25519, id_ecdsa, id_rsa that exists. Answers what is
 * missing instead when the manager could not sign in or check the host.
 */
export function defaultSshSettings(user: LocalUser, agentSocket: string | undefined): SshSettings | { problem: string } {
  const sshDir = join(user.homeDir, '.ssh');
  const knownHostsFile = join(sshDir, 'known_hosts');
  const knownHostsProblem = fileProblem(knownHostsFile, false);
  if (knownHostsProblem !== undefined) return { problem: `ssh:// checks host keys against ~/.ssh/known_hosts: ${knownHostsProblem}` };
  const base = { socketPath: DEFAULT_REMOTE_SOCKET, knownHostsFile };
  if (agentSocket !== undefined) return { ...base, agentSocket };
  const identityFile = DEFAULT_IDENTITIES.map((name) => join(sshDir, name)).find((path) => existsSync(path));
  if (identityFile === undefined) {
    return { problem: `ssh:// needs SSH_AUTH_SOCK or one of ~/.ssh/${DEFAULT_IDENTITIES.join(', ')} (none exists in ${sshDir})` };
  }
  const identityProblem = fileProblem(identityFile, true);
  return identityProblem === undefined ? { ...base, identityFile } : { problem: identityProblem };
}
