import { z } from 'zod';
import { defineInput } from '../contract/input.js';
import { boolParam, intParam } from './common.js';
import { containerStateSchema, healthSchema } from './containers.js';

/** Compose's own rule for project names; checked before any file or process is touched. */
export const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** Compose service names, minus a leading dash or dot so that a name can never read as a CLI flag. */
export const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

export const projectNameSchema = z.string().regex(PROJECT_NAME, 'must match ^[a-z0-9][a-z0-9_-]{0,62}$');
export const serviceNameSchema = z.string().regex(SERVICE_NAME, 'must be a compose service name');

/** `unknown`: the project's host is not up. */
export const projectStateSchema = z.enum(['running', 'partial', 'stopped', 'absent', 'unknown']);
export type ProjectState = z.infer<typeof projectStateSchema>;

export const composeProjectSchema = z.object({
  name: z.string(),
  group: z.string().nullable(),
  /** The host compose runs the project on: its group's host, else the default host. */
  host: z.string(),
  /** Relative to COMPOSE_PROJECTS_DIR. */
  files: z.array(z.string()),
  source: z.enum(['config', 'discovered']),
  state: projectStateSchema,
  /** False when a declared file is missing or resolves outside the projects folder; `problem` says which. */
  available: z.boolean(),
  problem: z.string().optional(),
});
export type ComposeProject = z.infer<typeof composeProjectSchema>;

export const composeProjectsOutput = z.object({ projects: z.array(composeProjectSchema) });

export const composeProjectsInput = defineInput({});

export const composeStatusInput = defineInput({ query: { project: projectNameSchema } });

export const composeContainerSchema = z.object({
  id: z.string(),
  name: z.string(),
  state: containerStateSchema,
  health: healthSchema,
  /**
   * Carries the project's name but was started from other compose files (a same-named project
   * elsewhere): listed, but not counted in the project's state nor waited for.
   */
  foreign: z.boolean(),
});

export const composeStatusOutput = z.object({
  project: z.string(),
  /** From the project's own containers only (see `foreign`). */
  state: projectStateSchema,
  services: z.array(z.object({ service: z.string(), containers: z.array(composeContainerSchema) })),
});
export type ComposeStatus = z.infer<typeof composeStatusOutput>;

export const composeUpInput = defineInput({
  body: {
    project: projectNameSchema,
    services: z.array(serviceNameSchema).min(1).max(100).optional(),
    wait: boolParam().default(false),
  },
});
export type ComposeUpInput = z.infer<typeof composeUpInput>;

export const composeDownInput = defineInput({
  body: {
    project: projectNameSchema,
    removeVolumes: boolParam().default(false),
    /** The call's deadline is COMPOSE_TIMEOUT plus this. */
    timeout: intParam(0, 300).default(10).describe('Seconds compose gives each container to stop, as `down --timeout`'),
  },
});
export type ComposeDownInput = z.infer<typeof composeDownInput>;

export const composeRunOutput = z.object({
  project: z.string(),
  ok: z.boolean(),
  exitCode: z.number().int(),
  durationMs: z.number().int(),
  /** The last 200 lines, stdout and stderr interleaved as they arrived. */
  output: z.array(z.string()),
});
export type ComposeRunOutput = z.infer<typeof composeRunOutput>;

/**
 * One event per output line while up/down runs. `manager` lines are the manager's own (waiting for
 * services to become healthy); the others are the CLI's, as it printed them.
 */
export const composeOutputEvent = z.object({
  stream: z.enum(['stdout', 'stderr', 'manager']),
  line: z.string(),
});
export type ComposeOutputEvent = z.infer<typeof composeOutputEvent>;
