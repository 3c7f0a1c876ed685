import type { ErrorBody } from '../../shared/errors.js';
import type { FOLLOW_END_REASONS } from '../../shared/schemas/containers.js';
import { LucidError } from '../../shared/errors.js';
import { HostRemovedReason, isShutdown } from '../model/shutdown.js';
import { toLucidError } from '../docker/errors.js';

export interface StreamEnd {
  reason: (typeof FOLLOW_END_REASONS)[number];
  error?: ErrorBody;
}

/**
 * How a stream fed by the daemon ended, the same way for followed logs and live stats: the caller
 * left (`cancelled`) or the manager shuts down (`shutdown`) — checked first, since either also
 * breaks the daemon's stream —, else a clean end of the daemon's answer or an end the service
 * saw itself (`ended`, the container stopped), else whatever cut the stream halfway (`error`).
 */
export function streamEnd(signal: AbortSignal, broken: unknown, endedCleanly = false): StreamEnd {
  if (signal.aborted && signal.reason instanceof HostRemovedReason) {
    return { reason: 'error', error: new LucidError('HOST_NOT_FOUND', signal.reason.message).toBody() };
  }
  if (signal.aborted) return { reason: isShutdown(signal) ? 'shutdown' : 'cancelled' };
  if (endedCleanly || broken === undefined) return { reason: 'ended' };
  return { reason: 'error', error: toLucidError(broken, false).toBody() };
}
