import { z } from 'zod';
import { defineInput } from '../contract/input.js';

/** Probes and metrics take no input; like every operation they refuse one they do not declare. */
export const noInput = defineInput({});

export const dockerUpDownSchema = z.enum(['up', 'down']);

/** `GET /health`: 200 whenever the process serves; `degraded` while Docker is down or unsupported. */
export const healthSummarySchema = z.object({
  status: z.enum(['ok', 'degraded']),
  docker: dockerUpDownSchema,
});

/** `GET /api/v1/live`: answered by the event loop itself, never by Docker. */
export const liveSchema = z.object({ status: z.literal('ok') });

/** `GET /api/v1/ready`: 200 when ready, else 503 with the reason. */
export const readySchema = z.object({
  ready: z.boolean(),
  docker: dockerUpDownSchema,
  reason: z.string().optional(),
});

export const dockerHealthSchema = z.object({
  reachable: z.boolean(),
  serverVersion: z.string().nullable(),
  apiVersion: z.string().nullable(),
  minApiVersion: z.string().nullable(),
  /** The daemon's API is 1.41 (Engine 20.10) or newer. */
  compatible: z.boolean(),
  latencyMs: z.number().nullable(),
  lastError: z.string().optional(),
});

export const composeHealthSchema = z.object({
  available: z.boolean(),
  /** `v2` (the docker CLI plugin or its standalone binary) or `v1` (the Python docker-compose). */
  variant: z.enum(['v1', 'v2']).nullable(),
  version: z.string().nullable(),
});

/** `GET /api/v1/health`: 200 unless unhealthy (Docker unreachable or incompatible), then 503. */
export const healthDetailsSchema = z.object({
  status: z.enum(['healthy', 'degraded', 'unhealthy']),
  version: z.string(),
  uptimeSeconds: z.number(),
  docker: dockerHealthSchema,
  compose: composeHealthSchema,
  platform: z.string(),
  environment: z.string(),
});

export type HealthSummary = z.infer<typeof healthSummarySchema>;
export type Ready = z.infer<typeof readySchema>;
export type HealthDetails = z.infer<typeof healthDetailsSchema>;

/** Prometheus text exposition format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const metricsTextSchema = z.string();
