import { z } from 'zod';

/**
 * Input schemas accept what both transports deliver: IPC passes real numbers and booleans, while
 * an HTTP query string carries only text. Each parser accepts both spellings and nothing looser
 * ("1.5", "", "1e3" and " 7" are rejected as numbers; "1", "yes" and "TRUE" as booleans).
 */
export function intParam(min: number, max: number) {
  return z
    .union([z.number(), z.string().regex(/^-?\d{1,9}$/, 'must be an integer').transform(Number)])
    .pipe(z.number().int('must be an integer').min(min).max(max));
}

export const BOOLEAN_MESSAGE = 'must be true or false';

/** Every boolean input: `true`/`false` as JSON or IPC booleans, or as the query's text. */
export function boolParam() {
  return z
    .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')], { error: BOOLEAN_MESSAGE })
    .pipe(z.boolean());
}

/** A query value a boolean input accepts. */
export function isBooleanText(value: unknown): boolean {
  return value === true || value === false || value === 'true' || value === 'false';
}

/** Docker's own rule for names, also fine for ids and id prefixes; checked before Docker is asked. */
export const containerRefSchema = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/, 'must be a container id, id prefix or name');

/** Compose's own rule for project names; also the rule for group names, which end up in labels. */
export const GROUP_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const groupNameSchema = z.string().regex(GROUP_NAME, 'must be a service group name (^[a-z0-9][a-z0-9_-]{0,62}$)');

/** RFC 3339 date-time or unix seconds (with optional fraction), as `docker logs --since` takes. */
export const timePointSchema = z.union([
  z.iso.datetime({ offset: true }),
  z.string().regex(/^\d{1,12}(\.\d{1,9})?$/, 'must be RFC 3339 or unix seconds'),
  z.number().nonnegative().max(1e11),
]);

/** Seconds since the epoch, as Docker's log API wants them (it takes no RFC 3339). */
export function timePointSeconds(value: string | number): number {
  if (typeof value === 'number') return value;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  // Date.parse keeps milliseconds only; Docker's timestamps have nanoseconds.
  const match = /^(.*T\d{2}:\d{2}:\d{2})(\.\d+)?(.*)$/.exec(value);
  if (!match) return Date.parse(value) / 1000;
  return Date.parse(`${match[1]}${match[3]}`) / 1000 + Number(`0${match[2] ?? ''}`);
}

/** A configured host's name (a hosts file entry, or `local` without one). */
export const HOST_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const hostNameSchema = z.string().regex(HOST_NAME, 'must be a host name (^[a-z0-9][a-z0-9_-]{0,62}$)');

/** The engine an operation acts on; left out, the default host. */
export const hostParam = () => hostNameSchema.optional().describe('The host to act on (default: the default host)');

/** A list operation's host: one name, or `*` for every host at once. */
export const hostsParam = () =>
  z
    .union([z.literal('*'), hostNameSchema])
    .optional()
    .describe('The host to list, or * for every host (default: the default host)');
