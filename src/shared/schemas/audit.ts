import { z } from 'zod';
import { defineInput } from '../contract/input.js';
import { ERROR_CODES } from '../errors.js';
import { ROLES } from '../permissions.js';
import { intParam, timePointSchema } from './common.js';

/**
 * started: a control call's intent, forced to disk before Docker is asked; its outcome follows with
 * the same requestId (audit.list shows an intent only while no outcome follows it). ok: done;
 * partial: answered, but `failures` of its parts did not succeed (a group member that could not
 * stop); denied: refused for who asked (401/403/429/409 self-protection); failed: any other error;
 * interrupted: the manager shut down while the call still ran, or was killed then and found the
 * intent without an outcome at its next start (code SHUTTING_DOWN; whether Docker finished what
 * was asked is unknown); suppressed: the summary of the repeats of one line in one window — a
 * caller's RATE_LIMITED refusals (code RATE_LIMITED), a subject's sign-ins from one client (code
 * null) — which are not written one by one (`suppressed` counts them).
 */
export const AUDIT_RESULTS = ['started', 'ok', 'partial', 'denied', 'failed', 'interrupted', 'suppressed'] as const;
export type AuditResult = (typeof AUDIT_RESULTS)[number];

/** One line of the audit trail. Never a token: only the verified subject and role. */
export const auditEntrySchema = z.object({
  time: z.iso.datetime(),
  sub: z.string().nullable(),
  role: z.enum(ROLES).nullable(),
  transport: z.enum(['rest', 'ipc']),
  operation: z.string(),
  target: z.string().nullable(),
  /** The host the call acted on or aimed at, when it names one or acts on one. */
  host: z.string().optional(),
  result: z.enum(AUDIT_RESULTS),
  code: z.enum(ERROR_CODES).nullable(),
  durationMs: z.number().nonnegative(),
  /** The peer address (REST) or window (IPC): who tried, when there is no identity. */
  client: z.string(),
  /** Made by the server; a client cannot choose it. */
  requestId: z.string(),
  /** The `X-Request-Id` the client sent, if any: its own correlation, not trusted. */
  clientRequestId: z.string().optional(),
  /** The calling frame's origin, for an IPC sender refused because of it (null: no frame). */
  origin: z.string().nullable().optional(),
  /** Result `partial`: how many parts failed. */
  failures: z.number().int().positive().optional(),
  /** Result `suppressed`: how many repeated lines (refusals or sign-ins) this line stands for. */
  suppressed: z.number().int().positive().optional(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditListInput = defineInput({
  query: {
    limit: intParam(1, 1000).default(100),
    since: timePointSchema.optional().describe('Entries at or after this time (RFC 3339 or unix seconds)'),
    sub: z.string().min(1).max(256).optional(),
  },
});
export type AuditListInput = z.output<typeof auditListInput>;

export const auditListOutput = z.object({
  /** Newest first. */
  entries: z.array(auditEntrySchema),
});
export type AuditListOutput = z.infer<typeof auditListOutput>;
