import { LucidError } from '../../shared/errors.js';
import type { ErrorContext } from './errors.js';
import type { DockerGateway } from './gateway.js';

/** dockerode's swarm methods cannot send an update's `version` and body apart: the modem is asked directly. */
interface Modem {
  dial(options: object, callback: (err: unknown, data: unknown) => void): void;
}

export interface SwarmRequest extends ErrorContext {
  /** A fixed word per call site, for metrics. */
  operation: string;
  method: 'GET' | 'POST';
  path: string;
  /** Objects (filters) go as JSON, as Docker wants them. */
  query?: Record<string, unknown>;
  body?: unknown;
}

const STATUS_CODES = {
  200: true,
  400: 'bad parameter',
  404: 'no such object',
  409: 'conflict',
  500: 'server error',
  503: 'node is not a swarm manager',
};

/**
 * One request to a swarm endpoint through the gateway (deadline, retry of reads, breaker). Docker
 * answers 503 on a worker and on an engine in no swarm: that becomes NOT_SWARM_MANAGER, which the
 * caller can act on (ask the manager), instead of a bare "Docker refused".
 */
export async function swarmCall(gateway: DockerGateway, request: SwarmRequest): Promise<unknown> {
  const modem = (gateway.docker as unknown as { modem: Modem }).modem;
  try {
    return await gateway.call(
      request.operation,
      (abortSignal) =>
        new Promise((resolve, reject) => {
          modem.dial(
            {
              path: `${request.path}?`,
              method: request.method,
              abortSignal,
              statusCodes: STATUS_CODES,
              options: { _query: request.query ?? {}, _body: request.body ?? {} },
            },
            (err, data) => (err ? reject(err) : resolve(data)),
          );
        }),
      {
        idempotent: request.method === 'GET',
        ...(request.notFound ? { notFound: request.notFound } : {}),
        ...(request.conflict ? { conflict: request.conflict } : {}),
        ...(request.what ? { what: request.what } : {}),
      },
    );
  } catch (err) {
    throw notManager(err) ?? err;
  }
}

/** Docker's 503 on a cluster endpoint, as the manager's error; undefined for anything else. */
export function notManager(err: unknown): LucidError | undefined {
  if (!(err instanceof LucidError) || err.code !== 'DOCKER_ERROR') return undefined;
  const status = (err.details as { dockerStatus?: unknown } | undefined)?.dockerStatus;
  if (status !== 503) return undefined;
  // No cause: an expected refusal, not a failure for the manager's error log.
  return new LucidError('NOT_SWARM_MANAGER', "this host's engine is not a swarm manager: ask a manager node for the cluster");
}
