import { Agent, type ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import { inspect } from 'node:util';
import type { SshLink } from './ssh-link.js';

/**
 * Node's HTTP client over an SSH link: each request gets a channel of its own on the link's one
 * connection. No keep-alive: a channel is cheap to open on a live connection, and one that
 * finished with its request cannot be left half-open on the server.
 */
export class SshHttpAgent extends Agent {
  private readonly sshLink: SshLink;

  constructor(link: SshLink) {
    super({ keepAlive: false });
    this.sshLink = link;
  }

  /**
   * docker-modem formats every request's options, this agent included, with
   * `util.inspect(…, {showHidden: true, depth: null})` for a debug line, whether or not debug is
   * on: without this, each request walked the whole link (connection, channels, buffers), and 50
   * concurrent requests spent seconds, at times minutes, of CPU doing so.
   */
  [inspect.custom](): string {
    return 'SshHttpAgent';
  }

  override createConnection(_options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    this.sshLink.openSocket().then(
      (socket) => callback?.(null, socket),
      (err: Error) => callback?.(err, undefined as never),
    );
    return undefined;
  }
}
