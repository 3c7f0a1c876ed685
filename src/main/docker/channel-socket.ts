import { Duplex } from 'node:stream';
import type { ClientChannel } from 'ssh2';

/**
 * An SSH channel dressed as a socket for Node's HTTP client. The client calls `setKeepAlive`,
 * `setNoDelay`, `setTimeout`, `ref` and `unref` on its sockets, which a channel lacks (the
 * process died with a TypeError without them); they mean nothing for one channel of a shared
 * connection, whose liveness the SSH keepalives watch. Unlike the channel, this stream can be
 * destroyed with an error, which is how a request learns that the connection beneath it broke.
 */
export class ChannelSocket extends Duplex {
  private readonly channel: ClientChannel;
  private eofPushed = false;

  constructor(channel: ClientChannel) {
    super({ allowHalfOpen: true });
    this.channel = channel;
    channel.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) channel.pause();
    });
    channel.on('end', () => this.endReading());
    channel.on('error', (err: Error) => this.destroy(err));
    channel.on('close', () => {
      // What was read stays readable until consumed; autoDestroy then closes this stream.
      this.endReading();
      if (!this.writableEnded) this.end();
    });
    // dial-stdio's diagnostics; unread, the channel's window would fill and stall.
    channel.stderr.resume();
  }

  private endReading(): void {
    if (this.eofPushed) return;
    this.eofPushed = true;
    this.push(null);
  }

  override _read(): void {
    this.channel.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.channel.write(chunk, encoding)) callback();
    else this.channel.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.channel.end();
    callback();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.channel.close();
    callback(err);
  }

  setKeepAlive(): this {
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setTimeout(): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }
}
