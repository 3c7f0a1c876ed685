import { z } from 'zod';
import { defineInput } from '../contract/input.js';
import { ROLES } from '../permissions.js';

export const sessionInput = defineInput({});

/** Who the caller is, as the server sees it: what a GUI needs to offer only what will be allowed. */
export const sessionOutput = z.object({
  sub: z.string(),
  role: z.enum(ROLES),
  /** When the token (or the bound identity) stops counting, ISO 8601; null: never. */
  expiresAt: z.string().nullable(),
  /** The token's `hosts` claim; null: no claim, every host the role may use. */
  hosts: z.array(z.string()).nullable(),
  /** The configured service groups the role may control. */
  controlGroups: z.array(z.string()),
  /** Whether the role may control containers in no group (admins only). */
  controlUngrouped: z.boolean(),
});
export type SessionOutput = z.infer<typeof sessionOutput>;
