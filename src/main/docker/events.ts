import { z } from 'zod';
import { CONTAINER_ACTIONS, type ContainerAction } from '../../shared/schemas/live.js';

/** Docker's event message, the part the snapshot uses. */
export const rawEventSchema = z.object({
  Type: z.literal('container'),
  Action: z.string(),
  Actor: z.object({
    ID: z.string().regex(/^[0-9a-f]{64}$/),
    Attributes: z.record(z.string(), z.string()).nullish(),
  }),
  time: z.number().optional(),
  timeNano: z.number().optional(),
});
export type RawEvent = z.infer<typeof rawEventSchema>;

const ACTIONS = new Set<string>(CONTAINER_ACTIONS);

/**
 * Asked of the daemon itself, so it never sends the noise (health-check execs fire every interval).
 * Docker matches `health_status` against `health_status: healthy` and the like.
 */
export const EVENT_FILTERS = { type: ['container' as const], event: [...CONTAINER_ACTIONS] as string[] };

/** `health_status: healthy` → `health_status`; null for actions the snapshot ignores. */
export function actionOf(raw: RawEvent): ContainerAction | null {
  const base = raw.Action.split(':', 1)[0]?.trim() ?? '';
  return ACTIONS.has(base) ? (base as ContainerAction) : null;
}

export function eventTime(raw: RawEvent): string {
  const ms = raw.timeNano !== undefined ? raw.timeNano / 1e6 : raw.time !== undefined ? raw.time * 1000 : Date.now();
  return new Date(ms).toISOString();
}
