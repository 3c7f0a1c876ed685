import type { Agent } from 'node:http';
import Docker, { type DockerOptions } from 'dockerode';
import type { Logger } from '../system/logging.js';
import { CliForwarder } from './cli-forwarder.js';
import { displayUrl, type EngineEndpoint, type SshEndpoint, type TcpEndpoint, type TlsFiles } from './endpoint.js';
import type { EngineConnection } from './engine-connection.js';
import { SshHttpAgent } from './ssh-agent.js';
import { SshLink, type SshTiming } from './ssh-link.js';
import { TlsHttpAgent } from './tls-agent.js';
import { TlsLink, type TlsTiming } from './tls-link.js';

export interface OpenEngineOptions {
  logger?: Pick<Logger, 'info' | 'warn'>;
  /** Tests shorten these; the defaults fit a LAN or the internet. */
  sshTiming?: SshTiming;
  tlsTiming?: TlsTiming;
}

type ModemOptions = DockerOptions & { agent?: Agent; pathPrefix?: string };

/**
 * docker-modem fills whatever is not given from the process's DOCKER_HOST, DOCKER_CERT_PATH and
 * DOCKER_CLIENT_TIMEOUT, so a host of the hosts file could silently get another's address or
 * certificates: every field it would take from there is set here. No `version` on purpose: it
 * would be prepended to every path, and an engine newer than that version refuses old clients
 * (Engine 29 rejects anything below 1.44); unversioned, every engine answers with its own API.
 */
const FROM_ENDPOINT_ONLY: ModemOptions = {
  socketPath: undefined,
  host: undefined,
  port: undefined,
  protocol: 'http',
  ca: undefined,
  cert: undefined,
  key: undefined,
  timeout: undefined,
  pathPrefix: '/',
};

function dockerClient(options: ModemOptions): Docker {
  return new Docker({ ...FROM_ENDPOINT_ONLY, ...options } as DockerOptions);
}

/** A local socket or plain TCP: Node's own connections, nothing to keep up. */
function direct(docker: Docker, url: string): EngineConnection {
  return {
    docker,
    link: () => ({ state: 'up' }),
    onLink: () => () => undefined,
    cliDockerHost: () => Promise.resolve(url),
    transport: () => undefined,
    close: () => Promise.resolve(),
  };
}

function overSsh(endpoint: SshEndpoint, options: OpenEngineOptions): EngineConnection {
  const link = new SshLink(endpoint, { ...(options.logger ? { logger: options.logger } : {}), ...(options.sshTiming ? { timing: options.sshTiming } : {}) });
  const agent = new SshHttpAgent(link);
  // The host name is only the Host header: the agent decides where requests go.
  const docker = dockerClient({ host: 'docker', port: 80, agent });
  const forwarder = new CliForwarder(() => link.openSocket());
  return {
    docker,
    link: () => link.link(),
    onLink: (listener) => link.onLink(listener),
    cliDockerHost: () => forwarder.url(),
    transport: () => {
      const stats = link.stats();
      return { connectionsOpened: stats.connectionsOpened, streamsOpen: stats.channelsOpen, dialStdio: stats.dialStdio };
    },
    close: async () => {
      await forwarder.close();
      agent.destroy();
      await link.close();
    },
  };
}

function overTls(endpoint: TcpEndpoint & { tls: TlsFiles }, options: OpenEngineOptions): EngineConnection {
  const link = new TlsLink(endpoint, { ...(options.logger ? { logger: options.logger } : {}), ...(options.tlsTiming ? { timing: options.tlsTiming } : {}) });
  const agent = new TlsHttpAgent(link);
  const docker = dockerClient({ protocol: 'https', host: endpoint.host, port: endpoint.port, agent });
  const forwarder = new CliForwarder(() => link.connect());
  return {
    docker,
    link: () => link.link(),
    onLink: (listener) => link.onLink(listener),
    cliDockerHost: () => forwarder.url(),
    transport: () => {
      const stats = link.stats();
      return { connectionsOpened: stats.connectionsOpened, streamsOpen: stats.connectionsOpen };
    },
    close: async () => {
      await forwarder.close();
      agent.destroy();
      await link.close();
    },
  };
}

/** The connection to one engine, over whatever its endpoint names. */
export function openEngine(endpoint: EngineEndpoint, options: OpenEngineOptions = {}): EngineConnection {
  switch (endpoint.kind) {
    case 'unix':
    case 'npipe':
      return direct(dockerClient({ socketPath: endpoint.socketPath }), displayUrl(endpoint));
    case 'tcp':
      if (endpoint.tls) return overTls({ ...endpoint, tls: endpoint.tls }, options);
      return direct(dockerClient({ host: endpoint.host, port: endpoint.port }), displayUrl(endpoint));
    case 'ssh':
      return overSsh(endpoint, options);
  }
}
