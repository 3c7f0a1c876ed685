import { z } from 'zod';
import { defineInput } from '../contract/input.js';
import { boolParam, groupNameSchema, hostsParam } from './common.js';
import { containerStateSchema, healthSchema, hostReportSchema, stopTimeoutSchema } from './containers.js';

/** A configured member with no container reports `missing`; one whose host is not up, `unknown`. */
export const serviceStateSchema = z.union([containerStateSchema, z.literal('missing'), z.literal('unknown')]);

export const serviceStatusSchema = z.object({
  name: z.string(),
  /** The host the member runs on (its own, its group's, or the default host). */
  host: z.string(),
  containerId: z.string().nullable(),
  state: serviceStateSchema,
  health: healthSchema,
  dependsOn: z.array(z.string()),
});
export type ServiceStatus = z.infer<typeof serviceStatusSchema>;

export const groupStatusSchema = z.object({
  name: z.string(),
  phase: z.number().int(),
  description: z.string(),
  dependsOn: z.array(z.string()),
  services: z.array(serviceStatusSchema),
  total: z.number().int(),
  running: z.number().int(),
  /** Running members whose healthcheck passes or that have none. */
  healthy: z.number().int(),
});
export type GroupStatus = z.infer<typeof groupStatusSchema>;

export const listGroupsOutput = z.object({
  groups: z.array(groupStatusSchema),
  /** The hosts the groups' members are on, with their state. */
  hosts: z.array(hostReportSchema),
});

const memberHostFilter = () =>
  hostsParam().describe('Only members on this host; * or left out: every member, wherever it runs');

export const listGroupsInput = defineInput({ query: { host: memberHostFilter() } });

export const groupRefInput = defineInput({ path: { group: groupNameSchema }, query: { host: memberHostFilter() } });

const dryRunSchema = boolParam().default(false).describe('Answer with the plan and change nothing');
export const startGroupInput = defineInput({ path: { group: groupNameSchema }, body: { dryRun: dryRunSchema } });
export const stopGroupInput = defineInput({ path: { group: groupNameSchema }, body: { dryRun: dryRunSchema, timeout: stopTimeoutSchema } });

export const MEMBER_ACTIONS = [
  'started',
  'already-running',
  'stopped',
  'already-stopped',
  'missing',
  'failed',
  'skipped',
] as const;
export type MemberAction = (typeof MEMBER_ACTIONS)[number];

export const memberResultSchema = z.object({
  service: z.string(),
  host: z.string(),
  containerId: z.string().nullable(),
  action: z.enum(MEMBER_ACTIONS),
  error: z.string().optional(),
  durationMs: z.number().int(),
});
export type MemberResult = z.infer<typeof memberResultSchema>;

/** What a group operation does with a member: act, leave it, wait for its health, or skip / fail it without acting. */
export const PLANNED_STEPS = ['start', 'wait-healthy', 'stop', 'none', 'missing', 'skip', 'fail'] as const;
export type PlannedStep = (typeof PLANNED_STEPS)[number];

export const planEntrySchema = z.object({
  service: z.string(),
  host: z.string(),
  containerId: z.string().nullable(),
  state: serviceStateSchema,
  dependsOn: z.array(z.string()),
  /** What the operation would do to this member. */
  planned: z.enum(PLANNED_STEPS),
  /** The action the run would report if no container changes state meanwhile. */
  expected: z.enum(MEMBER_ACTIONS),
  /** Why a member is skipped, failed or waited for. */
  reason: z.string().optional(),
});
export type PlanEntry = z.infer<typeof planEntrySchema>;

export const groupOperationOutput = z.object({
  group: z.string(),
  /**
   * True when the group reached the requested state; false when a member failed, was skipped or (on
   * start) is missing. For a dry run: whether the plan's expected actions reach it.
   */
  ok: z.boolean(),
  dryRun: z.boolean(),
  warnings: z.array(z.string()),
  results: z.array(memberResultSchema),
  /** Only with `dryRun`: the levels in execution order, members of one level run in parallel. */
  plan: z.array(z.array(planEntrySchema)).optional(),
});
export type GroupOperationResult = z.infer<typeof groupOperationOutput>;

export const PROGRESS_STEPS = [
  'starting',
  'waiting-healthy',
  'stopping',
  ...MEMBER_ACTIONS,
] as const;

/** One event per member state change while a group operation runs, so a GUI can show what happens now. */
export const groupProgressEvent = z.object({
  group: z.string(),
  service: z.string(),
  host: z.string(),
  containerId: z.string().nullable(),
  step: z.enum(PROGRESS_STEPS),
  /** Index of the member's level in the execution order, from 0. */
  level: z.number().int(),
  error: z.string().optional(),
});
export type GroupProgressEvent = z.infer<typeof groupProgressEvent>;
