/**
 * Where an engine is and how to reach it, already validated: what a hosts file entry or
 * DOCKER_HOST turns into. File paths are absolute (a leading `~` is expanded by the reader).
 */
export type EngineEndpoint = UnixEndpoint | NpipeEndpoint | TcpEndpoint | SshEndpoint;

export interface UnixEndpoint {
  kind: 'unix';
  socketPath: string;
}

export interface NpipeEndpoint {
  kind: 'npipe';
  socketPath: string;
}

/** Mutual TLS: the client certificate and key are sent, the server is verified against `ca`. */
export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

export interface TcpEndpoint {
  kind: 'tcp';
  host: string;
  port: number;
  /** Absent: plain HTTP (only sensible on loopback or behind a socket proxy). */
  tls?: TlsFiles;
}

export interface SshEndpoint {
  kind: 'ssh';
  user: string;
  host: string;
  port: number;
  /** The Docker socket on the remote machine. */
  socketPath: string;
  /** Checked before any request: an unknown or changed host key leaves the host down. */
  knownHostsFile: string;
  /** Absent: the agent at `agentSocket` signs. */
  identityFile?: string;
  /** A file holding the identity's passphrase (never the command line). */
  passphraseFile?: string;
  /** SSH_AUTH_SOCK as the manager was started with, if any. */
  agentSocket?: string;
}

/** How an endpoint may be shown: no user info, no secrets, no file paths. */
export function displayUrl(endpoint: EngineEndpoint): string {
  switch (endpoint.kind) {
    case 'unix':
      return `unix://${endpoint.socketPath}`;
    case 'npipe':
      return `npipe://${endpoint.socketPath}`;
    case 'tcp':
      return `tcp://${endpoint.host}:${endpoint.port}`;
    case 'ssh':
      return `ssh://${endpoint.host}:${endpoint.port}`;
  }
}
