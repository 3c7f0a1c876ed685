import { readFile } from 'node:fs/promises';
import { connect, type TLSSocket } from 'node:tls';
import type { Logger } from '../system/logging.js';
import type { TcpEndpoint, TlsFiles } from './endpoint.js';
import type { EngineLink, LinkState } from './engine-connection.js';
import { describeError, linkDownError, UNTRUSTED_SERVER_CERT } from './link-errors.js';
import { LinkStates } from './link-state.js';

export interface TlsTiming {
  /** How long a probe (handshake and `/_ping`) may take. */
  probeTimeoutMs: number;
  /** While down, probes are repeated at delays doubling from the first to the cap. */
  firstRetryMs: number;
  maxRetryMs: number;
}

export const TLS_TIMING: TlsTiming = { probeTimeoutMs: 5000, firstRetryMs: 250, maxRetryMs: 2000 };

interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export interface TlsLinkStats {
  /** TLS connections that completed their handshake since the link was made. */
  connectionsOpened: number;
  /** Of those, open now. */
  connectionsOpen: number;
}

async function materialOf(files: TlsFiles): Promise<TlsMaterial> {
  const read = async (what: string, file: string) => {
    try {
      return await readFile(file);
    } catch (err) {
      throw linkDownError(`cannot read the TLS ${what} file ${file}: ${describeError(err)}`);
    }
  };
  const [ca, cert, key] = await Promise.all([read('CA', files.ca), read('certificate', files.cert), read('key', files.key)]);
  return { ca, cert, key };
}


function codeOf(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : '';
}

/**
 * A connection to a Docker engine that asks for mutual TLS: the client certificate is sent, the
 * server's is verified against the CA (and must name the host). The files are read for every
 * new connection, so renewed certificates are used without a restart. The link state comes from
 * a probe (handshake plus `/_ping`), because with TLS 1.3 a server refuses a client certificate
 * only after the client's handshake has completed.
 */
export class TlsLink implements EngineLink {
  private readonly endpoint: TcpEndpoint & { tls: TlsFiles };
  private readonly logger: Pick<Logger, 'info' | 'warn'> | undefined;
  private readonly timing: TlsTiming;
  private readonly address: string;
  private readonly states = new LinkStates({ state: 'connecting' });
  private readonly sockets = new Set<TLSSocket>();
  private connectionsOpened = 0;
  private probing = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs: number;
  private closed = false;

  constructor(endpoint: TcpEndpoint & { tls: TlsFiles }, options: { logger?: Pick<Logger, 'info' | 'warn'>; timing?: TlsTiming } = {}) {
    this.endpoint = endpoint;
    this.logger = options.logger;
    this.timing = options.timing ?? TLS_TIMING;
    this.retryMs = this.timing.firstRetryMs;
    this.address = `${endpoint.host}:${endpoint.port}`;
    void this.probe();
  }

  link(): LinkState {
    return this.states.get();
  }

  onLink(listener: (state: LinkState) => void): () => void {
    return this.states.on(listener);
  }

  stats(): TlsLinkStats {
    return { connectionsOpened: this.connectionsOpened, connectionsOpen: this.sockets.size };
  }

  /**
   * A connection whose handshake completed. A failure rejects with the TLS or socket error as it
   * is (its code says what went wrong) and has the link probed, so its state says why.
   */
  async connect(): Promise<TLSSocket> {
    if (this.closed) throw linkDownError(`TLS link to ${this.address} is closed`);
    let material: TlsMaterial;
    try {
      material = await materialOf(this.endpoint.tls);
    } catch (err) {
      this.connectFailed();
      throw err;
    }
    return new Promise((resolve, reject) => {
      let socket: TLSSocket;
      try {
        socket = connect({ host: this.endpoint.host, port: this.endpoint.port, ...material });
      } catch (err) {
        // Files that are no certificate or key: the secure context cannot be made.
        this.connectFailed();
        reject(linkDownError(`the TLS files of ${this.address} cannot be used: ${describeError(err)}`));
        return;
      }
      const failed = (err: Error) => {
        this.connectFailed();
        reject(err);
      };
      socket.once('error', failed);
      socket.once('secureConnect', () => {
        socket.off('error', failed);
        this.connectionsOpened += 1;
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
        if (this.states.get().state !== 'up') void this.probe();
        resolve(socket);
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    this.states.set({ state: 'down', reason: 'closed' });
  }

  private connectFailed(): void {
    if (!this.probing && this.retryTimer === undefined) void this.probe();
  }

  private async probe(): Promise<void> {
    if (this.probing || this.closed) return;
    this.probing = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    let reason: string | undefined;
    try {
      const socket = await this.connect();
      reason = await pingOver(socket, this.timing.probeTimeoutMs, this.address);
    } catch (err) {
      reason = this.reasonFor(err);
    } finally {
      this.probing = false;
    }
    if (this.closed) return;
    if (reason === undefined) {
      this.retryMs = this.timing.firstRetryMs;
      if (this.states.set({ state: 'up' })) this.logger?.info(`engine tcp://${this.address}: connected over TLS`);
      return;
    }
    if (this.states.set({ state: 'down', reason })) this.logger?.warn(`engine tcp://${this.address} is down: ${reason}`);
    this.retryTimer = setTimeout(() => void this.probe(), this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, this.timing.maxRetryMs);
  }

  private reasonFor(err: unknown): string {
    const code = codeOf(err);
    const { ca, cert } = this.endpoint.tls;
    if (code === 'ELINKDOWN') return describeError(err);
    if (UNTRUSTED_SERVER_CERT.has(code)) return `the certificate of ${this.address} is not signed by the CA in ${ca} (${code})`;
    if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return `the certificate of ${this.address} is not valid now (${code})`;
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the certificate of ${this.address} does not name ${this.endpoint.host}`;
    const alert = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(.+)$/.exec(code)?.[1];
    if (alert !== undefined) {
      return `${this.address} refused the TLS handshake (${alert.toLowerCase().replace(/_/g, ' ')}): is the client certificate ${cert} signed by a CA it trusts?`;
    }
    if (code === 'ECONNRESET') return `${this.address} closed the connection during the TLS handshake: does it expect TLS, and the client certificate ${cert}?`;
    return `cannot connect to tcp://${this.address}: ${describeError(err)}`;
  }
}

/**
 * Asks the engine `/_ping` over a fresh connection; resolves undefined when it answers 200, else
 * with the reason. A refused client certificate shows here as an error, after the handshake.
 */
function pingOver(socket: TLSSocket, timeoutMs: number, address: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let head = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(`${address} did not answer /_ping within ${timeoutMs} ms`);
    }, timeoutMs);
    const done = (outcome: () => void) => {
      clearTimeout(timer);
      socket.removeAllListeners('data');
      socket.destroy();
      outcome();
    };
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n');
      if (end === -1 && head.length < 512) return;
      const status = head.slice(0, end === -1 ? 512 : end);
      done(() => resolve(/^HTTP\/1\.[01] 200 /.test(status) ? undefined : `${address} answered /_ping with "${status.slice(0, 80)}"`));
    });
    socket.once('error', (err) => done(() => reject(err)));
    socket.once('end', () => done(() => reject(Object.assign(new Error('connection closed'), { code: 'ECONNRESET' }))));
    socket.write(`GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n`);
  });
}
