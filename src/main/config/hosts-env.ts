import { join, resolve } from 'node:path';
import type { EngineEndpoint } from '../docker/endpoint.js';
import { LucidError } from '../../shared/errors.js';
import type { Config } from './env.js';
import { parseEngineUrl, toEndpoint } from './engine-url.js';
import { currentUser, expandPath, fileProblem, type LocalUser } from './host-files.js';
import { hostSpec, type HostsConfig } from './host-spec.js';
import { loadHostsConfig, type HostsContext } from './hosts-config.js';
import { defaultSshSettings } from './ssh-defaults.js';

/** The variables the hosts are made of. */
export type HostsEnv = Pick<Config, 'HOSTS_CONFIG' | 'DOCKER_HOST' | 'DOCKER_TLS_VERIFY' | 'DOCKER_CERT_PATH' | 'DOCKER_CONFIG' | 'SSH_AUTH_SOCK'>;

/** The name of the one host DOCKER_HOST makes. */
export const LOCAL_HOST = 'local';

export function hostsContext(env: Pick<HostsEnv, 'SSH_AUTH_SOCK' | 'DOCKER_CONFIG'>, user: LocalUser = currentUser()): HostsContext {
  return { ...user, agentSocket: env.SSH_AUTH_SOCK, dockerConfigDir: dockerConfigDir(env, user) };
}

/** The hosts the manager starts with: the hosts file if HOSTS_CONFIG names one, else DOCKER_HOST. */
export function loadHosts(env: HostsEnv, user: LocalUser = currentUser()): HostsConfig {
  return env.HOSTS_CONFIG === undefined ? hostsFromEnv(env, user) : loadHostsConfig(env.HOSTS_CONFIG, hostsContext(env, user));
}

/** The docker CLI's configuration folder: DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: Pick<HostsEnv, 'DOCKER_CONFIG'>, user: LocalUser): string {
  return env.DOCKER_CONFIG === undefined ? join(user.homeDir, '.docker') : expandPath(env.DOCKER_CONFIG, user.homeDir, resolve());
}

/**
 * One host, `local`, from DOCKER_HOST, read as the docker CLI reads its environment: a tcp://
 * engine with DOCKER_TLS_VERIFY set takes ca.pem, cert.pem and key.pem from DOCKER_CERT_PATH
 * (else the docker config folder); an ssh:// engine signs with the agent (SSH_AUTH_SOCK), else
 * with the first of ~/.ssh/id_ed25519, id_ecdsa, id_rsa that exists, and checks the host key
 * against ~/.ssh/known_hosts. A file that is missing or open to others stops the start, naming
 * the variable.
 */
export function hostsFromEnv(env: HostsEnv, user: LocalUser = currentUser()): HostsConfig {
  const fail = (message: string): never => {
    throw new LucidError('VALIDATION_FAILED', `invalid configuration: ${message}`, { problems: [message] });
  };
  const checked = (path: string, secret: boolean, variable: string): string => {
    const problem = fileProblem(path, secret);
    return problem === undefined ? path : fail(`${variable}: ${problem}`);
  };
  let url;
  try {
    url = parseEngineUrl(env.DOCKER_HOST);
  } catch (err) {
    return fail(`DOCKER_HOST: ${(err as Error).message}`);
  }
  if (url.kind === 'tcp' && env.DOCKER_TLS_VERIFY === true) {
    const certDir = env.DOCKER_CERT_PATH === undefined ? dockerConfigDir(env, user) : expandPath(env.DOCKER_CERT_PATH, user.homeDir, resolve());
    const variable = env.DOCKER_CERT_PATH === undefined ? 'DOCKER_TLS_VERIFY (certificates from the docker config folder)' : 'DOCKER_CERT_PATH';
    const tls = {
      ca: checked(join(certDir, 'ca.pem'), false, variable),
      cert: checked(join(certDir, 'cert.pem'), false, variable),
      key: checked(join(certDir, 'key.pem'), true, variable),
    };
    return single(toEndpoint(url, { defaultUser: user.userName, tls }));
  }
  if (url.kind === 'ssh') {
    const ssh = defaultSshSettings(user, env.SSH_AUTH_SOCK);
    if ('problem' in ssh) return fail(`DOCKER_HOST: ${ssh.problem}`);
    return single(toEndpoint(url, { defaultUser: user.userName, ssh }));
  }
  return single(toEndpoint(url, { defaultUser: user.userName }));
}

function single(endpoint: EngineEndpoint): HostsConfig {
  return { hosts: [hostSpec(LOCAL_HOST, endpoint, true)], defaultHost: LOCAL_HOST };
}
