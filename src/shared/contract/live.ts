import { statsOutput } from '../schemas/containers.js';
import {
  batchStatsInput,
  batchStatsOutput,
  watchBatchStatsInput,
  watchBatchStatsOutput,
  liveEventSchema,
  watchEventsInput,
  watchEventsOutput,
  watchStatsInput,
  watchStatsOutput,
} from '../schemas/live.js';
import { defineOperation } from './define.js';

/** Live data: subscriptions stream until the caller leaves; batch stats answer from live samples. */
export const liveOperations = {
  'containers.watchStats': defineOperation({
    summary: 'Resource usage of a running container, one sample per second (Server-Sent Events on REST)',
    method: 'GET',
    path: '/api/v1/containers/{id}/stats',
    variantOf: { operation: 'containers.stats', query: { stream: 'true' } },
    input: watchStatsInput,
    output: watchStatsOutput,
    events: statsOutput,
    eventName: 'stats',
    subscription: true,
    access: 'stats:read',
    kind: 'read',
  }),
  'containers.onEvent': defineOperation({
    summary: 'Container changes as they happen, optionally of one service group (Server-Sent Events on REST)',
    method: 'GET',
    path: '/api/v1/events',
    input: watchEventsInput,
    output: watchEventsOutput,
    events: liveEventSchema,
    eventName: 'container',
    subscription: true,
    access: 'containers:read',
    kind: 'read',
  }),
  'stats.list': defineOperation({
    summary: 'Resource usage of every running container (optionally of one group) at once',
    method: 'GET',
    path: '/api/v1/stats',
    input: batchStatsInput,
    output: batchStatsOutput,
    access: 'stats:read',
    kind: 'read',
  }),
  'stats.watch': defineOperation({
    summary: 'Resource usage of every running container (optionally of one group), a batch every 2 s (Server-Sent Events on REST)',
    method: 'GET',
    path: '/api/v1/stats',
    variantOf: { operation: 'stats.list', query: { stream: 'true' } },
    input: watchBatchStatsInput,
    output: watchBatchStatsOutput,
    events: batchStatsOutput,
    eventName: 'stats',
    subscription: true,
    access: 'stats:read',
    kind: 'read',
  }),
};
