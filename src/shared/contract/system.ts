import {
  PROMETHEUS_CONTENT_TYPE,
  healthDetailsSchema,
  healthSummarySchema,
  liveSchema,
  metricsTextSchema,
  noInput,
  readySchema,
  type HealthDetails,
  type Ready,
} from '../schemas/health.js';
import { defineOperation } from './define.js';

/** Probes for the container healthcheck, Kubernetes and people; metrics for Prometheus. */
export const systemOperations = {
  'health.summary': defineOperation({
    summary: 'Is the process serving? What the container healthcheck calls',
    method: 'GET',
    path: '/health',
    input: noInput,
    output: healthSummarySchema,
    access: 'public',
    kind: 'read',
  }),
  'health.live': defineOperation({
    summary: 'Liveness: the event loop answers; never depends on Docker',
    method: 'GET',
    path: '/api/v1/live',
    input: noInput,
    output: liveSchema,
    access: 'public',
    kind: 'read',
  }),
  'health.ready': defineOperation({
    summary: 'Readiness: the latest Docker ping succeeded (503 with the reason otherwise)',
    method: 'GET',
    path: '/api/v1/ready',
    input: noInput,
    output: readySchema,
    access: 'public',
    kind: 'read',
    statusWhen: { status: 503, when: (out: Ready) => !out.ready },
  }),
  'health.details': defineOperation({
    summary: 'Health of the manager, Docker and Compose (503 when unhealthy)',
    method: 'GET',
    path: '/api/v1/health',
    input: noInput,
    output: healthDetailsSchema,
    access: 'system:read',
    kind: 'read',
    statusWhen: { status: 503, when: (out: HealthDetails) => out.status === 'unhealthy' },
  }),
  'metrics.scrape': defineOperation({
    summary: 'Prometheus metrics (bearer METRICS_TOKEN when configured)',
    method: 'GET',
    path: '/metrics',
    input: noInput,
    output: metricsTextSchema,
    access: 'public',
    kind: 'read',
    produces: PROMETHEUS_CONTENT_TYPE,
  }),
};
