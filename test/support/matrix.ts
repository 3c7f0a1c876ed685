import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import type { OperationName } from '../../src/shared/contract/index.js';
import type { Role } from '../../src/shared/permissions.js';
import type { Outcome } from './clients.js';
import { createTestContainer } from './engine.js';
import { composeFixtures } from './matrix-compose.js';
import { newScenario, SCENARIO_LABEL, type Scenario as ServicesScenario } from './scenario.js';

/**
 * The access matrix of docs/access.md, as data: rows say which operation on which kind of
 * target, the policy says who may, each scenario checks the real effect on the engine. The
 * compose operations add their rows here (see `createMatrix`) with their own `arrange`; the
 * test that walks the table does not change.
 */

export type Caller = Role | null;
export const CALLERS: readonly Caller[] = [null, 'user', 'developer', 'admin'];
export type CallerName = 'anonymous' | Role;
export const callerName = (caller: Caller): CallerName => caller ?? 'anonymous';

export type Expected = 'ok' | 'UNAUTHENTICATED' | 'FORBIDDEN';

/** The documented table, written out rather than derived from the permission table it checks. */
export const POLICIES = {
  /** list/get containers, logs, stats; list/get groups, compose status and projects */
  read: { anonymous: 'UNAUTHENTICATED', user: 'ok', developer: 'ok', admin: 'ok' },
  /** control of something in foundation, core or application */
  controlInScope: { anonymous: 'UNAUTHENTICATED', user: 'FORBIDDEN', developer: 'ok', admin: 'ok' },
  /** control of something in support or in no group */
  controlOutOfScope: { anonymous: 'UNAUTHENTICATED', user: 'FORBIDDEN', developer: 'FORBIDDEN', admin: 'ok' },
  /** reading the audit trail */
  adminOnly: { anonymous: 'UNAUTHENTICATED', user: 'FORBIDDEN', developer: 'FORBIDDEN', admin: 'ok' },
} as const satisfies Record<string, Record<CallerName, Expected>>;
export type PolicyName = keyof typeof POLICIES;

export const STATUS_OF: Record<Exclude<Expected, 'ok'>, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403 };

export interface Scenario {
  input: Record<string, unknown>;
  /** Asserts what the engine (or the answer) shows after the call, allowed or not. */
  verify(outcome: Outcome): Promise<void>;
}

export interface MatrixRow {
  title: string;
  operation: OperationName;
  policy: PolicyName;
  /** A target in the state the operation needs, fresh or reset for each call. */
  arrange(): Promise<Scenario>;
}

/** Where a container sits: its group label decides which role may control it. */
export const PLACEMENTS = [
  { name: 'core', labels: { 'lucid.service.group': 'core' }, inScope: true },
  { name: 'support', labels: { 'lucid.service.group': 'support' }, inScope: false },
  { name: 'no group', labels: {}, inScope: false },
] as const;
type Placement = (typeof PLACEMENTS)[number];

const LOG_LINE = 'matrix-log-line';

/** One container per purpose and placement, made on first use. */
function containerCache() {
  const made = new Map<string, Promise<Docker.Container>>();
  return (key: string, make: () => Promise<Docker.Container>) => {
    let container = made.get(key);
    if (!container) {
      container = make();
      made.set(key, container);
    }
    return container;
  };
}

async function inspect(container: Docker.Container) {
  const info = await container.inspect();
  return { state: info.State.Status, startedAt: info.State.StartedAt };
}

async function ensureRunning(container: Docker.Container): Promise<void> {
  if ((await inspect(container)).state !== 'running') await container.start();
}

async function ensureStopped(container: Docker.Container): Promise<void> {
  if ((await inspect(container)).state === 'running') await container.stop({ t: 0 });
}

function containerRowsFor(
  placement: Placement,
  cached: ReturnType<typeof containerCache>,
  services: ServicesScenario,
): MatrixRow[] {
  const control = placement.inScope ? 'controlInScope' : 'controlOutOfScope';
  const where = `a container in ${placement.name}`;
  // The scenario label keeps these containers visible to the matrix's manager, which sees no others.
  const labels = { ...placement.labels, [SCENARIO_LABEL]: services.id };
  const reader = () =>
    cached(`read-${placement.name}`, () =>
      createTestContainer({ cmd: ['sh', '-c', `echo ${LOG_LINE}; exec sleep 3600`], labels }),
    );
  const controlled = (op: string) =>
    cached(`${op}-${placement.name}`, () => createTestContainer({ cmd: ['sleep', '3600'], labels, start: false }));

  /** A read changes nothing; when allowed, the answer describes the real container. */
  const readRow = (operation: OperationName, check: (data: any, id: string) => void): MatrixRow => ({
    title: `${operation} on ${where}`,
    operation,
    policy: 'read',
    arrange: async () => {
      const container = await reader();
      await ensureRunning(container);
      const before = await inspect(container);
      const group = placement.name === 'no group' ? undefined : placement.name;
      const input =
        operation === 'containers.list'
          ? {}
          : operation === 'stats.list' || operation === 'containers.onEvent'
            ? (group ? { group } : {})
            : { id: container.id };
      return {
        input,
        verify: async (outcome) => {
          if (outcome.ok) check(outcome.data, container.id);
          assert.deepEqual(await inspect(container), before, 'a read leaves the container as it was');
        },
      };
    },
  });

  return [
    readRow('containers.list', (data, id) => assert.ok(data.containers.some((c: any) => c.id === id))),
    readRow('containers.get', (data, id) => assert.equal(data.id, id)),
    readRow('containers.logs', (data) => assert.ok(data.lines.some((l: any) => l.text === LOG_LINE))),
    readRow('containers.stats', (data, id) => assert.equal(data.id, id)),
    readRow('containers.watchStats', (data) => assert.equal(data.subscribed, true)),
    readRow('containers.onEvent', (data) => assert.equal(data.subscribed, true)),
    readRow('stats.list', (data, id) => {
      if (placement.name !== 'no group') assert.ok(data.stats.some((s: any) => s.id === id));
    }),
    {
      title: `containers.start on ${where}`,
      operation: 'containers.start',
      policy: control,
      arrange: async () => {
        const container = await controlled('start');
        await ensureStopped(container);
        return {
          input: { id: container.id },
          verify: async (outcome) => {
            const { state } = await inspect(container);
            assert.equal(state === 'running', outcome.ok, `state ${state} after ${outcome.ok ? 'allowed' : 'refused'} start`);
          },
        };
      },
    },
    {
      title: `containers.stop on ${where}`,
      operation: 'containers.stop',
      policy: control,
      arrange: async () => {
        const container = await controlled('stop');
        await ensureRunning(container);
        return {
          input: { id: container.id, timeout: 0 },
          verify: async (outcome) => {
            const { state } = await inspect(container);
            assert.equal(state === 'exited', outcome.ok, `state ${state} after ${outcome.ok ? 'allowed' : 'refused'} stop`);
          },
        };
      },
    },
    {
      title: `containers.restart on ${where}`,
      operation: 'containers.restart',
      policy: control,
      arrange: async () => {
        const container = await controlled('restart');
        await ensureRunning(container);
        const before = await inspect(container);
        return {
          input: { id: container.id, timeout: 0 },
          verify: async (outcome) => {
            const after = await inspect(container);
            assert.equal(after.state, 'running');
            assert.equal(after.startedAt !== before.startedAt, outcome.ok, 'restarted exactly when allowed');
          },
        };
      },
    },
  ];
}

/** Groups the matrix covers: one in the developer's scope, one outside it. */
const MATRIX_GROUPS = [
  { name: 'core', inScope: true },
  { name: 'support', inScope: false },
] as const;

function groupRows(cached: ReturnType<typeof containerCache>, services: ServicesScenario): MatrixRow[] {
  const member = (group: string) => cached(`member-${group}`, () => services.container(group));
  const reads: MatrixRow[] = [
    {
      title: 'services.list',
      operation: 'services.list',
      policy: 'read',
      arrange: async () => ({
        input: {},
        verify: async (outcome) => {
          if (outcome.ok) assert.ok(outcome.data.groups.some((g: any) => g.name === 'core'));
        },
      }),
    },
  ];
  return reads.concat(
    MATRIX_GROUPS.flatMap(({ name, inScope }): MatrixRow[] => [
      {
        title: `services.get of ${name}`,
        operation: 'services.get',
        policy: 'read',
        arrange: async () => ({
          input: { group: name },
          verify: async (outcome) => {
            if (outcome.ok) assert.equal(outcome.data.name, name);
          },
        }),
      },
      {
        title: `services.start of ${name}`,
        operation: 'services.start',
        policy: inScope ? 'controlInScope' : 'controlOutOfScope',
        arrange: async () => {
          const container = await member(name);
          await ensureStopped(container);
          return {
            input: { group: name },
            verify: async (outcome) => {
              const { state } = await inspect(container);
              assert.equal(state === 'running', outcome.ok, `member ${state} after ${outcome.ok ? 'allowed' : 'refused'} start`);
            },
          };
        },
      },
      {
        title: `services.stop of ${name}`,
        operation: 'services.stop',
        policy: inScope ? 'controlInScope' : 'controlOutOfScope',
        arrange: async () => {
          const container = await member(name);
          await ensureRunning(container);
          return {
            input: { group: name, timeout: 0 },
            verify: async (outcome) => {
              const { state } = await inspect(container);
              assert.equal(state === 'exited', outcome.ok, `member ${state} after ${outcome.ok ? 'allowed' : 'refused'} stop`);
            },
          };
        },
      },
    ]),
  );
}

function auditRows(): MatrixRow[] {
  return [
    {
      title: 'audit.list',
      operation: 'audit.list',
      policy: 'adminOnly',
      arrange: async () => ({
        input: { limit: 5 },
        verify: async (outcome) => {
          if (outcome.ok) assert.ok(Array.isArray(outcome.data.entries));
        },
      }),
    },
  ];
}

/** The detailed health is a read like any other; the public probes are not in the matrix. */
function systemRows(): MatrixRow[] {
  return [
    {
      title: 'health.details',
      operation: 'health.details',
      policy: 'read',
      arrange: async () => ({
        input: {},
        verify: async (outcome) => {
          if (outcome.ok) assert.equal(outcome.data.docker.reachable, true);
        },
      }),
    },
  ];
}

export interface Matrix {
  /** Environment for the manager under test: a services config and label filter of its own. */
  env: Record<string, string>;
  rows: MatrixRow[];
}

/**
 * Every row of the matrix, with fixtures private to this call (one set per transport). The
 * manager sees only this matrix's containers (a services scenario with a label filter), so group
 * operations never touch another test's containers. Compose projects live in a projects folder of
 * the matrix's own, declared in its services config (or found there, for the ungrouped one).
 */
export function createMatrix(): Matrix {
  const cached = containerCache();
  const compose = composeFixtures();
  const services = newScenario((name) =>
    ['foundation', 'core', 'application', 'support'].map((group, i) => {
      const project = compose.groupCompose(group);
      return { name: group, phase: i + 1, members: [{ name: name(group) }], ...(project ? { compose: project } : {}) };
    }),
  );
  return {
    env: { ...services.env, ...compose.env },
    rows: [
      ...PLACEMENTS.flatMap((placement) => containerRowsFor(placement, cached, services)),
      ...groupRows(cached, services),
      ...compose.rows(),
      ...auditRows(),
      ...systemRows(),
    ],
  };
}
