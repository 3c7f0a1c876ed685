import type { ClientRequestArgs } from 'node:http';
import { Agent } from 'node:https';
import type { Duplex } from 'node:stream';
import { inspect } from 'node:util';
import type { TlsLink } from './tls-link.js';

/**
 * Node's HTTPS client over a TLS link: connections come from the link (its files, its checks,
 * its state), and are kept alive between requests, as a handshake costs more than the request.
 */
export class TlsHttpAgent extends Agent {
  private readonly tlsLink: TlsLink;

  constructor(link: TlsLink) {
    super({ keepAlive: true, maxFreeSockets: 8 });
    this.tlsLink = link;
  }

  /**
   * docker-modem formats every request's options, this agent included, with
   * `util.inspect(…, {showHidden: true, depth: null})` for a debug line, whether or not debug is
   * on: without this, each request would walk the link and every kept-alive TLS connection (as
   * over SSH, where 50 concurrent requests spent seconds, at times minutes, of CPU doing so).
   */
  [inspect.custom](): string {
    return 'TlsHttpAgent';
  }

  override createConnection(_options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    this.tlsLink.connect().then(
      (socket) => callback?.(null, socket),
      (err: Error) => callback?.(err, undefined as never),
    );
    return undefined;
  }
}
