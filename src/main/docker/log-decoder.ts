import { StringDecoder } from 'node:string_decoder';
import { MAX_LOG_ERRORS, type LogLine } from '../../shared/schemas/containers.js';

type StreamName = LogLine['stream'];

const HEADER_BYTES = 8;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) /;
const BREAK = /[\r\n]/g;

/**
 * The longest piece of a line delivered at once, in characters. Docker itself cuts a log message
 * at 16 KiB (its copier's buffer), so a longer line already arrives as several messages; the
 * decoder keeps to the same size, and never holds more than this of a line that has not ended.
 */
export const MAX_LINE_CHARS = 16 * 1024;

/** Stream byte of a frame the daemon writes about the log itself (moby's stdcopy.Systemerr). */
const SYSTEM_ERROR_STREAM = 3;
/** Bytes kept of one daemon error message; the rest of its frame is skipped. */
const MAX_DAEMON_ERROR_BYTES = 1024;
/** Daemon error messages held until taken; later ones are counted, not kept. */
export const MAX_DAEMON_ERRORS = MAX_LOG_ERRORS;

/**
 * One output stream's text: UTF-8 decoded across chunk boundaries, cut into lines at `\n`, `\r\n`
 * or a lone `\r` (a redrawn progress bar is delivered at each redraw, not held). A line longer
 * than MAX_LINE_CHARS goes out in pieces marked `partial: true`, the last piece without the mark.
 * Every character is copied a bounded number of times: the work is linear in the input.
 */
class LineAssembler {
  private readonly decoder = new StringDecoder('utf8');
  private parts: string[] = [];
  private held = 0;
  /** The previous text ended in `\r`: a `\n` starting the next text belongs to it. */
  private skipLf = false;
  /** The last piece delivered was partial: the next piece continues its line. */
  private continuing = false;
  private timestamp: string | undefined;

  constructor(
    private readonly stream: StreamName,
    private readonly timestamps: boolean,
  ) {}

  get heldChars(): number {
    return this.held;
  }

  push(bytes: Buffer, out: LogLine[]): void {
    this.feed(this.decoder.write(bytes), out);
  }

  /**
   * A message of a multiplexed log with timestamps ended: each such message is whole and carries
   * its own time, so what it left without a newline goes out now, marked partial.
   */
  endMessage(out: LogLine[]): void {
    if (this.held > 0) this.emit(true, out);
    this.continuing = false;
    this.skipLf = false;
  }

  flush(out: LogLine[]): void {
    this.feed(this.decoder.end(), out);
    if (this.held > 0) this.emit(false, out);
  }

  private feed(text: string, out: LogLine[]): void {
    let start = 0;
    if (this.skipLf && text.length > 0) {
      if (text.charCodeAt(0) === 10) start = 1;
      this.skipLf = false;
    }
    BREAK.lastIndex = start;
    for (let match = BREAK.exec(text); match !== null; match = BREAK.exec(text)) {
      const at = match.index;
      this.append(text.slice(start, at), out);
      this.emit(false, out);
      start = at + 1;
      if (text.charCodeAt(at) === 13) {
        if (at + 1 === text.length) this.skipLf = true;
        else if (text.charCodeAt(at + 1) === 10) start = at + 2;
      }
      BREAK.lastIndex = start;
    }
    this.append(text.slice(start), out);
  }

  /** Holds text of the line in progress, sending full pieces out as soon as it passes the bound. */
  private append(text: string, out: LogLine[]): void {
    let rest = text;
    while (this.held + rest.length > MAX_LINE_CHARS) {
      const take = MAX_LINE_CHARS - this.held;
      this.parts.push(rest.slice(0, take));
      this.held += take;
      rest = rest.slice(take);
      this.emit(true, out);
    }
    if (rest.length > 0) {
      this.parts.push(rest);
      this.held += rest.length;
    }
  }

  private emit(partial: boolean, out: LogLine[]): void {
    const raw = this.parts.length === 1 ? (this.parts[0] ?? '') : this.parts.join('');
    this.parts = [];
    this.held = 0;
    out.push(this.line(raw, partial));
    this.continuing = partial;
  }

  private line(raw: string, partial: boolean): LogLine {
    const mark = partial ? { partial: true as const } : {};
    if (!this.timestamps) return { stream: this.stream, text: raw, ...mark };
    // A continuation piece carries the time of the line it continues.
    if (this.continuing) {
      return this.timestamp === undefined
        ? { stream: this.stream, text: raw, ...mark }
        : { stream: this.stream, text: raw, timestamp: this.timestamp, ...mark };
    }
    const match = TIMESTAMP.exec(raw);
    this.timestamp = match?.[1];
    if (!match || match[1] === undefined) return { stream: this.stream, text: raw, ...mark };
    return { stream: this.stream, text: raw.slice(match[0].length), timestamp: match[1], ...mark };
  }
}

/**
 * The text of one system-error frame: the daemon writes each such message in one frame
 * (`Error grabbing logs: …` when it could not read part of the log, e.g. a swarm task's node is
 * down). At most MAX_DAEMON_ERROR_BYTES of it are kept.
 */
class DaemonErrorText {
  private readonly bytes = Buffer.alloc(MAX_DAEMON_ERROR_BYTES);
  private fill = 0;

  push(body: Buffer): void {
    const take = Math.min(body.length, MAX_DAEMON_ERROR_BYTES - this.fill);
    body.copy(this.bytes, this.fill, 0, take);
    this.fill += take;
  }

  /** The message, trimmed; a character cut at the byte bound becomes U+FFFD. */
  take(): string {
    const text = new StringDecoder('utf8').end(this.bytes.subarray(0, this.fill)).trim();
    this.fill = 0;
    return text;
  }
}

/**
 * Decodes a container log as the Engine API sends it: multiplexed 8-byte frames (stream byte,
 * three zero bytes, big-endian length) when the container has no TTY, raw bytes when it has one.
 * Frames and characters may straddle the chunks pushed in. A frame's body is handed on as it
 * arrives, never gathered, so a frame that claims gigabytes costs no memory.
 *
 * Stream 1 is stdout (0, stdin, too, as the CLI's stdcopy reads it), 2 stderr, and 3 the daemon's
 * own errors about the log: never a line of it, they are held apart (see `takeDaemonErrors`). With a
 * TTY the daemon writes such errors into the raw text, where nothing tells them from the output.
 */
export class LogDecoder {
  private readonly stdout: LineAssembler;
  private readonly stderr: LineAssembler;
  private readonly header = Buffer.alloc(HEADER_BYTES);
  private headerFill = 0;
  /** Body bytes of the current frame still to come; 0 while reading a header. */
  private remaining = 0;
  private current: LineAssembler;
  /** The current frame is a system error: its body goes to `errorText`, not to a line. */
  private inError = false;
  private readonly errorText = new DaemonErrorText();
  private daemonErrors: string[] = [];
  private errorsLeftOut = 0;

  constructor(
    private readonly tty: boolean,
    private readonly timestamps: boolean,
  ) {
    this.stdout = new LineAssembler('stdout', timestamps);
    this.stderr = new LineAssembler('stderr', timestamps);
    this.current = this.stdout;
  }

  /** Characters held of lines not yet ended (bounded by MAX_LINE_CHARS per stream). */
  get heldChars(): number {
    return this.stdout.heldChars + this.stderr.heldChars;
  }

  push(chunk: Buffer): LogLine[] {
    const out: LogLine[] = [];
    if (this.tty) {
      this.stdout.push(chunk, out);
      return out;
    }
    let offset = 0;
    while (offset < chunk.length) {
      if (this.remaining === 0) {
        const take = Math.min(HEADER_BYTES - this.headerFill, chunk.length - offset);
        chunk.copy(this.header, this.headerFill, offset, offset + take);
        this.headerFill += take;
        offset += take;
        if (this.headerFill < HEADER_BYTES) break;
        this.headerFill = 0;
        this.remaining = this.header.readUInt32BE(4);
        this.inError = this.header[0] === SYSTEM_ERROR_STREAM;
        this.current = this.header[0] === 2 ? this.stderr : this.stdout;
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - offset);
      const body = chunk.subarray(offset, offset + take);
      offset += take;
      this.remaining -= take;
      if (this.inError) {
        this.errorText.push(body);
        if (this.remaining === 0) this.endDaemonError();
        continue;
      }
      this.current.push(body, out);
      // With timestamps each frame is one whole message prefixed by its time, so a line left
      // open by the message must not swallow the next message's timestamp.
      if (this.remaining === 0 && this.timestamps) this.current.endMessage(out);
    }
    return out;
  }

  /**
   * The daemon's error messages since the last call, oldest first: at most MAX_DAEMON_ERRORS are
   * held, so a daemon repeating itself costs no memory; `leftOut` counts those not kept.
   */
  takeDaemonErrors(): { messages: string[]; leftOut: number } {
    const taken = { messages: this.daemonErrors, leftOut: this.errorsLeftOut };
    this.daemonErrors = [];
    this.errorsLeftOut = 0;
    return taken;
  }

  private endDaemonError(): void {
    const text = this.errorText.take();
    if (text === '') return;
    if (this.daemonErrors.length < MAX_DAEMON_ERRORS) this.daemonErrors.push(text);
    else this.errorsLeftOut += 1;
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
