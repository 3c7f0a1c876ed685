import type Docker from 'dockerode';

/** The link to an engine below HTTP: `up` once the transport works (SSH session, TLS handshake). */
export type LinkState = { state: 'connecting' } | { state: 'up' } | { state: 'down'; reason: string };

/** What an SSH or a TLS link offers the engine connection built over it, besides a new stream. */
export interface EngineLink {
  link(): LinkState;
  /** Calls `listener` on every change of `link()`; returns the unsubscribe. */
  onLink(listener: (state: LinkState) => void): () => void;
  close(): Promise<void>;
}

/** What the transport beneath holds now, for tests and metrics. */
export interface TransportStats {
  /** SSH connections, or TLS connections, made since the engine connection was opened. */
  connectionsOpened: number;
  /** SSH channels, or TLS connections, open now (requests, streams, forwarded CLI connections). */
  streamsOpen: number;
  /** SSH only: the server forbids socket forwarding and requests run `docker system dial-stdio`. */
  dialStdio?: boolean;
}

/**
 * One engine as the rest of the manager sees it: a dockerode client whose requests all travel over
 * this connection, the state of the link beneath it, and a local socket a CLI (compose) can use
 * to reach the same engine through the same connection.
 */
export interface EngineConnection {
  readonly docker: Docker;
  link(): LinkState;
  /** Calls `listener` on every change of `link()`; returns the unsubscribe. */
  onLink(listener: (state: LinkState) => void): () => void;
  /** A DOCKER_HOST value for a child process: the engine's own socket, or a private forwarder. */
  cliDockerHost(): Promise<string>;
  /** Undefined for a local socket or plain TCP, whose connections are Node's own. */
  transport(): TransportStats | undefined;
  close(): Promise<void>;
}
