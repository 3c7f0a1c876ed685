import { StringDecoder } from 'node:string_decoder';
import type { LogLine } from '../../shared/schemas/containers.js';

type StreamName = LogLine['stream'];

const HEADER_BYTES = 8;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) /;

/** One output stream's text: UTF-8 decoded across chunk boundaries, cut into whole lines. */
class LineAssembler {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(
    private readonly stream: StreamName,
    private readonly timestamps: boolean,
  ) {}

  push(bytes: Buffer, out: LogLine[]): void {
    this.split(this.decoder.write(bytes), out);
  }

  /** Ends a line that had no newline: the next message starts afresh (it carries its own timestamp). */
  breakLine(out: LogLine[]): void {
    if (this.partial !== '') out.push(this.line(this.partial));
    this.partial = '';
  }

  flush(out: LogLine[]): void {
    this.split(this.decoder.end(), out);
    if (this.partial !== '') out.push(this.line(this.partial));
    this.partial = '';
  }

  private split(text: string, out: LogLine[]): void {
    const pieces = (this.partial + text).split('\n');
    this.partial = pieces.pop() ?? '';
    for (const piece of pieces) out.push(this.line(piece.endsWith('\r') ? piece.slice(0, -1) : piece));
  }

  private line(raw: string): LogLine {
    if (!this.timestamps) return { stream: this.stream, text: raw };
    const match = TIMESTAMP.exec(raw);
    if (!match || match[1] === undefined) return { stream: this.stream, text: raw };
    return { stream: this.stream, text: raw.slice(match[0].length), timestamp: match[1] };
  }
}

/**
 * Decodes a container log as the Engine API sends it: multiplexed 8-byte frames
 * (stream byte, three zero bytes, big-endian length) when the container has no TTY,
 * raw bytes when it has one. Frames and characters may straddle the chunks pushed in.
 */
export class LogDecoder {
  private readonly stdout: LineAssembler;
  private readonly stderr: LineAssembler;
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly tty: boolean,
    private readonly timestamps: boolean,
  ) {
    this.stdout = new LineAssembler('stdout', timestamps);
    this.stderr = new LineAssembler('stderr', timestamps);
  }

  push(chunk: Buffer): LogLine[] {
    const out: LogLine[] = [];
    if (this.tty) {
      this.stdout.push(chunk, out);
      return out;
    }
    let buffer = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buffer.length >= HEADER_BYTES) {
      const size = buffer.readUInt32BE(4);
      if (buffer.length < HEADER_BYTES + size) break;
      const payload = buffer.subarray(HEADER_BYTES, HEADER_BYTES + size);
      const assembler = buffer[0] === 2 ? this.stderr : this.stdout;
      // With timestamps each frame is one whole message prefixed by its time, so a line left
      // open by the previous message must not swallow the next message's timestamp.
      if (this.timestamps) assembler.breakLine(out);
      assembler.push(payload, out);
      buffer = buffer.subarray(HEADER_BYTES + size);
    }
    this.pending = Buffer.from(buffer);
    return out;
  }

  end(): LogLine[] {
    const out: LogLine[] = [];
    this.stdout.flush(out);
    this.stderr.flush(out);
    return out;
  }
}

export function decodeLog(data: Buffer, tty: boolean, timestamps: boolean): LogLine[] {
  const decoder = new LogDecoder(tty, timestamps);
  return [...decoder.push(data), ...decoder.end()];
}
