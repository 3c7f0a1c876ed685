import { finished } from 'node:stream';
import { timePointSeconds } from '../../shared/schemas/common.js';
import type { SwarmFollowLogsInput, SwarmLogEvent } from '../../shared/schemas/swarm.js';
import type { DockerGateway } from '../docker/gateway.js';
import { destroyStream } from '../docker/json-lines.js';
import { LogDecoder } from '../docker/log-decoder.js';
import { notManager } from '../docker/swarm-calls.js';
import type { OperationContext } from '../model/context.js';

interface Modem {
  dial(options: object, callback: (err: unknown, stream: NodeJS.ReadableStream) => void): void;
}

export interface FollowEnd {
  lines: number;
  reason: 'ended' | 'cancelled' | 'error' | 'shutdown';
}

/**
 * Follows a swarm service's log, all its tasks merged by the manager node, until the caller
 * leaves (`cancelled`) or the daemon closes the stream (`ended`, e.g. the service was removed).
 * One daemon stream per follower: service logs are read on demand by an operator, not fanned out
 * to many windows as container logs are. Lines a caller cannot take (its queue is full) are
 * dropped and counted, so a slow reader never makes the manager hold the log. What the daemon
 * says it could not read (stream 3 of its frames) goes out as a `{ daemonError }` notice.
 */
export async function followServiceLog(
  gateway: DockerGateway,
  serviceId: string,
  tty: boolean,
  input: SwarmFollowLogsInput,
  ctx: OperationContext,
): Promise<FollowEnd> {
  const modem = (gateway.docker as unknown as { modem: Modem }).modem;
  const query = {
    follow: true,
    stdout: input.stream !== 'stderr',
    stderr: input.stream !== 'stdout',
    tail: input.tail,
    timestamps: input.timestamps,
    ...(input.since === undefined ? {} : { since: timePointSeconds(input.since) }),
  };
  const stream = await gateway
    .openStream(
      'services.logs.follow',
      (abortSignal) =>
        new Promise<NodeJS.ReadableStream>((resolve, reject) => {
          modem.dial(
            {
              path: `/services/${encodeURIComponent(serviceId)}/logs?`,
              method: 'GET',
              abortSignal,
              isStream: true,
              statusCodes: { 200: true, 404: 'no such service', 500: 'server error', 503: 'not a swarm manager' },
              options: query,
            },
            (err, s) => (err ? reject(err) : resolve(s)),
          );
        }),
      { signal: ctx.signal, notFound: 'SERVICE_NOT_FOUND', what: 'swarm service' },
    )
    .catch((err: unknown) => {
      throw notManager(err) ?? err;
    });
  ctx.ready();
  const decoder = new LogDecoder(tty, input.timestamps);
  let lines = 0;
  let dropped = 0;
  /** Sends an event unless the caller is a whole queue behind; then it is counted as lost. */
  const offer = (event: SwarmLogEvent): boolean => {
    if (ctx.streamFull) {
      dropped += 1;
      return false;
    }
    ctx.lost(dropped);
    dropped = 0;
    ctx.emit(event);
    return true;
  };
  const send = (decoded: ReturnType<LogDecoder['push']>) => {
    for (const line of decoded) if (offer(line)) lines += 1;
    // The daemon could not read part of the log (a task's node is down): a notice, not a line.
    const { messages, leftOut } = decoder.takeDaemonErrors();
    for (const daemonError of messages) offer({ daemonError });
    dropped += leftOut;
  };
  const broken = await new Promise<unknown>((resolve) => {
    stream.on('data', (chunk: Buffer) => send(decoder.push(chunk)));
    finished(stream, (err) => resolve(err ?? undefined));
    if (ctx.signal.aborted) resolve(ctx.signal.reason);
    else ctx.signal.addEventListener('abort', () => resolve(ctx.signal.reason), { once: true });
  });
  destroyStream(stream);
  if (ctx.signal.aborted) return { lines, reason: 'cancelled' };
  send(decoder.end());
  return { lines, reason: broken === undefined ? 'ended' : 'error' };
}
