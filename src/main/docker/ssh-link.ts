import { readFile } from 'node:fs/promises';
import ssh2, { type ClientChannel, type ConnectConfig } from 'ssh2';
import type { Logger } from '../system/logging.js';
import { ChannelSocket } from './channel-socket.js';
import type { SshEndpoint } from './endpoint.js';
import type { EngineLink, LinkState } from './engine-connection.js';
import {
  fingerprintOf,
  hostKeyAlgorithmsFor,
  keyTypeOf,
  knownHostName,
  parseKnownHosts,
  verifyHostKey,
  type HostKeyVerdict,
  type KnownHostEntry,
} from './known-hosts.js';
import { describeError, linkDownError } from './link-errors.js';
import { LinkStates } from './link-state.js';

// ssh2 is CommonJS whose `utils` Node's named-export detection misses.
const { Client, utils } = ssh2;
type Client = InstanceType<typeof Client>;

export interface SshTiming {
  /** A keepalive goes out after this much silence; `keepaliveCountMax` unanswered ones drop the link. */
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  /** How long one attempt may take from TCP connect to authenticated. */
  readyTimeoutMs: number;
  /** Reconnect delays double from the first to the cap, so a returning server is used within the cap. */
  firstRetryMs: number;
  maxRetryMs: number;
}

/**
 * A silent server is noticed within about 3 s (ssh2 gives up one interval after `keepaliveCountMax`
 * unanswered keepalives), a returning one is used within 2 s.
 */
export const SSH_TIMING: SshTiming = {
  keepaliveIntervalMs: 1000,
  keepaliveCountMax: 2,
  readyTimeoutMs: 10_000,
  firstRetryMs: 250,
  maxRetryMs: 2000,
};

/** RFC 4254 §5.1 channel open failure reasons. */
const ADMINISTRATIVELY_PROHIBITED = 1;
const CONNECT_FAILED = 2;
const UNKNOWN_CHANNEL_TYPE = 3;
/** The remote docker CLI relays stdin/stdout to the engine's socket: the fallback, one process per request. */
const DIAL_STDIO = 'docker system dial-stdio';

export interface SshLinkStats {
  /** SSH connections that reached an authenticated session since the link was made. */
  connectionsOpened: number;
  /** Channels (one per request or forwarded CLI connection) open now. */
  channelsOpen: number;
  /** The server refused socket forwarding: requests run `docker system dial-stdio` instead. */
  dialStdio: boolean;
}

/** A failure before any connection is tried (files), reported as it is. */
class SetupError extends Error {}

interface Credentials {
  privateKey?: Buffer;
  passphrase?: string;
  agent?: string;
}

async function readSecretFile(what: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new SetupError(`cannot read ${what} ${file}: ${describeError(err)}`);
  }
}

/** The identity file (decrypted with the passphrase file) and/or the agent; never a secret in a message. */
async function credentialsOf(endpoint: SshEndpoint): Promise<Credentials> {
  const agent = endpoint.agentSocket;
  if (endpoint.identityFile === undefined) {
    if (agent === undefined) throw new SetupError('no identity file is set and no SSH agent (SSH_AUTH_SOCK) is available');
    return { agent };
  }
  const privateKey = await readSecretFile('identity file', endpoint.identityFile);
  const passphrase =
    endpoint.passphraseFile === undefined
      ? undefined
      : (await readSecretFile('passphrase file', endpoint.passphraseFile)).toString('utf8').replace(/\r?\n$/, '');
  const parsed = utils.parseKey(privateKey, passphrase);
  if (parsed instanceof Error) {
    // An encrypted identity whose passphrase is not given may still be in the agent.
    if (agent !== undefined) return { agent };
    const why = passphrase === undefined ? 'it is not a private key, or it is encrypted and no passphrase file is set' : 'the passphrase does not decrypt it, or it is not a private key';
    throw new SetupError(`identity file ${endpoint.identityFile} cannot be used: ${why}`);
  }
  return { privateKey, ...(passphrase === undefined ? {} : { passphrase }), ...(agent === undefined ? {} : { agent }) };
}

/** A missing file holds no keys (every key is then unknown); an unreadable one is a setup failure. */
async function knownHostsOf(file: string): Promise<KnownHostEntry[]> {
  try {
    return parseKnownHosts(await readFile(file, 'utf8'));
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return [];
    throw new SetupError(`cannot read known_hosts file ${file}: ${describeError(err)}`);
  }
}

function refusalReason(verdict: Exclude<HostKeyVerdict, 'trusted'>, key: Buffer, name: string, file: string): string {
  const presented = `host key ${fingerprintOf(key)} (${keyTypeOf(key) ?? 'unknown type'}) of ${name}`;
  switch (verdict) {
    case 'unknown':
      return `${presented} is not in ${file}`;
    case 'changed':
      return `${presented} does not match the key listed for it in ${file}: the key changed, or another machine answers`;
    case 'revoked':
      return `${presented} is marked @revoked in ${file}`;
  }
}

function connectionReason(err: Error | undefined, name: string, wasReady: boolean): string {
  if (err === undefined) return wasReady ? `SSH connection to ${name} closed by the server` : `SSH connection to ${name} closed before it was ready`;
  const level = (err as { level?: unknown }).level;
  if (level === 'client-authentication') return `SSH authentication at ${name} failed: the server accepted none of the offered keys`;
  if (level === 'client-timeout') return `SSH connection to ${name} stopped answering keepalives`;
  return `SSH connection to ${name} ${wasReady ? 'lost' : 'failed'}: ${describeError(err)}`;
}

/**
 * One SSH connection to one host, kept up: every request is a channel of it, forwarded to the
 * engine's socket (or, where the server forbids that, a `docker system dial-stdio` process).
 * The server's host key is checked against known_hosts before authentication; an unknown,
 * changed or revoked key never gets a request. A lost connection cuts its channels with an
 * error at once and is remade in the background; while it is down, requests fail at once.
 */
export class SshLink implements EngineLink {
  private readonly endpoint: SshEndpoint;
  private readonly logger: Pick<Logger, 'info' | 'warn'> | undefined;
  private readonly timing: SshTiming;
  private readonly name: string;
  private readonly states = new LinkStates({ state: 'connecting' });
  private readonly sockets = new Set<ChannelSocket>();
  /** The connection requests use; undefined while the link is not up. */
  private client: Client | undefined;
  /** Every connection not yet closed, the one being attempted included. */
  private readonly live = new Set<Client>();
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs: number;
  private connectionsOpened = 0;
  private dialStdio = false;
  private closed = false;

  constructor(endpoint: SshEndpoint, options: { logger?: Pick<Logger, 'info' | 'warn'>; timing?: SshTiming } = {}) {
    this.endpoint = endpoint;
    this.logger = options.logger;
    this.timing = options.timing ?? SSH_TIMING;
    this.retryMs = this.timing.firstRetryMs;
    this.name = knownHostName(endpoint.host, endpoint.port);
    void this.attempt();
  }

  link(): LinkState {
    return this.states.get();
  }

  onLink(listener: (state: LinkState) => void): () => void {
    return this.states.on(listener);
  }

  stats(): SshLinkStats {
    return { connectionsOpened: this.connectionsOpened, channelsOpen: this.sockets.size, dialStdio: this.dialStdio };
  }

  /** A new channel to the engine's socket, as a socket; fails at once while the link is down. */
  async openSocket(): Promise<ChannelSocket> {
    if (this.states.get().state === 'connecting') await this.settled();
    const client = this.client;
    if (this.closed || client === undefined) {
      const state = this.states.get();
      throw linkDownError(`SSH link to ${this.name} is down${state.state === 'down' ? `: ${state.reason}` : ''}`);
    }
    const socket = new ChannelSocket(await this.openChannel(client));
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    return socket;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.cutSockets('the connection was closed');
    this.client = undefined;
    await Promise.all([...this.live].map((client) => endClient(client)));
    this.states.set({ state: 'down', reason: 'closed' });
  }

  private settled(): Promise<void> {
    return new Promise((resolve) => {
      const off = this.states.on(() => {
        off();
        resolve();
      });
    });
  }

  private async attempt(): Promise<void> {
    this.retryTimer = undefined;
    let knownHosts: KnownHostEntry[];
    let credentials: Credentials;
    try {
      // Read at every attempt: an operator who adds the host key or fixes a file is heard without a restart.
      knownHosts = await knownHostsOf(this.endpoint.knownHostsFile);
      credentials = await credentialsOf(this.endpoint);
    } catch (err) {
      this.lost(err instanceof SetupError ? err.message : `SSH setup for ${this.name} failed: ${describeError(err)}`);
      return;
    }
    if (this.closed) return;
    const client = new Client();
    this.live.add(client);
    let refusal: string | undefined;
    let lastError: Error | undefined;
    let ready = false;
    client.on('ready', () => {
      ready = true;
      if (this.closed) {
        client.end();
        return;
      }
      this.client = client;
      this.connectionsOpened += 1;
      this.retryMs = this.timing.firstRetryMs;
      if (this.states.set({ state: 'up' })) this.logger?.info(`engine ssh://${this.name}: connected`);
    });
    client.on('error', (err: Error) => {
      lastError = err;
    });
    client.on('close', () => {
      this.live.delete(client);
      if (this.closed) return;
      if (this.client === client) {
        this.client = undefined;
        const reason = connectionReason(lastError, this.name, true);
        this.cutSockets(reason);
        this.lost(reason);
      } else if (!ready) {
        this.lost(refusal ?? connectionReason(lastError, this.name, false));
      }
    });
    const config: ConnectConfig = {
      host: this.endpoint.host,
      port: this.endpoint.port,
      username: this.endpoint.user,
      ...credentials,
      readyTimeout: this.timing.readyTimeoutMs,
      keepaliveInterval: this.timing.keepaliveIntervalMs,
      keepaliveCountMax: this.timing.keepaliveCountMax,
      // Dropbear and other servers are tried for socket forwarding too; a refusal falls back.
      strictVendor: false,
      algorithms: { serverHostKey: hostKeyAlgorithmsFor(knownHosts, this.name) as never },
      hostVerifier: (key: Buffer) => {
        const verdict = verifyHostKey(knownHosts, this.name, key);
        if (verdict === 'trusted') return true;
        refusal = refusalReason(verdict, key, this.name, this.endpoint.knownHostsFile);
        return false;
      },
    };
    try {
      client.connect(config);
    } catch (err) {
      this.live.delete(client);
      this.lost(`SSH connection to ${this.name} failed: ${describeError(err)}`);
    }
  }

  /** The link is down: say why (once per reason) and try again after the current delay. */
  private lost(reason: string): void {
    if (this.closed) return;
    if (this.states.set({ state: 'down', reason })) this.logger?.warn(`engine ssh://${this.name} is down: ${reason}`);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.attempt(), this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, this.timing.maxRetryMs);
  }

  /** Every request and forwarded connection on the lost connection ends with an error now. */
  private cutSockets(reason: string): void {
    for (const socket of this.sockets) {
      socket.destroy(Object.assign(new Error(reason), { code: 'ECONNRESET' }));
    }
    this.sockets.clear();
  }

  /**
   * A channel to the engine: forwarded to its socket, or a dial-stdio process. A server that says
   * it forbids the forward (or knows no such channel) gets dial-stdio from then on. OpenSSH says
   * only "open failed" (CONNECT_FAILED), both when its policy forbids the forward and when the
   * socket refuses: that request tries dial-stdio, and dial-stdio is kept once it has carried
   * an answer, so an engine that was merely down is reached by socket again when it returns.
   */
  private openChannel(client: Client): Promise<ClientChannel> {
    if (this.dialStdio) return this.execDialStdio(client);
    return new Promise((resolve, reject) => {
      const opened = (err: Error | undefined, channel: ClientChannel) => {
        if (!err) return resolve(channel);
        const code = (err as { reason?: unknown }).reason;
        if (code === ADMINISTRATIVELY_PROHIBITED || code === UNKNOWN_CHANNEL_TYPE) {
          this.useDialStdio();
          this.execDialStdio(client).then(resolve, reject);
          return;
        }
        if (code === CONNECT_FAILED) {
          this.execDialStdio(client).then((channel) => {
            channel.once('data', () => this.useDialStdio());
            resolve(channel);
          }, () => reject(channelError(err, this.name, this.endpoint.socketPath)));
          return;
        }
        reject(channelError(err, this.name, this.endpoint.socketPath));
      };
      try {
        client.openssh_forwardOutStreamLocal(this.endpoint.socketPath, opened);
      } catch (err) {
        reject(linkDownError(`SSH link to ${this.name} is down: ${describeError(err)}`));
      }
    });
  }

  private useDialStdio(): void {
    if (this.dialStdio) return;
    this.dialStdio = true;
    this.logger?.info(`engine ssh://${this.name}: the server does not forward its socket; using docker system dial-stdio`);
  }

  private execDialStdio(client: Client): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      try {
        client.exec(DIAL_STDIO, (err, channel) => (err ? reject(channelError(err, this.name, DIAL_STDIO)) : resolve(channel)));
      } catch (err) {
        reject(linkDownError(`SSH link to ${this.name} is down: ${describeError(err)}`));
      }
    });
  }
}

/**
 * A channel the server would not open carries no request: a refused socket (the engine is not
 * running there) is ECONNREFUSED as it would be locally, anything else the link's own code.
 */
function channelError(err: Error, name: string, target: string): Error {
  const connectFailed = (err as { reason?: unknown }).reason === CONNECT_FAILED;
  const error = linkDownError(`${name} could not open ${target}: ${err.message.replace(/^\(SSH\) /, '')}`);
  return connectFailed ? Object.assign(error, { code: 'ECONNREFUSED' }) : error;
}

/** Ends a connection politely, then for sure: nothing of it may keep the process alive. */
function endClient(client: Client): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.destroy();
      resolve();
    }, 1000);
    timer.unref();
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    client.end();
  });
}
