import type { Agent } from 'node:http';
import type { Duplex } from 'node:stream';
import Docker, { type DockerOptions } from 'dockerode';
import type { Logger } from '../system/logging.js';
import { CliForwarder } from './cli-forwarder.js';
import { displayUrl, type EngineEndpoint, type SshEndpoint, type TcpEndpoint, type TlsFiles } from './endpoint.js';
import type { EngineConnection, EngineLink, TransportStats } from './engine-connection.js';
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

/** How a connection over a link of its own is made: the parts that differ between SSH and TLS. */
interface OverLink {
  link: EngineLink;
  /** Carries every request of the dockerode client over the link. */
  agent: Agent;
  /** Where the client addresses its requests; the agent decides where they really go. */
  address: ModemOptions;
  /** A new stream to the engine, one for each connection a CLI makes to the forwarder. */
  dial: () => Promise<Duplex>;
  transport: () => TransportStats;
}

function overLink({ link, agent, address, dial, transport }: OverLink): EngineConnection {
  const docker = dockerClient({ ...address, agent });
  const forwarder = new CliForwarder(dial);
  return {
    docker,
    link: () => link.link(),
    onLink: (listener) => link.onLink(listener),
    cliDockerHost: () => forwarder.url(),
    transport,
    close: async () => {
      await forwarder.close();
      agent.destroy();
      await link.close();
    },
  };
}

/** A link's options with only what was given: its optional properties are exact. */
function linkOptions<T>(logger: OpenEngineOptions['logger'], timing: T | undefined): { logger?: NonNullable<OpenEngineOptions['logger']>; timing?: T } {
  return { ...(logger ? { logger } : {}), ...(timing ? { timing } : {}) };
}

function overSsh(endpoint: SshEndpoint, options: OpenEngineOptions): EngineConnection {
  const link = new SshLink(endpoint, linkOptions(options.logger, options.sshTiming));
  return overLink({
    link,
    agent: new SshHttpAgent(link),
    // The host name is only the Host header.
    address: { host: 'docker', port: 80 },
    dial: () => link.openSocket(),
    transport: () => {
      const stats = link.stats();
      return { connectionsOpened: stats.connectionsOpened, streamsOpen: stats.channelsOpen, dialStdio: stats.dialStdio };
    },
  });
}

function overTls(endpoint: TcpEndpoint & { tls: TlsFiles }, options: OpenEngineOptions): EngineConnection {
  const link = new TlsLink(endpoint, linkOptions(options.logger, options.tlsTiming));
  return overLink({
    link,
    agent: new TlsHttpAgent(link),
    address: { protocol: 'https', host: endpoint.host, port: endpoint.port },
    dial: () => link.connect(),
    transport: () => {
      const stats = link.stats();
      return { connectionsOpened: stats.connectionsOpened, streamsOpen: stats.connectionsOpen };
    },
  });
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
