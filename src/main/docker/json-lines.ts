import { finished } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** A Docker event or stats frame is a few KiB; anything far larger is a broken stream, not data. */
const MAX_LINE_CHARS = 1 << 20;

export class LineTooLongError extends Error {
  constructor() {
    super(`a line of the Docker stream exceeded ${MAX_LINE_CHARS} characters`);
    this.name = 'LineTooLongError';
  }
}

/**
 * Cuts a byte stream into lines. Docker's streaming answers (events, stats) are one JSON document
 * per line, but the chunks a socket delivers align with nothing: a document, or a multi-byte
 * character, may straddle two chunks. The partial line kept between chunks is bounded.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(private readonly maxLineChars = MAX_LINE_CHARS) {}

  push(chunk: Buffer): string[] {
    const pieces = (this.partial + this.decoder.write(chunk)).split('\n');
    this.partial = pieces.pop() ?? '';
    if (this.partial.length > this.maxLineChars) throw new LineTooLongError();
    return pieces.filter((line) => line.trim() !== '');
  }
}

function parseJson(line: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(line) };
  } catch {
    return { ok: false };
  }
}

/**
 * Reads a stream of JSON lines until it ends, fails or `signal` aborts, handing each parsed value
 * to `onValue`; lines that are not JSON are skipped. Never rejects: it resolves with what broke
 * the stream (the daemon cut it halfway, a line too long), or undefined for a clean end or an
 * abort, and the caller decides what that means (reconnect, end the subscription).
 */
export function readJsonLines(
  stream: NodeJS.ReadableStream,
  signal: AbortSignal,
  onValue: (value: unknown) => void,
): Promise<unknown> {
  return new Promise<unknown>((resolve) => {
    const splitter = new LineSplitter();
    let settled = false;
    const finish = (broken?: unknown) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      resolve(broken);
    };
    const onAbort = () => finish();
    stream.on('data', (chunk: Buffer | string) => {
      let lines: string[];
      try {
        lines = splitter.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      } catch (err) {
        finish(err);
        destroyStream(stream);
        return;
      }
      for (const line of lines) {
        const parsed = parseJson(line);
        if (parsed.ok) onValue(parsed.value);
      }
    });
    // `finished` tells a clean end of the daemon's response from one cut halfway.
    finished(stream, (err) => finish(err ?? undefined));
    if (signal.aborted) finish();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function destroyStream(stream: NodeJS.ReadableStream): void {
  (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
}

/**
 * Lets the process exit while only background streams remain (the snapshot's event stream, the
 * stats feeds): the headless server's listening socket is what keeps it alive, not these.
 */
export function unrefStream(stream: NodeJS.ReadableStream): void {
  const socket = (stream as NodeJS.ReadableStream & { socket?: { unref?: () => void } | null }).socket;
  socket?.unref?.();
}
