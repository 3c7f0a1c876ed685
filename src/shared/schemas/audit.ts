import { z } from 'zod';
import { ERROR_CODES } from '../errors.js';
import { ROLES } from '../permissions.js';
import { intParam, timePointSchema } from './common.js';

/** ok: done; denied: refused for who asked (401/403/429/409 self-protection); failed: any other error. */
export const AUDIT_RESULTS = ['ok', 'denied', 'failed'] as const;

/** One line of the audit trail. Never a token: only the verified subject and role. */
export const auditEntrySchema = z.object({
  time: z.iso.datetime(),
  sub: z.string().nullable(),
  role: z.enum(ROLES).nullable(),
  transport: z.enum(['rest', 'ipc']),
  operation: z.string(),
  target: z.string().nullable(),
  result: z.enum(AUDIT_RESULTS),
  code: z.enum(ERROR_CODES).nullable(),
  durationMs: z.number().nonnegative(),
  /** The peer address (REST) or window (IPC): who tried, when there is no identity. */
  client: z.string(),
  requestId: z.string(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditListInput = z.object({
  limit: intParam(1, 1000).default(100),
  /** Entries at or after this time (RFC 3339 or unix seconds). */
  since: timePointSchema.optional(),
  sub: z.string().min(1).max(256).optional(),
});
export type AuditListInput = z.output<typeof auditListInput>;

export const auditListOutput = z.object({
  /** Newest first. */
  entries: z.array(auditEntrySchema),
});
export type AuditListOutput = z.infer<typeof auditListOutput>;
