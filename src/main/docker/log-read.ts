import { finished } from 'node:stream';
import type { LogLine } from '../../shared/schemas/containers.js';
import { jsonStringBytes } from '../system/json-bytes.js';
import { toLucidError, type ErrorContext } from './errors.js';
import type { DockerGateway } from './gateway.js';
import { destroyStream } from './json-lines.js';
import { LogDecoder } from './log-decoder.js';
import type { ReadBudget } from './read-budget.js';

/** What Docker is asked for, as `GET /containers/{id}/logs` takes it (follow is never set here). */
export interface LogQuery {
  stdout: boolean;
  stderr: boolean;
  tail: number;
  timestamps: boolean;
  since?: number;
  until?: number;
}

export interface BoundedLog {
  lines: LogLine[];
  /** Older lines were left out to keep within the byte limit. */
  cut: boolean;
  /** What the daemon said it could not read (its stream-3 messages, at most MAX_DAEMON_ERRORS). */
  daemonErrors: string[];
}

/**
 * What a line costs in the answer, in bytes: its text as JSON writes it (escapes, UTF-8), its
 * time, and its framing (`{"stream":"stdout","text":"","timestamp":"","partial":true},`, 64 at
 * most). The same figure bounds what the process holds for it: a string of n characters takes
 * at most 2n bytes in memory, and its JSON at least n.
 */
export function lineBytes(line: LogLine): number {
  return jsonStringBytes(line.text) + (line.timestamp?.length ?? 0) + 64;
}

/** The answer's `errors` field: present only when the daemon reported any. */
export function errorsField(daemonErrors: string[]): { errors?: string[] } {
  return daemonErrors.length > 0 ? { errors: daemonErrors } : {};
}

/** Whose log is read: a container's, or a swarm service's across all its tasks (same framing). */
export interface LogSource {
  resource: 'containers' | 'services';
  notFound: ErrorContext;
}

const CONTAINER_LOG: LogSource = { resource: 'containers', notFound: { notFound: 'CONTAINER_NOT_FOUND', what: 'container' } };

/** dockerode buffers a non-followed log whole; the modem is asked directly for a stream instead. */
interface Modem {
  dial(options: object, callback: (err: unknown, stream: NodeJS.ReadableStream) => void): void;
}

function dialLogStream(
  gateway: DockerGateway,
  source: LogSource,
  id: string,
  query: LogQuery,
  abortSignal: AbortSignal,
): Promise<NodeJS.ReadableStream> {
  const modem = (gateway.docker as unknown as { modem: Modem }).modem;
  return new Promise((resolve, reject) => {
    modem.dial(
      {
        path: `/${source.resource}/${encodeURIComponent(id)}/logs?`,
        method: 'GET',
        abortSignal,
        isStream: true,
        statusCodes: { 200: true, 404: 'no such object', 500: 'server error', 503: 'not a swarm manager' },
        options: { ...query, follow: false },
      },
      (err, stream) => (err ? reject(err) : resolve(stream)),
    );
  });
}

/**
 * Reads a container log as a stream and keeps only its newest lines within `maxBytes`: the answer,
 * and what the process holds for it, never exceed the limit however large the log (a tail of
 * 10,000 lines of 16 KiB is 160 MiB). With a `budget`, the read first takes `maxBytes` of it and
 * gives them back when done, so all reads together stay within the budget's total (it may wait,
 * or be refused with LOG_READS_BUSY). The read ends at the gateway's deadline or when `signal`
 * aborts; the connection to the daemon is closed in every case.
 */
export async function readLogBounded(
  gateway: DockerGateway,
  id: string,
  tty: boolean,
  query: LogQuery,
  maxBytes: number,
  signal: AbortSignal,
  budget?: ReadBudget,
  source: LogSource = CONTAINER_LOG,
): Promise<BoundedLog> {
  const release = budget
    ? await budget.take(maxBytes, signal).catch((err: unknown) => {
        throw signal.aborted ? toLucidError(signal.reason, false) : err;
      })
    : () => {};
  try {
    return await readWithin(gateway, source, id, tty, query, maxBytes, signal);
  } finally {
    release();
  }
}

async function readWithin(
  gateway: DockerGateway,
  source: LogSource,
  id: string,
  tty: boolean,
  query: LogQuery,
  maxBytes: number,
  signal: AbortSignal,
): Promise<BoundedLog> {
  const deadline = AbortSignal.timeout(gateway.timeoutMs);
  const stop = AbortSignal.any([signal, deadline]);
  const stream = await gateway.openStream(`${source.resource}.logs`, (s) => dialLogStream(gateway, source, id, query, s), {
    signal: stop,
    ...source.notFound,
  });
  const decoder = new LogDecoder(tty, query.timestamps);
  const kept: (LogLine | undefined)[] = [];
  let head = 0;
  let bytes = 0;
  let cut = false;
  const keep = (lines: LogLine[]) => {
    for (const line of lines) {
      kept.push(line);
      bytes += lineBytes(line);
      while (bytes > maxBytes && head < kept.length) {
        const oldest = kept[head];
        kept[head++] = undefined;
        if (oldest) bytes -= lineBytes(oldest);
        cut = true;
      }
      // Reclaim the dropped front now and then, so the array stays about as large as what is kept.
      if (head > 4096 && head * 2 > kept.length) {
        kept.splice(0, head);
        head = 0;
      }
    }
  };
  const broken = await new Promise<unknown>((resolve) => {
    stream.on('data', (chunk: Buffer) => keep(decoder.push(chunk)));
    finished(stream, (err) => resolve(err ?? undefined));
    if (stop.aborted) resolve(stop.reason);
    else stop.addEventListener('abort', () => resolve(stop.reason), { once: true });
  });
  destroyStream(stream);
  if (broken !== undefined) {
    if (signal.aborted) throw toLucidError(signal.reason, false);
    throw toLucidError(broken, deadline.aborted, source.notFound);
  }
  keep(decoder.end());
  return { lines: kept.slice(head) as LogLine[], cut, daemonErrors: decoder.takeDaemonErrors().messages };
}
