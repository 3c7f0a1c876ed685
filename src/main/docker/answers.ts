import { z } from 'zod';
import { LucidError } from '../../shared/errors.js';

/**
 * A container's name as users write it: Docker answers `/name` (the legacy link path), its CLI
 * and events say `name`. Stripped once here, so nothing past parsing sees the slash.
 */
const containerNameSchema = z.string().transform((name) => name.replace(/^\//, ''));

/**
 * The parts of Docker's answers the manager relies on. Parsing them turns a daemon that answers
 * nonsense into a clean DOCKER_ERROR instead of a crash further down.
 */
export const rawContainerListItemSchema = z.object({
  Id: z.string(),
  Names: z.array(containerNameSchema).nullish(),
  Image: z.string().default(''),
  State: z.string().default(''),
  Status: z.string().default(''),
  Created: z.number().default(0),
  Labels: z.record(z.string(), z.string()).nullish(),
  Ports: z
    .array(
      z.object({
        PrivatePort: z.number(),
        PublicPort: z.number().optional(),
        Type: z.string(),
        IP: z.string().optional(),
      }),
    )
    .nullish(),
});
export const rawContainerListSchema = z.array(rawContainerListItemSchema);
export type RawContainerListItem = z.infer<typeof rawContainerListItemSchema>;

export const rawContainerInspectSchema = z.object({
  Id: z.string(),
  Name: containerNameSchema,
  Created: z.string(),
  Path: z.string().default(''),
  Args: z.array(z.string()).nullish(),
  RestartCount: z.number().default(0),
  State: z.object({
    Status: z.string(),
    StartedAt: z.string().nullish(),
    FinishedAt: z.string().nullish(),
    ExitCode: z.number().nullish(),
    Health: z.object({ Status: z.string() }).nullish(),
  }),
  Config: z.object({
    Image: z.string().default(''),
    Labels: z.record(z.string(), z.string()).nullish(),
    Tty: z.boolean().default(false),
  }),
  Mounts: z
    .array(
      z.object({
        Type: z.string().default(''),
        Source: z.string().default(''),
        Destination: z.string(),
        RW: z.boolean().default(true),
      }),
    )
    .nullish(),
  NetworkSettings: z
    .object({
      Ports: z
        .record(z.string(), z.array(z.object({ HostIp: z.string().optional(), HostPort: z.string() })).nullish())
        .nullish(),
    })
    .nullish(),
});
export type RawContainerInspect = z.infer<typeof rawContainerInspectSchema>;

/** Parses a Docker answer; a mismatch is the daemon's fault, reported as such. */
export function parseAnswer<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new LucidError('DOCKER_ERROR', 'unexpected answer from Docker', undefined, { cause: result.error });
}
